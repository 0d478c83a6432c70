"""Runs reconsider unanswered offers, but move them only when that clearly pays."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from factories.models import CapacityWindow, Factory
from factories.services import factory_update
from marketplace.models import Notification
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import make_factory, make_order, make_window, run_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered() -> Assignment:
    """A 500-unit order offered to a factory at 10.00 CNY a unit."""
    make_window(make_factory(name="First"), units_per_day=100)
    order = make_order(quantity=500, max_unit_price="12.00")
    run_matching()
    return Assignment.objects.get(order=order)


def _factory_at(price: str) -> CapacityWindow:
    window = make_window(make_factory(name=f"At {price}"), units_per_day=100)
    window.factory.capabilities.update(unit_price=price)
    return window


def test_an_offer_stays_when_a_slightly_cheaper_factory_appears(offered: Assignment) -> None:
    _factory_at("9.95")  # saves 25 CNY on 500 units: less than the penalty

    run = run_matching()

    offered.refresh_from_db()
    assert offered.status == AssignmentStatus.PROPOSED
    assert run.moved_offers == 0
    assert Assignment.objects.count() == 1


def test_an_offer_moves_when_a_much_cheaper_factory_appears(offered: Assignment) -> None:
    cheaper = _factory_at("6.00")  # saves 2,000 CNY

    run = run_matching()

    offered.refresh_from_db()
    assert offered.status == AssignmentStatus.SUPERSEDED
    moved = Assignment.objects.get(order=offered.order, status=AssignmentStatus.PROPOSED)
    assert moved.window == cheaper
    assert run.moved_offers == 1
    assert CapacityWindow.objects.get(pk=offered.window_id).offered_units == 0
    assert CapacityWindow.objects.get(pk=cheaper.pk).offered_units == 500
    assert Order.objects.get(pk=offered.order_id).status == OrderStatus.OFFERED
    # both owners are told: one of the new offer, the other that theirs was withdrawn
    told = Notification.objects.get(recipient=offered.factory.owner, kind="offers_withdrawn")
    assert f"#{offered.order_id} (500 units)" in told.message
    assert Notification.objects.filter(recipient=moved.factory.owner, kind="new_offers").exists()


def test_an_accepted_offer_never_moves(offered: Assignment) -> None:
    Assignment.objects.filter(pk=offered.pk).update(status=AssignmentStatus.ACCEPTED)
    Order.objects.filter(pk=offered.order_id).update(status=OrderStatus.ACCEPTED)
    _factory_at("6.00")

    run = run_matching()

    offered.refresh_from_db()
    assert offered.status == AssignmentStatus.ACCEPTED
    assert run.moved_offers == 0
    assert Assignment.objects.count() == 1


def test_an_offer_that_can_no_longer_stand_returns_the_order_to_open(
    offered: Assignment,
) -> None:
    factory_update(factory=Factory.objects.get(pk=offered.factory_id), data={"active": False})

    run_matching()

    offered.refresh_from_db()
    order = Order.objects.get(pk=offered.order_id)
    assert offered.status == AssignmentStatus.SUPERSEDED
    assert (order.status, order.unmatched_reason) == (OrderStatus.OPEN, "no_capable_factory")
    assert CapacityWindow.objects.get(pk=offered.window_id).offered_units == 0


def test_without_a_penalty_any_saving_moves_the_offer(
    offered: Assignment, settings: Settings
) -> None:
    settings.MATCHING_MOVE_PENALTY_FEN = 0
    settings.MATCHING_MOVE_THRESHOLD_PERCENT = 0
    _factory_at("9.95")

    run = run_matching()

    assert run.moved_offers == 1
