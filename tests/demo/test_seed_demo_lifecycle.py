"""seed_demo --lifecycle: demo orders at every stage, consistent with capacity and history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from factories.models import CapacityWindow, Factory, FactoryCapability
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderStatus
from production.models import Milestone
from shops.models import Replenishment

pytestmark = pytest.mark.django_db


def test_the_demo_has_orders_at_every_stage_and_capacity_adds_up() -> None:
    call_command("seed_demo", "--lifecycle", verbosity=0)

    statuses = set(Order.objects.values_list("status", flat=True))
    assert {
        OrderStatus.OPEN,
        OrderStatus.OFFERED,
        OrderStatus.ACCEPTED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    } <= statuses
    assert Assignment.objects.filter(status=AssignmentStatus.DECLINED).exists()
    assert Milestone.objects.filter(kind="shipped").exclude(tracking_number="").exists()
    assert Assignment.objects.filter(quality_rating__isnull=False).exists()
    assert Factory.objects.filter(scored_orders__gt=0).exists()
    # a counter-offer waits for its seller; delivered parts taught lead times
    assert Assignment.objects.filter(status=AssignmentStatus.COUNTERED).count() == 1
    assert FactoryCapability.objects.filter(lead_p90_days__isnull=False).exists()
    # ... learned mostly from past jobs that took days (demo/history.py), not from today's
    # milestones posted within a second: typical lead times of days, most factories on time
    learned = FactoryCapability.objects.filter(lead_p50_days__isnull=False)
    leads = sorted(d for d in learned.values_list("lead_p50_days", flat=True) if d is not None)
    assert len(leads) == FactoryCapability.objects.count()
    assert 3 <= leads[len(leads) // 2] <= 20
    delays = sorted(d for d in learned.values_list("delay_p50_days", flat=True) if d is not None)
    assert delays[len(delays) // 2] == 0
    past = Order.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=20))
    assert past.filter(status=OrderStatus.DELIVERED).count() >= Factory.objects.count()
    # the first seller's shop: a SKU about to run out has an order drafted for approval
    assert Replenishment.objects.filter(order__status=OrderStatus.DRAFT).count() == 1
    _assert_capacity_and_history_add_up()


# Small sizes other than the default (60 factories, 400 orders) at which the run splits
# orders and the declines supersede parts of them that the demo then tried to answer.
@pytest.mark.parametrize(("factories", "orders"), [(25, 300), (30, 250)])
def test_the_demo_at_other_sizes_answers_only_offers_still_waiting(
    factories: int, orders: int
) -> None:
    call_command(
        "seed_demo",
        "--lifecycle",
        "--factories",
        str(factories),
        "--orders",
        str(orders),
        verbosity=0,
    )

    assert Factory.objects.count() == factories
    assert Assignment.objects.filter(status=AssignmentStatus.SUPERSEDED).exists()
    assert Assignment.objects.filter(status=AssignmentStatus.DECLINED).exists()
    assert Assignment.objects.filter(status=AssignmentStatus.ACCEPTED).exists()
    _assert_capacity_and_history_add_up()


def _assert_capacity_and_history_add_up() -> None:
    # every window's counters are exactly its accepted and waiting offers (a countered offer
    # still holds its units)
    booked: dict[int, int] = defaultdict(int)
    offered: dict[int, int] = defaultdict(int)
    live = Assignment.objects.filter(status__in=("accepted", "proposed", "countered"))
    for window_id, status, units in live.values_list("window_id", "status").annotate(
        units=Sum("quantity")
    ):
        (booked if status == "accepted" else offered)[window_id] += units
    for window in CapacityWindow.objects.all():
        assert (window.booked_units, window.offered_units) == (
            booked[window.pk],
            offered[window.pk],
        )
        assert window.booked_units <= window.total_units
    # every status an order reached is in its history
    for order in Order.objects.exclude(status=OrderStatus.DRAFT):
        last = OrderEvent.objects.filter(order=order).last()
        assert last is not None and last.to_status == order.status, order.pk
