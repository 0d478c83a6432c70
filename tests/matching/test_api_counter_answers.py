"""POST /api/order-assignments/{id}/counter/accept/ and .../counter/reject/: the seller takes a
factory's counter-offer (the part is accepted on its terms, the units booked as in an
accept, 409 when they went meanwhile) or leaves it (the order is matched again, that
factory not excluded); counter-offers lapse like offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from factories.models import CapacityWindow, FactoryCapability
from marketplace.models import Notification, Role, User
from matching.counters import counter_create, counters_expire
from matching.models import Assignment, AssignmentStatus, Counter
from matching.selectors import order_histories
from matching.tasks import offers_expire_task
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window
from tests.conftest import client_for

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as ApiResponse

pytestmark = pytest.mark.django_db


def countered(seller: User, **kwargs: Any) -> Assignment:
    """An offer of 500 units at 10.00 CNY for the seller's order, countered at 11.00 CNY and
    three days later."""
    owner = make_user(Role.FACTORY_OWNER)
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    offer = make_assignment(make_order(seller, quantity=500), window, **kwargs)
    counter_create(
        offer=offer,
        actor=owner,
        unit_price=Decimal("11.00"),
        planned_finish=offer.planned_finish + dt.timedelta(days=3),
        note="Dye costs",
    )
    return Assignment.objects.get(pk=offer.pk)


def answer(client: APIClient, assignment: Assignment, verb: str, **data: Any) -> ApiResponse:
    url = f"/api/order-assignments/{assignment.pk}/counter/{verb}/"
    return client.post(url, data, format="json")


def test_the_seller_sees_the_counter_and_may_answer_it(seller_api: APIClient, seller: User) -> None:
    part = countered(seller)

    body = seller_api.get(f"/api/order-assignments/{part.pk}/").json()

    assert body["status"] == "countered"
    assert body["counter"]["unit_price"] == "11.00"
    assert body["counter"]["note"] == "Dye costs"
    assert body["allowed_actions"] == ["accept_counter", "reject_counter"]


def test_accepting_a_counter_accepts_the_part_on_its_terms(
    seller_api: APIClient, seller: User
) -> None:
    part = countered(seller)
    counter = Counter.objects.get(assignment=part)
    capability = FactoryCapability.objects.get(factory=part.factory)

    response = answer(seller_api, part, "accept")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["unit_price"] == "11.00"
    assert body["planned_finish"] == body["promised_finish"] == counter.planned_finish.isoformat()
    assert body["counter"]["state"] == "accepted"
    assert body["allowed_actions"] == []
    window = CapacityWindow.objects.get(pk=part.window_id)
    assert (window.booked_units, window.offered_units) == (500, 0)
    order = Order.objects.get(pk=part.order_id)
    assert order.status == OrderStatus.ACCEPTED
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == (
        "accept_counter",
        "offered",
        "accepted",
    )
    told = Notification.objects.get(kind="counter_accepted")
    assert told.recipient == part.factory.owner
    assert FactoryCapability.objects.get(pk=capability.pk).unit_price == capability.unit_price


def test_a_counter_is_not_accepted_when_the_window_lost_the_units(
    seller_api: APIClient, seller: User
) -> None:
    part = countered(seller)
    # the owner's window filled up meanwhile (booked elsewhere)
    CapacityWindow.objects.filter(pk=part.window_id).update(booked_units=600)

    response = answer(seller_api, part, "accept")

    assert response.status_code == 409
    assert response.json()["allowed_actions"] == ["reject_counter"]
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED
    window = CapacityWindow.objects.get(pk=part.window_id)
    assert (window.booked_units, window.offered_units) == (600, 500)
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.OFFERED


def test_rejecting_a_counter_matches_the_order_again_with_that_factory(
    seller_api: APIClient, seller: User
) -> None:
    part = countered(seller)

    response = answer(seller_api, part, "reject", note="Too dear")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "counter_rejected"
    assert response.json()["counter"]["state"] == "rejected"
    window = CapacityWindow.objects.get(pk=part.window_id)
    assert (window.booked_units, window.offered_units) == (0, 0)
    order = Order.objects.get(pk=part.order_id)
    assert order.status == OrderStatus.OPEN
    assert OrderEvent.objects.filter(order=order).last().action == "reject_counter"  # type: ignore[union-attr]
    told = Notification.objects.get(kind="counter_rejected")
    assert told.recipient == part.factory.owner
    assert not Notification.objects.filter(recipient=seller).exclude(kind="counter_made").exists()
    # the next run may offer the order to that factory again
    assert order_histories([order])[order.pk].excluded == frozenset()


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_a_counter_is_answered_once(seller_api: APIClient, seller: User, verb: str) -> None:
    part = countered(seller)
    assert answer(seller_api, part, verb).status_code == 200

    again = answer(seller_api, part, "accept")
    other = answer(seller_api, part, "reject")

    assert (again.status_code, other.status_code) == (409, 409)


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_an_offer_without_a_counter_cannot_be_answered_by_the_seller(
    seller_api: APIClient, seller: User, verb: str
) -> None:
    window = make_window(make_factory(), units_per_day=100, start=1, end=10)
    offer = make_assignment(make_order(seller, quantity=500), window)

    response = answer(seller_api, offer, verb)

    assert response.status_code == 409
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_an_expired_counter_cannot_be_answered(
    seller_api: APIClient, seller: User, verb: str
) -> None:
    part = countered(seller)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        response = answer(seller_api, part, verb)

    assert response.status_code == 409
    assert "expired" in response.json()["detail"]
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_another_sellers_counter_is_a_404(seller_api: APIClient, verb: str) -> None:
    part = countered(make_user(Role.SELLER))

    response = answer(seller_api, part, verb)

    assert response.status_code == 404
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_the_factory_owner_cannot_answer_their_own_counter(verb: str) -> None:
    part = countered(make_user(Role.SELLER))

    response = answer(client_for(part.factory.owner), part, verb)

    assert response.status_code in (403, 404)
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED


@pytest.mark.parametrize("note", ["x" * 2001, ["a"], {"a": 1}])
def test_a_bad_note_on_a_rejection_is_a_400_and_nothing_changes(
    seller_api: APIClient, seller: User, note: object
) -> None:
    part = countered(seller)

    response = answer(seller_api, part, "reject", note=note)

    assert response.status_code == 400
    assert "note" in response.json()
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED


def test_an_unanswered_counter_lapses_and_the_order_is_matched_again(seller: User) -> None:
    part = countered(seller)
    assert counters_expire() == 0

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert offers_expire_task() == 1
        assert counters_expire() == 0  # running twice is harmless

    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTER_EXPIRED
    window = CapacityWindow.objects.get(pk=part.window_id)
    assert (window.booked_units, window.offered_units) == (0, 0)
    order = Order.objects.get(pk=part.order_id)
    assert order.status == OrderStatus.OPEN
    assert {n.kind: n.recipient for n in Notification.objects.exclude(kind="counter_made")} == {
        "counter_expired": part.factory.owner,
        "counter_lapsed": seller,
    }
    # the seller's silence does not count against the factory
    assert order_histories([order])[order.pk].excluded == frozenset()
    assert part.factory.expired_offers_in_a_row == 0


def test_a_split_orders_other_waiting_offers_go_when_a_counter_is_rejected(
    seller_api: APIClient, seller: User
) -> None:
    order = make_order(seller, quantity=1000, allow_split=True, min_lot_quantity=100)
    owner = make_user(Role.FACTORY_OWNER)
    first = make_assignment(
        order, make_window(make_factory(owner), units_per_day=100), quantity=500
    )
    second = make_assignment(order, make_window(make_factory(), units_per_day=100), quantity=500)
    counter_create(offer=first, actor=owner, unit_price=Decimal("10.50"))

    assert answer(seller_api, first, "reject").status_code == 200

    assert Assignment.objects.get(pk=second.pk).status == AssignmentStatus.SUPERSEDED
    assert CapacityWindow.objects.get(pk=second.window_id).offered_units == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_a_split_order_is_accepted_once_its_last_part_is(
    seller_api: APIClient, seller: User
) -> None:
    order = make_order(seller, quantity=1000, allow_split=True, min_lot_quantity=100)
    owner = make_user(Role.FACTORY_OWNER)
    first = make_assignment(
        order, make_window(make_factory(owner), units_per_day=100), quantity=500
    )
    second = make_assignment(order, make_window(make_factory(), units_per_day=100), quantity=500)
    counter_create(offer=first, actor=owner, unit_price=Decimal("10.50"))
    second_owner = client_for(second.factory.owner)
    assert second_owner.post(f"/api/offers/{second.pk}/accept/").status_code == 200
    # the countered part still waits for the seller: the order is not accepted yet
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OFFERED

    assert answer(seller_api, first, "accept").status_code == 200

    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED
