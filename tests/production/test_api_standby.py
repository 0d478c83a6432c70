"""GET /api/orders/{id}/standby-switches/, POST .../accept-standby/ and .../decline-standby/:
the seller reads the standby factory proposed for a late part, moves the part there or keeps
it; bad input is a 400, another seller's order a 404, an answer the state no longer allows a
409, and nothing changes then."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from factories.models import CapacityWindow
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from production.models import StandbySwitch, StandbySwitchStatus
from tests.builders import make_assignment, make_order
from tests.conftest import client_for
from tests.production.test_standby_switches import (
    accepted_part,
    after,
    proposed_when_late,
    standby_window,
    window_units,
)

pytestmark = pytest.mark.django_db


def answer(client: APIClient, order_id: int, verb: str, switch: Any) -> Any:
    return client.post(f"/api/orders/{order_id}/{verb}-standby/", {"switch": switch}, format="json")


def test_the_seller_reads_the_standby_proposed_for_a_late_part(seller: User) -> None:
    part = accepted_part(seller)
    window = standby_window()
    switch = proposed_when_late(part)

    response = client_for(seller).get(f"/api/orders/{part.order_id}/standby-switches/")

    assert response.status_code == 200, response.content
    [row] = response.json()
    assert row["id"] == switch.pk
    assert (row["part"], row["part_factory_name"]) == (part.pk, part.factory.name)
    assert (row["factory"], row["factory_name"]) == (window.factory_id, window.factory.name)
    assert (row["quantity"], row["status"], row["offer"]) == (500, "pending", None)
    assert row["trigger"] == "milestone_overdue"


def test_after_a_cancel_the_seller_reads_the_proposal_closed(seller: User) -> None:
    part = accepted_part(seller)
    standby_window()
    proposed_when_late(part)
    client = client_for(seller)
    assert client.post(f"/api/orders/{part.order_id}/cancel/", {}, format="json").status_code == 200

    [row] = client.get(f"/api/orders/{part.order_id}/standby-switches/").json()

    assert (row["status"], row["offer"]) == ("closed", None)
    assert answer(client, part.order_id, "accept", row["id"]).status_code == 409


def test_the_seller_moves_the_part_to_the_standby_through_the_api(seller: User) -> None:
    part = accepted_part(seller)
    window = standby_window()
    switch = proposed_when_late(part)

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        response = answer(client_for(seller), part.order_id, "accept", switch.pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "switched"
    offer = Assignment.objects.get(pk=body["offer"])
    assert (offer.factory_id, offer.status, offer.quantity) == (window.factory_id, "proposed", 500)
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.SWITCHED
    assert window_units(part.window_id)[1:] == (0, 0)
    assert window_units(window.pk)[1:] == (0, 500)
    # the standby factory's owner sees the offer in their inbox
    inbox = client_for(window.factory.owner).get("/api/offers/", {"status": "proposed"})
    assert [row["id"] for row in inbox.json()["results"]] == [offer.pk]
    # answered like any offer, without a counter-offer (the order is accepted already)
    assert inbox.json()["results"][0]["allowed_actions"] == ["accept", "decline"]


def test_the_seller_keeps_the_part_through_the_api(seller: User) -> None:
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)

    response = answer(client_for(seller), part.order_id, "decline", switch.pk)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.ACCEPTED


@pytest.mark.parametrize("verb", ["accept", "decline"])
@pytest.mark.parametrize("bad", [None, "x", 0, -1, 2**63, ""])
def test_a_bad_switch_id_is_a_400_naming_it_and_nothing_changes(
    seller: User, verb: str, bad: Any
) -> None:
    part = accepted_part(seller)
    standby_window()
    proposed_when_late(part)

    response = answer(client_for(seller), part.order_id, verb, bad)

    assert response.status_code == 400, response.content
    assert "switch" in response.json()
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.PENDING


def test_a_proposal_of_another_order_is_a_400(seller: User) -> None:
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)
    other = make_order(seller)

    response = answer(client_for(seller), other.pk, "accept", switch.pk)

    assert response.status_code == 400, response.content
    assert "switch" in response.json()
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.PENDING


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_another_sellers_order_is_a_404_and_nothing_changes(seller: User, verb: str) -> None:
    part = accepted_part()
    standby_window()
    switch = proposed_when_late(part)

    response = answer(client_for(seller), part.order_id, verb, switch.pk)
    listed = client_for(seller).get(f"/api/orders/{part.order_id}/standby-switches/")

    assert (response.status_code, listed.status_code) == (404, 404)
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.PENDING
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.ACCEPTED


def test_answering_twice_is_a_409(seller: User) -> None:
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)
    client = client_for(seller)
    assert answer(client, part.order_id, "decline", switch.pk).status_code == 200

    response = answer(client, part.order_id, "accept", switch.pk)

    assert response.status_code == 409, response.content
    assert response.json()["status"] == "declined"


def test_a_standby_window_that_filled_meanwhile_is_a_409_and_nothing_changes(
    seller: User,
) -> None:
    part = accepted_part(seller)
    window = standby_window()
    switch = proposed_when_late(part)
    make_assignment(make_order(quantity=2400), window, status="accepted", quantity=2400)

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        response = answer(client_for(seller), part.order_id, "accept", switch.pk)

    assert response.status_code == 409, response.content
    assert "decline_standby" in response.json()["allowed_actions"]
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.ACCEPTED
    assert CapacityWindow.objects.get(pk=window.pk).offered_units == 0
    assert CapacityWindow.objects.get(pk=part.window_id).booked_units == 500


def test_a_factory_owner_cannot_answer_for_the_seller(seller: User) -> None:
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)

    response = answer(client_for(part.factory.owner), part.order_id, "accept", switch.pk)

    assert response.status_code in (403, 404), response.content
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.PENDING
