"""Scenario 8: input over the size caps, or that nothing can match, ends in a clean status
with a message, and no partial assignment is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from factories.models import CapacityWindow
from marketplace.models import ProductCategory
from matching.models import Assignment, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from orders.models import Order, OrderStatus
from tests.builders import days, make_factory, make_order, make_window
from tests.reliability.conftest import contested_market, limits
from tests.worker import wait_for_finished_run, worker_process


def _snapshot() -> tuple[dict[int, tuple], dict[int, tuple]]:
    orders = {
        o.pk: (o.status, o.updated_at, o.unmatched_reason, o.relax_suggestion)
        for o in Order.objects.all()
    }
    windows = {w.pk: (w.offered_units, w.booked_units) for w in CapacityWindow.objects.all()}
    return orders, windows


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
@pytest.mark.parametrize(
    ("caps", "message"),
    [
        # 8 orders to place
        (
            {"MATCHING_MAX_ORDERS": "5"},
            "8 orders to place, over the cap of 5 (MATCHING_MAX_ORDERS)",
        ),
        # 8 orders x 2 windows
        (
            {"MATCHING_MAX_PAIRS": "10"},
            "16 eligible order-window pairs, over the cap of 10 (MATCHING_MAX_PAIRS)",
        ),
    ],
    ids=["orders", "pairs"],
)
def test_a_run_over_a_size_cap_fails_with_its_message_and_writes_nothing(
    caps: dict[str, Any], message: str
) -> None:
    contested_market(orders=8)
    before = _snapshot()
    assignments_before = Assignment.objects.count()

    with worker_process(env=limits(**caps)):
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        finished = wait_for_finished_run(run.pk, timeout=30)

    assert finished.status == MatchRunStatus.FAILED
    assert finished.error == f"MatchRunTooLarge: {message}; nothing was matched or written."
    assert finished.attempts == 1 and finished.finished_at is not None
    assert Assignment.objects.count() == assignments_before
    assert not Assignment.objects.filter(run=finished).exists()
    assert _snapshot() == before  # no order, window or reason touched


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_run_over_nothing_that_can_match_succeeds_with_reasons_and_no_assignment() -> None:
    category = ProductCategory.objects.get(slug="t-shirts")
    make_window(make_factory(), category, start=1, end=10, units_per_day=100)  # 10.00 a unit
    cheap = make_order(category=category, quantity=100, max_unit_price=Decimal("1.00"))
    huge = make_order(category=category, quantity=50_000)
    too_soon = make_order(category=category, quantity=100, due_date=days(1))
    other = make_order(category=ProductCategory.objects.get(slug="hoodies"), quantity=100)

    with worker_process(env=limits()):
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        finished = wait_for_finished_run(run.pk, timeout=30)

    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    assert finished.solver_status == "NO_CANDIDATES"
    assert (finished.open_orders, finished.matched_orders, finished.candidate_pairs) == (4, 0, 0)
    assert not Assignment.objects.exists()
    reasons = dict(Order.objects.values_list("pk", "unmatched_reason"))
    assert reasons == {
        cheap.pk: "price_below_market",
        huge.pk: "capacity_full",  # more than the window holds
        too_soon.pk: "due_date_too_soon",
        other.pk: "no_capable_factory",
    }
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.OPEN}
