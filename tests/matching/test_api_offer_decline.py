"""POST /api/offers/{id}/decline/: the order goes back to open, matched to another factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings
from rest_framework.test import APIClient

from factories.models import CapacityWindow
from marketplace.models import Notification, User
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import (
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
    run_matching,
)
from tests.conftest import client_for

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as ApiResponse

pytestmark = pytest.mark.django_db


def decline(client: APIClient, offer: Assignment, **data: str) -> ApiResponse:
    return client.post(f"/api/offers/{offer.pk}/decline/", data, format="json")


def test_declining_frees_the_units_and_reopens_the_order(
    owner_api: APIClient,
    owner: User,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    offer = make_assignment(make_order(), make_window(make_factory(owner)))
    MatchRun.objects.filter(status=MatchRunStatus.QUEUED).delete()

    with django_capture_on_commit_callbacks(execute=False):
        response = decline(owner_api, offer, reason="price_too_low", note="Cotton went up")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["decline_reason"], body["decline_note"]) == (
        "declined",
        "price_too_low",
        "Cotton went up",
    )
    assert CapacityWindow.objects.get(pk=offer.window_id).offered_units == 0
    order = Order.objects.get(pk=offer.order_id)
    assert order.status == OrderStatus.OPEN
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == ("reopen", "offered", "open")
    assert "price too low" in event.note and "Cotton went up" in event.note
    assert Notification.objects.filter(recipient=order.seller, kind="offer_lost").exists()
    assert MatchRun.objects.filter(status=MatchRunStatus.QUEUED).count() == 1


def test_the_next_run_offers_the_order_to_another_factory(owner: User) -> None:
    order = make_order(quantity=300)
    cheap = make_factory(owner)
    make_capability(cheap, order.category, unit_price="5.00")
    make_window(cheap, order.category)
    dearer = make_factory()
    make_capability(dearer, order.category, unit_price="9.00")
    make_window(dearer, order.category)
    run_matching()
    first = Assignment.objects.get(order=order)
    assert first.factory == cheap

    assert decline(client_for(owner), first, reason="no_capacity").status_code == 200
    run_matching()

    live = Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED)
    assert live.factory == dearer


def test_with_no_other_factory_the_order_waits_with_no_capable_factory(owner: User) -> None:
    order = make_order(quantity=300)
    make_window(make_factory(owner), order.category)
    run_matching()

    offer = Assignment.objects.get(order=order)
    assert decline(client_for(owner), offer, reason="cannot_make").status_code == 200
    run = run_matching()

    order.refresh_from_db()
    assert run.matched_orders == 0
    assert (order.status, order.unmatched_reason) == (OrderStatus.OPEN, "no_capable_factory")


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "reason"), ({"reason": "bored"}, "reason"), ({"reason": "other"}, "note")],
)
def test_a_decline_without_a_valid_reason_is_refused(
    owner_api: APIClient, owner: User, data: dict[str, str], field: str
) -> None:
    offer = make_assignment(make_order(), make_window(make_factory(owner)))

    response = decline(owner_api, offer, **data)

    assert response.status_code == 400
    assert field in response.json()
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


def test_declining_one_part_of_a_split_order_withdraws_its_other_unanswered_part(
    owner: User,
) -> None:
    order = make_order(quantity=1000, allow_split=True, min_lot_quantity=100)
    first = make_assignment(order, make_window(make_factory(owner)), quantity=600)
    second = make_assignment(order, make_window(make_factory()), quantity=400)

    assert decline(client_for(owner), first, reason="no_capacity").status_code == 200

    second.refresh_from_db()
    assert second.status == AssignmentStatus.SUPERSEDED
    assert CapacityWindow.objects.get(pk=second.window_id).offered_units == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_an_accepted_part_stays_and_only_the_rest_is_matched_again(owner: User) -> None:
    order = make_order(quantity=1000, allow_split=True, min_lot_quantity=100)
    kept = make_assignment(order, make_window(make_factory()), quantity=600)
    Assignment.objects.filter(pk=kept.pk).update(status=AssignmentStatus.ACCEPTED)
    lost = make_assignment(order, make_window(make_factory(owner)), quantity=400)
    make_window(make_factory(), order.category)  # room for the rest elsewhere

    assert decline(client_for(owner), lost, reason="no_capacity").status_code == 200
    run_matching()

    new = Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED)
    assert new.quantity == 400 and new.factory_id not in (kept.factory_id, lost.factory_id)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OFFERED


def test_another_owner_gets_404(owner: User) -> None:
    offer = make_assignment(make_order(), make_window(make_factory(owner)))

    response = decline(client_for(make_factory().owner), offer, reason="no_capacity")

    assert response.status_code == 404
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


def test_an_accepted_offer_cannot_be_declined(owner_api: APIClient, owner: User) -> None:
    offer = make_assignment(
        make_order(), make_window(make_factory(owner)), status=AssignmentStatus.ACCEPTED
    )

    response = decline(owner_api, offer, reason="no_capacity")

    assert response.status_code == 409
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.ACCEPTED
