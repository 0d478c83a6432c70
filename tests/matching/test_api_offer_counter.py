"""POST /api/offers/{id}/counter/: a factory owner answers an offer with a higher unit price
and/or a later finish, within the limits; bad terms are a 400 with a message per field and
nothing is saved; another owner's offer is a 404; an offer that no longer waits is a 409."""

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
from matching.models import Assignment, AssignmentStatus, Counter
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window
from tests.conftest import client_for

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as ApiResponse

pytestmark = pytest.mark.django_db


def offer_to(owner: User, **kwargs: Any) -> Assignment:
    """An offer of 500 units at 10.00 CNY a unit, finishing on the window's fifth day."""
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    return make_assignment(make_order(quantity=500), window, **kwargs)


def counter(client: APIClient, offer: Assignment, **data: Any) -> ApiResponse:
    return client.post(f"/api/offers/{offer.pk}/counter/", data, format="json")


def later(offer: Assignment, days: int) -> str:
    return (offer.planned_finish + dt.timedelta(days=days)).isoformat()


def nothing_saved(offer: Assignment) -> None:
    assert not Counter.objects.exists()
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED
    assert not OrderEvent.objects.filter(action="counter").exists()
    assert not Notification.objects.filter(kind="counter_made").exists()


def test_a_counter_keeps_the_units_offered_and_tells_the_seller(
    owner_api: APIClient, owner: User
) -> None:
    offer = offer_to(owner)
    capability = FactoryCapability.objects.get(factory=offer.factory)

    response = counter(
        owner_api, offer, unit_price="11.50", planned_finish=later(offer, 3), note="Dye costs"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "countered"
    assert body["unit_price"] == "10.00"  # the offer's terms until the seller accepts
    assert body["allowed_actions"] == []
    assert body["counter"]["unit_price"] == "11.50"
    assert body["counter"]["offer_unit_price"] == "10.00"
    assert body["counter"]["planned_finish"] == later(offer, 3)
    assert body["counter"]["offer_finish"] == offer.planned_finish.isoformat()
    assert body["counter"]["note"] == "Dye costs"
    assert body["counter"]["state"] == "waiting"
    window = CapacityWindow.objects.get(pk=offer.window_id)
    assert (window.booked_units, window.offered_units) == (0, 500)
    order = Order.objects.get(pk=offer.order_id)
    assert order.status == OrderStatus.OFFERED
    event = OrderEvent.objects.get(order=order, action="counter")
    assert event.actor == owner
    told = Notification.objects.get(kind="counter_made")
    assert (told.recipient, told.order_id) == (order.seller, order.pk)
    # the solver does not learn the counter's price: the capability stays as it was
    assert FactoryCapability.objects.get(pk=capability.pk).unit_price == capability.unit_price


def test_a_price_alone_or_a_date_alone_is_a_counter(owner_api: APIClient, owner: User) -> None:
    dearer, later_offer = offer_to(owner), offer_to(owner)

    assert counter(owner_api, dearer, unit_price="10.01").status_code == 200
    assert counter(owner_api, later_offer, planned_finish=later(later_offer, 1)).status_code == 200

    assert Counter.objects.get(assignment=dearer).planned_finish == dearer.planned_finish
    assert Counter.objects.get(assignment=later_offer).unit_price == Decimal("10.00")


def test_the_limits_come_from_the_settings(
    owner_api: APIClient, owner: User, settings: Any
) -> None:
    settings.COUNTER_MAX_PRICE_INCREASE_PERCENT = 5
    settings.COUNTER_MAX_EXTRA_DAYS = 2
    offer = offer_to(owner)

    over = counter(owner_api, offer, unit_price="10.51", planned_finish=later(offer, 3))

    assert over.status_code == 400
    assert "10.50" in over.json()["unit_price"][0]
    assert later(offer, 2) in over.json()["planned_finish"][0]
    nothing_saved(offer)
    assert (
        counter(owner_api, offer, unit_price="10.50", planned_finish=later(offer, 2)).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "unit_price"),
        ({"note": "Nothing else"}, "unit_price"),
        ({"unit_price": "9.99"}, "unit_price"),  # lower than the offer
        ({"unit_price": "10.00"}, "unit_price"),  # the offer as it is
        ({"unit_price": "12.01"}, "unit_price"),  # over the 20 % limit
        ({"unit_price": "0"}, "unit_price"),
        ({"unit_price": "-11"}, "unit_price"),
        ({"unit_price": "1e30"}, "unit_price"),
        ({"unit_price": "99999999999999999999.99"}, "unit_price"),
        ({"unit_price": "NaN"}, "unit_price"),
        ({"unit_price": "Infinity"}, "unit_price"),
        ({"unit_price": "10.555"}, "unit_price"),
        ({"unit_price": "eleven"}, "unit_price"),
        ({"unit_price": ["11"]}, "unit_price"),
        ({"unit_price": {"amount": 11}}, "unit_price"),
        ({"planned_finish": "yesterday"}, "planned_finish"),
        ({"planned_finish": "2026-02-30"}, "planned_finish"),
        ({"planned_finish": "99999-01-01"}, "planned_finish"),
        ({"planned_finish": 20260101}, "planned_finish"),
        ({"unit_price": "11", "note": "x" * 2001}, "note"),
        ({"unit_price": "11", "note": ["a"]}, "note"),
    ],
)
def test_bad_terms_are_a_400_naming_the_field_and_nothing_is_saved(
    owner_api: APIClient, owner: User, data: dict[str, Any], field: str
) -> None:
    offer = offer_to(owner)

    response = counter(owner_api, offer, **data)

    assert response.status_code == 400, response.content
    assert field in response.json()
    nothing_saved(offer)


