"""Reads across every app, for the pages of the top layer."""

from __future__ import annotations

from factories.models import CapacityWindow, Factory
from matching.models import MatchRun, MatchRunStatus
from orders.models import Order, OrderStatus


def marketplace_overview() -> dict[str, int]:
    """Headline numbers for the home page."""
    return {
        "factories": Factory.objects.filter(active=True, verified=True).count(),
        "windows": CapacityWindow.objects.count(),
        "open_orders": Order.objects.filter(status=OrderStatus.OPEN).count(),
        "offered_orders": Order.objects.filter(status=OrderStatus.OFFERED).count(),
        "runs": MatchRun.objects.filter(status=MatchRunStatus.SUCCEEDED).count(),
    }
