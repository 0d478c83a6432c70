"""Structured logs: a JSON formatter and the request/run ids every line carries.

The ids live in context variables: ``marketplace.middleware.RequestIdMiddleware`` sets the
request id for the duration of a request, ``marketplace.celery_logging`` sets the run id
(and the task id) while a Celery task that works on a match run executes. The formatters
read them when a line is written, so any logger anywhere (Django, Celery, ours) gets them
without passing them around.

``LOG_FORMAT=json`` (the default when DEBUG is off) writes one JSON object per line:
``{"timestamp": ..., "level": ..., "logger": ..., "message": ..., "request_id": ...,
"run_id": ..., ...}``; ``LOG_FORMAT=plain`` a readable line with the ids appended.

This module is imported by ``logging.config.dictConfig`` while Django sets up, so it must
not import anything from Django that needs the apps loaded.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import uuid
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
run_id_var: contextvars.ContextVar[int | str | None] = contextvars.ContextVar(
    "run_id", default=None
)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)

# attributes every LogRecord has; anything else on a record came from `extra=` and is logged
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "run_id",
    "task_id",
    "taskName",
}


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_ids() -> dict[str, Any]:
    """The ids of the request or task being handled now (None outside one)."""
    return {
        "request_id": request_id_var.get(),
        "run_id": run_id_var.get(),
        "task_id": task_id_var.get(),
    }


def _ids(record: logging.LogRecord) -> dict[str, Any]:
    # a record made in another context (e.g. formatted later) keeps the ids it was given
    ids = current_ids()
    for name in ids:
        value = getattr(record, name, None)
        if value is not None:
            ids[name] = value
    return ids


class ContextFilter(logging.Filter):
    """Copies the current ids onto each record (for %-style formats: %(request_id)s)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _ids(record).items():
            setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, UTC timestamps with milliseconds."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_ids(record),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The usual readable line, with ``request_id=...``/``run_id=...`` appended when set."""

    def __init__(self, fmt: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{name}={value}" for name, value in _ids(record).items() if value)
        if not ids:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} [{ids}]{newline}{rest}"
