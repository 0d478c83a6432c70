"""On the demo data set, every assignment of a run obeys the marketplace's hard rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.management import call_command

from factories.models import CapacityWindow
from matching.models import Assignment, MatchRunStatus
from orders.models import Order, OrderStatus
from orders.services import order_cancel
from tests.builders import run_matching


def _assert_every_assignment_obeys_the_rules(remaining_before: dict[int, int]) -> None:
    assignments = list(Assignment.objects.select_related("order", "window", "factory"))
    assert assignments, "the demo run should place orders"
    per_window: dict[int, int] = defaultdict(int)
    for a in assignments:
        order, window = a.order, a.window
        per_window[window.pk] += a.quantity
        latest_finish = order.due_date - dt.timedelta(days=a.transport_days)
        assert a.quantity == order.quantity
        assert a.unit_price <= order.max_unit_price
        assert window.category_id == order.category_id
        assert a.factory_id == window.factory_id
        assert a.factory.active and a.factory.verified
        assert window.start_date <= a.planned_start <= a.planned_finish <= window.end_date
        assert a.planned_finish <= latest_finish
        assert a.factory.min_order_quantity <= a.quantity <= a.factory.max_order_quantity
        assert order.status == OrderStatus.OFFERED
    for window_id, units in per_window.items():
        assert units <= remaining_before[window_id]
        window = CapacityWindow.objects.get(pk=window_id)
        assert window.booked_units <= window.total_units


@pytest.mark.django_db
def test_a_run_on_the_demo_data_keeps_every_rule() -> None:
    call_command("seed_demo", verbosity=0)
    remaining_before = {w.pk: w.remaining_units for w in CapacityWindow.objects.all()}
    open_before = Order.objects.filter(status=OrderStatus.OPEN).count()

    run = run_matching()

    assert run.status == MatchRunStatus.SUCCEEDED, run.error
    assert run.open_orders == open_before
    assert 0 < run.matched_orders == Assignment.objects.count()
    _assert_every_assignment_obeys_the_rules(remaining_before)
    unmatched = Order.objects.filter(status=OrderStatus.OPEN)
    assert all(order.unmatched_reason for order in unmatched)


@pytest.mark.django_db
def test_a_second_run_respects_the_offers_of_the_first() -> None:
    call_command("seed_demo", verbosity=0)
    remaining_before = {w.pk: w.remaining_units for w in CapacityWindow.objects.all()}
    run_matching()
    # capacity frees up and new demand arrives: cancel a few offered orders, the next run may use it
    for order in Order.objects.filter(status=OrderStatus.OFFERED)[:5]:
        order_cancel(order=order)

    second = run_matching()

    assert second.status == MatchRunStatus.SUCCEEDED, second.error
    live = Assignment.objects.filter(status__in=("proposed", "accepted"))
    per_window: dict[int, int] = defaultdict(int)
    for a in live:
        per_window[a.window_id] += a.quantity
    for window in CapacityWindow.objects.all():
        assert window.booked_units == per_window.get(window.pk, 0)
        assert window.booked_units <= remaining_before[window.pk]
