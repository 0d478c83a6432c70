"""GET /api/orders/{id}/history/: every transition and event of an order, in order; and the
one state machine's 409 for an action the order's state does not allow."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import make_factory, make_order, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def history(client: APIClient, order: Order) -> list[dict[str, Any]]:
    response = client.get(f"/api/orders/{order.pk}/history/")
    assert response.status_code == 200, response.content
    return response.json()


def rows(events: list[dict[str, Any]]) -> list[tuple[str, str | None, str, str]]:
    return [(e["action"], e["actor"], e["from_status"], e["to_status"]) for e in events]


def test_the_history_follows_the_order_from_draft_to_rated(
    seller_api: APIClient, seller: User, owner_api: APIClient, owner: User
) -> None:
    make_window(make_factory(owner), start=1, end=20, units_per_day=100)
    order = make_order(seller, draft=True, quantity=300)
    assert seller_api.post(f"/api/orders/{order.pk}/open/").status_code == 200
    run_matching()
    offer = Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED)
    assert owner_api.post(f"/api/offers/{offer.pk}/accept/").status_code == 200
    milestones = f"/api/offers/{offer.pk}/milestones/"
    for kind in ("materials_ready", "production_started", "quality_passed"):
        assert owner_api.post(milestones, {"kind": kind}).status_code == 201
    shipped = {"kind": "shipped", "carrier": "SF Express", "tracking_number": "SF42"}
    assert owner_api.post(milestones, shipped).status_code == 201
    assert seller_api.post(f"/api/orders/{order.pk}/confirm-delivery/").status_code == 200
    rating = {"quality": 5, "comment": "Great"}
    assert seller_api.post(f"/api/orders/{order.pk}/rate/", rating).status_code == 200

    events = history(seller_api, order)

    s, o = str(seller), str(owner)
    assert rows(events) == [
        ("create", s, "draft", "draft"),
        ("open", s, "draft", "open"),
        ("offer", None, "open", "offered"),
        ("accept", o, "offered", "accepted"),
        ("milestone_materials_ready", o, "accepted", "accepted"),
        ("start_production", o, "accepted", "in_production"),
        ("milestone_quality_passed", o, "in_production", "in_production"),
        ("ship", o, "in_production", "shipped"),
        ("confirm_delivery", s, "shipped", "delivered"),
        ("rate", s, "delivered", "delivered"),
    ]
    notes = [e["note"] for e in events]
    assert notes[0] == "Saved as a draft."
    assert "accepted 300 units" in notes[3]
    assert "SF Express" in notes[7] and "SF42" in notes[7]
    assert "5/5" in notes[9] and "Great" in notes[9]
    assert all(e["created_at"] for e in events)
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_a_decline_reopens_the_order_and_says_why(
    seller_api: APIClient, seller: User, owner_api: APIClient, owner: User
) -> None:
    make_window(make_factory(owner))
    order = make_order(seller)
    run_matching()
    offer = Assignment.objects.get(order=order)
    decline = {"reason": "price_too_low"}
    assert owner_api.post(f"/api/offers/{offer.pk}/decline/", decline).status_code == 200
    cancel = seller_api.post(f"/api/orders/{order.pk}/cancel/", {"note": "Found one"})
    assert cancel.status_code == 200

    events = history(seller_api, order)

    assert rows(events) == [
        ("create", str(seller), "open", "open"),
        ("offer", None, "open", "offered"),
        ("reopen", str(owner), "offered", "open"),
        ("cancel", str(seller), "open", "cancelled"),
    ]
    assert "price too low" in events[2]["note"]
    assert events[3]["note"] == "Found one"


def test_an_edit_is_in_the_history(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller)

    response = seller_api.patch(f"/api/orders/{order.pk}/", {"quantity": 700}, format="json")

    assert response.status_code == 200, response.content
    assert rows(history(seller_api, order))[-1] == ("edit", str(seller), "open", "open")
    assert history(seller_api, order)[-1]["note"] == "quantity"


def test_another_seller_and_a_factory_owner_get_404(seller: User, owner: User) -> None:
    order = make_order(seller)

    assert client_for(make_order().seller).get(f"/api/orders/{order.pk}/history/").status_code == (
        404
    )
    assert client_for(owner).get(f"/api/orders/{order.pk}/history/").status_code == 404


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.get(f"/api/orders/{make_order().pk}/history/").status_code == 401


@pytest.mark.parametrize(
    ("status", "path", "allowed"),
    [
        (OrderStatus.OPEN, "confirm-delivery", ["edit", "cancel"]),
        (OrderStatus.DRAFT, "confirm-delivery", ["edit", "open", "delete", "cancel"]),
        (OrderStatus.OFFERED, "open", ["cancel"]),
        (OrderStatus.ACCEPTED, "rate", ["post_milestone", "report_delay", "cancel"]),
        (OrderStatus.DELIVERED, "cancel", ["rate", "reorder"]),
        (OrderStatus.CANCELLED, "confirm-delivery", []),
    ],
)
def test_an_invalid_transition_is_409_naming_the_state_and_writes_no_event(
    seller_api: APIClient, seller: User, status: str, path: str, allowed: list[str]
) -> None:
    order = make_order(seller)
    Order.objects.filter(pk=order.pk).update(status=status)
    events = OrderEvent.objects.filter(order=order).count()

    response = seller_api.post(f"/api/orders/{order.pk}/{path}/", {"quality": 3}, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["status"] == status
    assert body["allowed_actions"] == allowed
    label = OrderStatus(status).label.lower()
    assert f"This order is {label}, so it cannot be" in body["detail"]
    assert "allowed now: " + (", ".join(allowed) or "nothing") in body["detail"]
    assert Order.objects.get(pk=order.pk).status == status
    assert OrderEvent.objects.filter(order=order).count() == events


def test_the_order_shows_its_allowed_actions(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.SHIPPED)

    response = seller_api.get(f"/api/orders/{order.pk}/")

    assert response.json()["allowed_actions"] == ["confirm_delivery"]
