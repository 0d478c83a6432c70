"""Checking a webhook delivery's signature, for each platform's way of signing.

- **generic**: ``X-Shop-Timestamp`` (Unix seconds) and ``X-Shop-Signature``, the hex HMAC-SHA256
  of ``"<timestamp>." + body`` with the connection's secret (the timestamp is signed, so an old
  delivery cannot be sent again with a new one);
- **Shopify**: ``X-Shopify-Hmac-Sha256``, the Base64 HMAC-SHA256 of the raw body with the
  secret, and ``X-Shopify-Triggered-At`` (ISO 8601) when Shopify sends it.

A delivery older (or newer) than ``SHOP_WEBHOOK_TOLERANCE_SECONDS`` is refused: a replay of a
captured delivery fails the clock, and within the tolerance its signature was seen already.
Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shops.models import Platform


class SignatureRefused(Exception):
    """The delivery is not from the shop (401): nothing of it is read or stored."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


def generic_signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def shopify_signature(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name, "").strip()


def _check_clock(sent: dt.datetime, now: dt.datetime, tolerance: int) -> None:
    if abs((now - sent).total_seconds()) > tolerance:
        raise SignatureRefused(_("The delivery's timestamp is too old or in the future."))


def signature_verify(
    *,
    platform: str,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    now: dt.datetime,
    tolerance_seconds: int,
) -> str:
    """The delivery's signature if it is good and fresh; ``SignatureRefused`` otherwise."""
    if platform == Platform.SHOPIFY:
        given = _header(headers, "X-Shopify-Hmac-Sha256")
        if not given or not hmac.compare_digest(given, shopify_signature(secret, body)):
            raise SignatureRefused(_("The signature does not match."))
        triggered = _header(headers, "X-Shopify-Triggered-At")
        if triggered:
            try:
                sent = dt.datetime.fromisoformat(triggered.replace("Z", "+00:00"))
            except ValueError:
                raise SignatureRefused(_("The delivery's timestamp is not a time.")) from None
            if sent.tzinfo is None:
                sent = sent.replace(tzinfo=dt.UTC)
            _check_clock(sent, now, tolerance_seconds)
        return given
    timestamp = _header(headers, "X-Shop-Timestamp")
    given = _header(headers, "X-Shop-Signature").removeprefix("sha256=")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureRefused(_("The delivery has no valid timestamp."))
    if not given or not hmac.compare_digest(given, generic_signature(secret, timestamp, body)):
        raise SignatureRefused(_("The signature does not match."))
    _check_clock(dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC), now, tolerance_seconds)
    return given
