"""The live rows a what-if must never write: counts and a checksum of their values."""

from __future__ import annotations

import hashlib

from django.db.models import Model

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import Notification
from matching.models import Assignment, MatchRun
from orders.models import Order, OrderEvent

CHECKED: tuple[type[Model], ...] = (
    Order,
    OrderEvent,
    Assignment,
    CapacityWindow,
    Factory,
    FactoryCapability,
    MatchRun,
    Notification,
)


def live_state() -> dict[str, tuple[int, str]]:
    """Per model: its row count and a SHA-256 of every column of every row (in id order)."""
    state = {}
    for model in CHECKED:
        digest = hashlib.sha256()
        rows = model._default_manager.order_by("pk").values_list()
        for row in rows:
            digest.update(repr(row).encode())
        state[model._meta.label] = (rows.count(), digest.hexdigest())
    return state
