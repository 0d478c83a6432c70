"""Staff answer offers for a factory from the admin, under the same rules as the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from factories.models import CapacityWindow
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderStatus
from tests.admin_pages import messages_of
from tests.builders import make_assignment, make_factory, make_order, make_window

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

OFFERS = "/admin/matching/assignment/"


def act(client: Client, action: str, *offers: Assignment) -> TestResponse:
    return client.post(OFFERS, {"action": action, "_selected_action": [o.pk for o in offers]})


def an_offer(quantity: int = 500) -> Assignment:
    window = make_window(make_factory(), units_per_day=100, start=1, end=10)
    return make_assignment(make_order(quantity=quantity), window)


def test_staff_accept_an_offer_and_the_units_are_booked(staff_client: Client) -> None:
    offer = an_offer()

    response = act(staff_client, "accept_offers", offer)

    assert messages_of(response) == ["1 offer accepted."]
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.ACCEPTED
    assert CapacityWindow.objects.get(pk=offer.window_id).booked_units == 500
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.ACCEPTED
    event = OrderEvent.objects.filter(order_id=offer.order_id).last()
    assert event is not None and event.actor is not None
    assert event.actor.is_staff


def test_an_offer_whose_units_are_gone_is_refused_with_the_reason(staff_client: Client) -> None:
    fits, too_big = an_offer(), an_offer()
    CapacityWindow.objects.filter(pk=too_big.window_id).update(total_units=300)

    response = act(staff_client, "accept_offers", fits, too_big)

    assert messages_of(response)[0] == "1 offer accepted."
    assert messages_of(response)[1].startswith(f"#{too_big.pk}: The window has 300 unbooked")
    too_big.refresh_from_db()
    assert too_big.status == AssignmentStatus.PROPOSED
    assert CapacityWindow.objects.get(pk=too_big.window_id).booked_units == 0


def test_staff_decline_an_offer_and_the_order_waits_again(staff_client: Client) -> None:
    offer = an_offer()

    response = act(staff_client, "decline_offers", offer)

    assert messages_of(response) == ["1 offer declined."]
    offer.refresh_from_db()
    assert (offer.status, offer.decline_reason) == (AssignmentStatus.DECLINED, "other")
    assert "(staff)" in offer.decline_note
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.OPEN


def test_an_answered_offer_is_not_answered_again(staff_client: Client) -> None:
    offer = an_offer()
    act(staff_client, "accept_offers", offer)

    response = act(staff_client, "decline_offers", offer)

    refused = f"#{offer.pk}: This offer is accepted, so it cannot be declined."
    assert messages_of(response)[-1] == refused
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.ACCEPTED


def test_the_offer_page_shows_its_answer_and_production_read_only(staff_client: Client) -> None:
    offer = an_offer()
    act(staff_client, "accept_offers", offer)

    response = staff_client.get(f"{OFFERS}{offer.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    counters, milestones, delays = response.context["inline_admin_formsets"]
    assert counters.formset.forms == []
    assert milestones.formset.forms == [] and delays.formset.forms == []
    assert b"promised finish" in response.content.lower()


def test_staff_post_the_next_milestone_through_an_intermediate_page(staff_client: Client) -> None:
    offer = an_offer()
    act(staff_client, "accept_offers", offer)

    page = act(staff_client, "post_next_milestone", offer)
    assert page.status_code == 200
    assert b"Post the next milestone for 1 offer" in page.content
    response = staff_client.post(
        OFFERS,
        {
            "action": "post_next_milestone",
            "_selected_action": [offer.pk],
            "apply": "1",
            "note": "Fabric arrived",
        },
    )

    assert messages_of(response)[-1] == "1 offer given its next milestone."
    (milestone,) = offer.milestones.all()
    assert (milestone.kind, milestone.note) == ("materials_ready", "Fabric arrived")
    assert milestone.posted_by is not None and milestone.posted_by.is_staff


def test_a_shipment_without_a_carrier_is_refused_with_the_reason(staff_client: Client) -> None:
    offer = an_offer()
    act(staff_client, "accept_offers", offer)
    apply = {"action": "post_next_milestone", "_selected_action": [offer.pk], "apply": "1"}
    for _ in range(3):  # materials ready, production started, quality check passed
        staff_client.post(OFFERS, apply)

    response = staff_client.post(OFFERS, apply)

    assert messages_of(response)[-1] == (
        f"#{offer.pk}: Name the carrier of the shipment. Give the shipment's tracking number."
    )
    assert offer.milestones.count() == 3
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.IN_PRODUCTION
