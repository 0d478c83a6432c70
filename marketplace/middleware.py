"""Request ids: one per request, in every log line written while handling it, and echoed
in the ``X-Request-ID`` response header.

The id comes from the ``X-Request-ID`` request header when it looks like one (the proxy in
front sets it, docs/operations.md), else a new random one. It stays set until Django's
``request_finished`` signal, so that lines Django writes after the middleware chain (the
``django.request`` "Not Found"/"Internal Server Error" warnings) carry it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from marketplace.logging import new_request_id, request_id_var

HEADER = "X-Request-ID"
# what we accept from a client or proxy: short, no spaces or control characters
_VALID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def request_id_from(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _VALID.match(given) else new_request_id()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="marketplace.middleware.clear_request_id")
def _clear_request_id(**kwargs: Any) -> None:
    request_id_var.set(None)
