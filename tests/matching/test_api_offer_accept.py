"""POST /api/offers/{id}/accept/: the factory books the units and the order is accepted."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from factories.models import CapacityWindow
from marketplace.models import Notification, User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as ApiResponse

pytestmark = pytest.mark.django_db


def accept(client: APIClient, offer: Assignment) -> ApiResponse:
    return client.post(f"/api/offers/{offer.pk}/accept/")


def offer_to(owner: User, quantity: int = 500, **kwargs: Any) -> Assignment:
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    return make_assignment(make_order(quantity=quantity), window, **kwargs)


def test_accepting_books_the_units_and_accepts_the_order(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)

    response = accept(owner_api, offer)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["promised_finish"] == body["planned_finish"]
    assert body["allowed_actions"] == ["post_milestone", "report_delay"]
    window = CapacityWindow.objects.get(pk=offer.window_id)
    assert (window.booked_units, window.offered_units) == (500, 0)
    order = Order.objects.get(pk=offer.order_id)
    assert order.status == OrderStatus.ACCEPTED
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "accept",
        "offered",
        "accepted",
        owner,
    )
    told = Notification.objects.get(recipient=order.seller, kind="offer_accepted")
    assert told.order_id == order.pk


def test_an_offer_cannot_be_accepted_twice(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)
    assert accept(owner_api, offer).status_code == 200

    response = accept(owner_api, offer)

    assert response.status_code == 409
    assert "accepted" in response.json()["detail"]
    assert CapacityWindow.objects.get(pk=offer.window_id).booked_units == 500


def test_an_expired_offer_cannot_be_accepted(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        response = accept(owner_api, offer)

    assert response.status_code == 409
    assert "expired" in response.json()["detail"]
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED
    assert CapacityWindow.objects.get(pk=offer.window_id).booked_units == 0


def test_when_the_units_are_gone_it_answers_409_and_changes_nothing(
    owner_api: APIClient, owner: User
) -> None:
    offer = offer_to(owner, quantity=500)
    # the owner shrank the window and another order was accepted into it meanwhile
    CapacityWindow.objects.filter(pk=offer.window_id).update(total_units=600, booked_units=200)

    response = accept(owner_api, offer)

    assert response.status_code == 409
    body = response.json()
    assert "400 unbooked units left" in body["detail"]
    assert body["allowed_actions"] == ["decline"]
    window = CapacityWindow.objects.get(pk=offer.window_id)
    assert (window.booked_units, window.offered_units) == (200, 500)
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.OFFERED
    assert not OrderEvent.objects.filter(order_id=offer.order_id, action="accept").exists()


def test_a_split_order_is_accepted_when_its_last_part_is(owner: User) -> None:
    other_owner = make_factory().owner
    order = make_order(quantity=1000, allow_split=True, min_lot_quantity=100)
    first = make_assignment(order, make_window(make_factory(owner)), quantity=600)
    second = make_assignment(order, make_window(make_factory(other_owner)), quantity=400)

    assert accept(client_for(owner), first).status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OFFERED
    assert accept(client_for(other_owner), second).status_code == 200

    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED
    actions = list(OrderEvent.objects.filter(order=order).values_list("action", flat=True))
    assert actions[-2:] == ["accept_part", "accept"]


def test_another_owner_gets_404_and_the_offer_stays(owner: User) -> None:
    offer = offer_to(owner)
    stranger = client_for(make_factory().owner)

    assert accept(stranger, offer).status_code == 404
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


def test_the_seller_cannot_accept_an_offer_on_their_own_order(owner: User) -> None:
    offer = offer_to(owner)

    assert accept(client_for(offer.order.seller), offer).status_code == 404


def test_accepting_ends_a_run_of_expired_offers(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)
    type(offer.factory).objects.filter(pk=offer.factory_id).update(expired_offers_in_a_row=2)

    assert accept(owner_api, offer).status_code == 200

    offer.factory.refresh_from_db()
    assert offer.factory.expired_offers_in_a_row == 0