@pytest.mark.parametrize("days", [-1, 15])
def test_a_finish_earlier_than_the_offer_or_past_the_limit_is_a_400(
    owner_api: APIClient, owner: User, days: int
) -> None:
    offer = offer_to(owner)

    response = counter(owner_api, offer, planned_finish=later(offer, days))

    assert response.status_code == 400
    assert list(response.json()) == ["planned_finish"]
    nothing_saved(offer)


def test_another_owners_offer_is_a_404(owner_api: APIClient) -> None:
    offer = offer_to(make_user(Role.FACTORY_OWNER))

    response = counter(owner_api, offer, unit_price="11.00")

    assert response.status_code == 404
    nothing_saved(offer)


def test_a_seller_cannot_counter_their_own_orders_offer(owner: User) -> None:
    offer = offer_to(owner)

    response = counter(client_for(offer.order.seller), offer, unit_price="11.00")

    assert response.status_code in (403, 404)
    nothing_saved(offer)


@pytest.mark.parametrize(
    "status", [AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED, AssignmentStatus.SUPERSEDED]
)
def test_an_offer_that_no_longer_waits_cannot_be_countered(
    owner_api: APIClient, owner: User, status: str
) -> None:
    offer = offer_to(owner, status=status)

    response = counter(owner_api, offer, unit_price="11.00")

    assert response.status_code == 409
    assert "countered" in response.json()["detail"]
    assert not Counter.objects.exists()


def test_an_offer_is_countered_once(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)
    assert counter(owner_api, offer, unit_price="11.00").status_code == 200

    response = counter(owner_api, offer, unit_price="11.50")

    assert response.status_code == 409
    assert Counter.objects.get().unit_price == Decimal("11.00")


def test_an_expired_offer_cannot_be_countered(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        response = counter(owner_api, offer, unit_price="11.00")

    assert response.status_code == 409
    assert "expired" in response.json()["detail"]
    nothing_saved(offer)


def test_a_countered_offer_cannot_then_be_accepted_or_declined_by_the_factory(
    owner_api: APIClient, owner: User
) -> None:
    offer = offer_to(owner)
    assert counter(owner_api, offer, unit_price="11.00").status_code == 200

    accepted = owner_api.post(f"/api/offers/{offer.pk}/accept/")
    declined = owner_api.post(f"/api/offers/{offer.pk}/decline/", {"reason": "no_capacity"})

    assert (accepted.status_code, declined.status_code) == (409, 409)
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.COUNTERED
