"""A splittable order is offered to several factories, and handled as one order."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from factories.models import CapacityWindow
from factories.services import capacity_window_update
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from matching.solver import MatchingProblem, MatchingSolution, model, shards
from orders.models import Order, OrderStatus
from orders.services import order_cancel
from tests.builders import make_factory, make_order, make_window, run_matching
from tests.conftest import client_for
from tests.orders.test_api_order_create import payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_small_windows() -> list[CapacityWindow]:
    """Two factories with 500 units each (100 a day on days 1-5)."""
    return [make_window(make_factory(), units_per_day=100, start=1, end=5) for _ in range(2)]


def test_a_splittable_order_is_offered_in_parts_to_two_factories(
    seller: User, two_small_windows: list[CapacityWindow]
) -> None:
    order = make_order(seller, quantity=800, allow_split=True, min_lot_quantity=200)

    run = run_matching()

    parts = list(Assignment.objects.filter(order=order).order_by("window_id"))
    assert len(parts) == 2
    assert sum(p.quantity for p in parts) == 800
    assert all(p.quantity >= 200 for p in parts)
    assert {p.window_id for p in parts} == {w.pk for w in two_small_windows}
    assert (run.matched_orders, run.matched_units) == (1, 800)
    order.refresh_from_db()
    assert order.status == OrderStatus.OFFERED
    booked = CapacityWindow.objects.values_list("offered_units", flat=True)
    assert sum(booked) == 800
    seen = client_for(seller).get("/api/order-assignments/", {"order": order.pk}).json()
    assert seen["count"] == 2


def test_cancelling_it_withdraws_every_part(
    seller: User, two_small_windows: list[CapacityWindow]
) -> None:
    order = make_order(seller, quantity=800, allow_split=True, min_lot_quantity=200)
    run_matching()

    order_cancel(order=Order.objects.get(pk=order.pk))

    statuses = set(Assignment.objects.filter(order=order).values_list("status", flat=True))
    assert statuses == {AssignmentStatus.WITHDRAWN}
    assert set(CapacityWindow.objects.values_list("offered_units", flat=True)) == {0}


def test_no_part_is_written_when_one_of_its_windows_changed_while_solving(
    monkeypatch: pytest.MonkeyPatch, two_small_windows: list[CapacityWindow]
) -> None:
    order = make_order(quantity=800, allow_split=True, min_lot_quantity=200)
    real_solve = model.solve  # what shards calls, until patched below

    def edit_a_window_then_solve(problem: MatchingProblem) -> MatchingSolution:
        capacity_window_update(window=two_small_windows[1], units_per_day=120)
        return real_solve(problem)

    monkeypatch.setattr(shards, "solve", edit_a_window_then_solve)
    run = run_matching()

    assert run.matched_orders == 0
    assert not Assignment.objects.filter(order=order).exists()
    assert set(CapacityWindow.objects.values_list("offered_units", flat=True)) == {0}


def test_a_lot_larger_than_the_order_is_refused(seller_api: APIClient) -> None:
    response = seller_api.post(
        "/api/orders/",
        payload(quantity=100, allow_split=True, min_lot_quantity=150),
        format="json",
    )

    assert response.status_code == 400
    assert "min_lot_quantity" in response.json()
    assert not Order.objects.exists()
