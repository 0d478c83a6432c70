"""PATCH /api/orders/{id}/ and POST /api/orders/{id}/open/: edit drafts and open orders."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import category, days, make_assignment, make_factory, make_order, make_window

pytestmark = pytest.mark.django_db


def detail(order: Order) -> str:
    return f"/api/orders/{order.pk}/"


def set_status(order: Order, status: str) -> None:
    Order.objects.filter(pk=order.pk).update(status=status)


@pytest.mark.parametrize("draft", [True, False], ids=["draft", "open"])
def test_a_seller_edits_a_draft_or_open_order(
    seller_api: APIClient, seller: User, draft: bool
) -> None:
    order = make_order(seller, draft=draft, quantity=500)

    response = seller_api.patch(
        detail(order),
        {"quantity": 800, "title": "More tees", "category": category("hoodies").pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.quantity, order.title, order.category.slug) == (800, "More tees", "hoodies")
    assert order.status == (OrderStatus.DRAFT if draft else OrderStatus.OPEN)


def test_an_edit_clears_the_unmatched_reason(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller)
    Order.objects.filter(pk=order.pk).update(unmatched_reason="price_below_market")

    response = seller_api.patch(detail(order), {"max_unit_price": "30.00"}, format="json")

    assert response.status_code == 200
    assert response.json()["unmatched_reason"] == ""


def test_an_edit_ignores_system_owned_fields(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller)
    Order.objects.filter(pk=order.pk).update(unmatched_reason="capacity_full")

    response = seller_api.patch(
        detail(order),
        {"status": OrderStatus.ACCEPTED, "unmatched_reason": "price_below_market", "notes": "x"},
        format="json",
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.unmatched_reason != "price_below_market"
    assert order.notes == "x"


def test_the_draft_flag_does_not_turn_an_open_order_back_into_a_draft(
    seller_api: APIClient, seller: User
) -> None:
    order = make_order(seller)

    response = seller_api.patch(detail(order), {"draft": True}, format="json")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", 0), ("quantity", 10_000_001), ("max_unit_price", "0.00")],
)
def test_a_bad_edit_is_refused_and_nothing_changes(
    seller_api: APIClient, seller: User, field: str, value: object
) -> None:
    order = make_order(seller, quantity=500)

    response = seller_api.patch(detail(order), {field: value, "title": "Changed"}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    order.refresh_from_db()
    assert order.quantity == 500
    assert order.title != "Changed"


def test_an_edit_cannot_move_the_due_date_to_today(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller, due_date=days(30))

    response = seller_api.patch(detail(order), {"due_date": days(0).isoformat()}, format="json")

    assert response.status_code == 400
    assert "due_date" in response.json()
    order.refresh_from_db()
    assert order.due_date == days(30)


def test_an_edit_cannot_pick_a_category_group(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller)

    response = seller_api.patch(detail(order), {"category": category("shoes").pk}, format="json")

    assert response.status_code == 400
    assert "category" in response.json()
    order.refresh_from_db()
    assert order.category.slug == "t-shirts"


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (OrderStatus.OFFERED, ["cancel"]),
        (OrderStatus.ACCEPTED, ["post_milestone", "report_delay", "cancel"]),
        (OrderStatus.CANCELLED, []),
    ],
)
def test_an_order_past_open_cannot_be_edited(
    seller_api: APIClient, seller: User, status: str, allowed: list[str]
) -> None:
    order = make_order(seller, quantity=500)
    set_status(order, status)

    response = seller_api.patch(detail(order), {"quantity": 900}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["status"] == status
    assert body["allowed_actions"] == allowed
    assert body["detail"]
    order.refresh_from_db()
    assert order.quantity == 500


def test_a_seller_opens_a_draft(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller, draft=True)

    response = seller_api.post(f"{detail(order)}open/")

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_an_open_order_cannot_be_opened_again(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller)

    response = seller_api.post(f"{detail(order)}open/")

    assert response.status_code == 409
    assert response.json()["allowed_actions"] == ["edit", "cancel"]


def test_a_draft_whose_due_date_passed_cannot_be_opened(
    seller_api: APIClient, seller: User
) -> None:
    order = make_order(seller, draft=True)
    Order.objects.filter(pk=order.pk).update(due_date=days(0))

    response = seller_api.post(f"{detail(order)}open/")

    assert response.status_code == 400
    assert "due_date" in response.json()
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_an_open_order_with_an_accepted_part_cannot_be_edited(
    seller_api: APIClient, seller: User
) -> None:
    order = make_order(seller, quantity=1000, allow_split=True, min_lot_quantity=100)
    make_assignment(
        order, make_window(make_factory()), status=AssignmentStatus.ACCEPTED, quantity=600
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.OPEN)  # the rest waits

    response = seller_api.patch(detail(order), {"quantity": 500}, format="json")

    assert response.status_code == 409
    assert response.json()["allowed_actions"] == ["cancel"]
    assert Order.objects.get(pk=order.pk).quantity == 1000
