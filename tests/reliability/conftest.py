"""Fault tests: real PostgreSQL, a real (private) Redis and real prefork worker processes.

Every test here talks to its own redis-server (started once per session on a free port):
the short visibility timeouts these tests use make a worker put back *any* message of its
Redis database that stayed unacknowledged that long, which must never touch another
session's tasks on the shared Redis. Workers get short time limits through their
environment (``limits()``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.models import Sum

from factories.models import CapacityWindow
from marketplace.models import ProductCategory
from matching.models import LIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus
from orders.models import Order
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.worker import RedisServer, broker_client, use_broker


@pytest.fixture(scope="session")
def private_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _private_broker(private_redis: RedisServer) -> Iterator[RedisServer]:
    """This test's tasks, control commands and workers go through the private Redis,
    emptied first (nothing a previous test left, not even unacknowledged messages)."""
    if connection.vendor != "postgresql":
        pytest.fail("The reliability tests need DATABASE_URL pointing at PostgreSQL")
    with use_broker(private_redis.url):
        broker_client().flushdb()
        yield private_redis


def limits(
    *,
    solve: float = 2,
    soft: int = 6,
    hard: int = 8,
    visibility: int = 10,
    delay: float = 0,
    **extra: str,
) -> dict[str, str]:
    """A worker environment with short limits: the solver's own limit < soft < hard time
    limit < visibility timeout (settings refuse anything else); ``delay`` makes the solve
    phase of every run last that many seconds (TEST_SOLVE_DELAY_SECONDS, tests/worker_app.py).
    Abandoned messages are looked for every second."""
    return {
        "MATCHING_TIME_LIMIT_SECONDS": str(solve),
        "CELERY_TASK_SOFT_TIME_LIMIT": str(soft),
        "CELERY_TASK_TIME_LIMIT": str(hard),
        "CELERY_VISIBILITY_TIMEOUT": str(visibility),
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "TEST_SOLVE_DELAY_SECONDS": str(delay),
    } | extra


def contested_market(*, orders: int = 8) -> list[Order]:
    """One category, two factories of 1,000 units each, one of them already 300 units
    booked; ``orders`` orders of 300 units want more than there is."""
    category = ProductCategory.objects.get(slug="t-shirts")
    first = make_window(make_factory(), category, start=1, end=10, units_per_day=100)
    make_window(make_factory(), category, start=1, end=10, units_per_day=100)
    make_assignment(
        make_order(category=category, quantity=300), first, status=AssignmentStatus.ACCEPTED
    )
    return [make_order(category=category, quantity=300) for _ in range(orders)]


def assert_nothing_overbooked_or_duplicated() -> None:
    """Every window's booked and offered units are within its total and equal what its live
    assignments hold; no order has two live assignments in one window, nor more live units
    than its quantity."""
    for window in CapacityWindow.objects.all():
        held = {
            row["status"]: row["units"]
            for row in window.assignments.filter(status__in=LIVE_ASSIGNMENT_STATUSES)
            .values("status")
            .annotate(units=Sum("quantity"))
        }
        assert window.booked_units + window.offered_units <= window.total_units, window
        assert window.booked_units == held.get(AssignmentStatus.ACCEPTED, 0), window
        assert window.offered_units == held.get(AssignmentStatus.PROPOSED, 0), window
    live = list(
        Assignment.objects.filter(status__in=LIVE_ASSIGNMENT_STATUSES).values_list(
            "order_id", "window_id", "quantity"
        )
    )
    pairs = Counter((order, window) for order, window, _units in live)
    assert [pair for pair, count in pairs.items() if count > 1] == []
    units: Counter[int] = Counter()
    for order, _window, quantity in live:
        units[order] += quantity
    quantities = dict(Order.objects.values_list("pk", "quantity"))
    assert [order for order, total in units.items() if total > quantities[order]] == []
