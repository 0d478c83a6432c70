"""Texts stored as a kind and parameters, rendered when read in the active language.

Order history lines (``OrderEvent``) and notifications keep what happened as a kind (the
action or notification kind) and JSON parameters: ids, quantities, dates as ISO strings,
names as given. The text is built when someone reads it (the API, a page, the admin, an
email), in that reader's language. Each app registers the renderers of the kinds it
writes (``orders/messages.py``, ``matching/messages.py``, imported by their ``AppConfig``),
so this lower layer never imports the apps above it.

Rows written before kinds and parameters (migrations) keep their old text as the ``text``
parameter (and a notification's title as ``text_title``), shown as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.utils import timezone

Params = dict[str, Any]
T = TypeVar("T")

LEGACY_TEXT = "text"
LEGACY_TITLE = "text_title"

# a notification kind may carry an id (``reminder_shipped_12``: one reminder per part)
_TRAILING_ID = re.compile(r"_\d+$")


class Texts(Generic[T]):
    """Kind -> a function of the parameters that renders in the active language."""

    def __init__(
        self, *, legacy: Callable[[Params], T], unknown: Callable[[str, Params], T]
    ) -> None:
        self._renderers: dict[str, Callable[[Params], T]] = {}
        self._legacy = legacy
        self._unknown = unknown

    def register(self, *kinds: str) -> Callable[[Callable[[Params], T]], Callable[[Params], T]]:
        def decorate(render: Callable[[Params], T]) -> Callable[[Params], T]:
            for kind in kinds:
                self._renderers[kind] = render
            return render

        return decorate

    def render(self, kind: str, params: Params) -> T:
        if LEGACY_TEXT in params:
            return self._legacy(params)
        render = self._renderers.get(kind) or self._renderers.get(_TRAILING_ID.sub("", kind))
        return render(params) if render is not None else self._unknown(kind, params)


# history lines: one text
order_event_texts: Texts[str] = Texts(
    legacy=lambda params: str(params[LEGACY_TEXT]), unknown=lambda kind, params: ""
)
# notifications: a title and a message
notification_texts: Texts[tuple[str, str]] = Texts(
    legacy=lambda params: (str(params.get(LEGACY_TITLE, "")), str(params[LEGACY_TEXT])),
    unknown=lambda kind, params: (kind, ""),
)


def with_note(text: str, note: str | None) -> str:
    """A rendered sentence followed by what a person wrote, as written."""
    return f"{text} {note}" if note else text


def ids(params: Params) -> Params:
    """The parameters with the order's id as ``id`` too (the placeholder of the texts)."""
    return {**params, "id": params.get("order")}


def local_minute(value: str) -> str:
    """An ISO date-time parameter as the local date and minute (``2026-05-01 14:00``)."""
    return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"
