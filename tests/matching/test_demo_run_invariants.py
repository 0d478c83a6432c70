"""On the demo data set, every assignment of a run obeys the marketplace's hard rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.management import call_command

from factories.models import CapacityWindow
from matching.models import Assignment, MatchRun, MatchRunStatus
from orders.models import Order, OrderStatus
from orders.services import order_cancel
from tests.builders import days, make_order, run_matching


def _assert_every_assignment_obeys_the_rules(
    run: MatchRun, remaining_before: dict[int, int]
) -> None:
    assignments = list(
        Assignment.objects.filter(run=run).select_related("order", "window", "factory")
    )
    assert assignments, "the demo run should place orders"
    per_window: dict[int, int] = defaultdict(int)
    per_order: dict[Order, int] = defaultdict(int)
    per_pool: dict[str, int] = defaultdict(int)
    pool_minimum: dict[str, int] = {}
    for a in assignments:
        order, window = a.order, a.window
        per_window[window.pk] += a.quantity
        per_order[order] += a.quantity
        latest_finish = order.due_date - dt.timedelta(days=a.transport_days)
        if order.allow_split:
            assert a.quantity >= order.min_lot_quantity
        else:
            assert a.quantity == order.quantity
        assert a.unit_price <= order.max_unit_price
        assert window.category_id == order.category_id
        assert a.factory_id == window.factory_id
        assert a.factory.active and a.factory.verified
        assert window.start_date <= a.planned_start <= a.planned_finish <= window.end_date
        assert a.planned_finish <= latest_finish
        assert a.quantity <= a.factory.max_order_quantity
        if a.pool_key:  # pooled (拼单): below the minimum, the pool's total reaches it
            assert order.allows_pooling and not order.allow_split
            per_pool[a.pool_key] += a.quantity
            pool_minimum[a.pool_key] = a.factory.min_order_quantity
        else:
            assert a.factory.min_order_quantity <= a.quantity
        assert order.status == OrderStatus.OFFERED
    for order, units in per_order.items():
        assert units == order.quantity  # split parts add up to the whole order
    assert any(order.allow_split for order in per_order), "the demo has split orders"
    assert per_pool, "the demo has pooled orders"
    for key, units in per_pool.items():
        assert units >= pool_minimum[key], key
    for window_id, units in per_window.items():
        assert units <= remaining_before[window_id]
        window = CapacityWindow.objects.get(pk=window_id)
        assert window.offered_units <= window.total_units


@pytest.mark.django_db
def test_a_run_on_the_demo_data_keeps_every_rule() -> None:
    call_command("seed_demo", verbosity=0)
    remaining_before = {w.pk: w.remaining_units for w in CapacityWindow.objects.all()}
    open_before = Order.objects.filter(status=OrderStatus.OPEN).count()

    run = run_matching()

    assert run.status == MatchRunStatus.SUCCEEDED, run.error
    assert run.open_orders == open_before
    assert run.matched_orders is not None
    offers = Assignment.objects.filter(run=run)
    assert 0 < run.matched_orders == offers.values("order").distinct().count()
    assert run.matched_units == sum(offers.values_list("quantity", flat=True))
    _assert_every_assignment_obeys_the_rules(run, remaining_before)
    unmatched = Order.objects.filter(status=OrderStatus.OPEN)
    assert all(order.unmatched_reason for order in unmatched)


@pytest.mark.django_db
def test_a_second_run_respects_the_offers_of_the_first() -> None:
    call_command("seed_demo", verbosity=0)
    remaining_before = {w.pk: w.remaining_units for w in CapacityWindow.objects.all()}
    run_matching()
    # capacity frees up and urgent demand arrives: the next run must fit around booked work
    for order in Order.objects.filter(status=OrderStatus.OFFERED)[:5]:
        order_cancel(order=order)
    for order in list(Order.objects.filter(status=OrderStatus.OFFERED)[:40]):
        make_order(
            seller=order.seller,
            category=order.category,
            quantity=max(1, order.quantity // 4),
            max_unit_price=order.max_unit_price,
            due_date=max(order.due_date - dt.timedelta(days=7), days(2)),
            priority="rush",
        )

    second = run_matching()

    assert second.status == MatchRunStatus.SUCCEEDED, second.error
    assert second.matched_orders is not None
    assert second.matched_orders > 0
    live = Assignment.objects.filter(status__in=("proposed", "accepted"))
    per_window: dict[tuple[int, str], int] = defaultdict(int)
    for a in live:
        per_window[a.window_id, a.status] += a.quantity
    for window in CapacityWindow.objects.all():
        assert window.offered_units == per_window[window.pk, "proposed"]
        # the demo's past jobs (demo/history.py) are booked in past windows
        assert window.booked_units == per_window[window.pk, "accepted"]
        assert window.offered_units <= remaining_before[window.pk]
        _assert_no_day_is_booked_twice(window, [a for a in live if a.window_id == window.pk])


def _assert_no_day_is_booked_twice(window: CapacityWindow, assignments: list[Assignment]) -> None:
    """The line can make every offer between its planned start and finish: each day it makes,
    of the offers already started, the one due first (earliest deadline first with release
    dates, which finds a schedule whenever one exists). Reading the offers in order of planned
    start instead would wrongly fail a plan that put a later offer into days an earlier one
    left free (found by manage.py simulate_season)."""
    left = {a.pk: a.quantity for a in assignments}
    for n in range(window.days):
        day = window.start_date + dt.timedelta(days=n)
        free = window.units_per_day
        started = sorted(
            (a for a in assignments if left[a.pk] and a.planned_start <= day),
            key=lambda a: (a.planned_finish, a.pk),
        )
        for a in started:
            used = min(left[a.pk], free)
            free -= used
            left[a.pk] -= used
            if left[a.pk] == 0:
                assert day <= a.planned_finish, f"assignment {a.pk} overruns its planned days"
    unmade = [pk for pk, units in left.items() if units]
    assert unmade == [], f"assignments {unmade} are not made within the window"
