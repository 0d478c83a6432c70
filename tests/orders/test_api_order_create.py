"""POST /api/orders/: a seller posts a production order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import Role, User
from orders.models import Order, OrderPriority, OrderStatus
from tests.builders import SHANGHAI, category, days, make_user
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/orders/"


def payload(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Summer tees, 3 colours",
        "category": category("t-shirts").pk,
        "quantity": 1200,
        "max_unit_price": "14.50",
        "due_date": days(30).isoformat(),
        "ship_to_city": "Shanghai",
        "ship_to_latitude": SHANGHAI[0],
        "ship_to_longitude": SHANGHAI[1],
        "notes": "Cotton 180 g",
        "priority": OrderPriority.RUSH,
    } | overrides


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.post(URL, payload(), format="json").status_code == 401
    assert not Order.objects.exists()


def test_a_seller_posts_an_open_order(seller_api: APIClient, seller: User) -> None:
    response = seller_api.post(URL, payload(), format="json")

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.seller == seller
    assert order.status == OrderStatus.OPEN
    assert order.quantity == 1200
    assert order.max_unit_price == Decimal("14.50")
    assert order.due_date == days(30)
    assert order.priority == OrderPriority.RUSH
    body = response.json()
    assert body["id"] == order.pk
    assert body["status"] == "open"
    assert body["category_name"] == "T-shirts"
    chinese = seller_api.get(f"{URL}{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["category_name"] == "T恤"
    assert body["allowed_actions"] == ["edit", "cancel"]
    assert "draft" not in body


def test_a_seller_posts_a_draft(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(draft=True), format="json")

    assert response.status_code == 201
    assert Order.objects.get().status == OrderStatus.DRAFT
    assert response.json()["allowed_actions"] == ["edit", "open", "delete", "cancel"]


def test_priority_defaults_to_normal(seller_api: APIClient) -> None:
    data = payload()
    del data["priority"], data["notes"]

    response = seller_api.post(URL, data, format="json")

    assert response.status_code == 201
    assert Order.objects.get().priority == OrderPriority.NORMAL


def test_a_due_date_of_tomorrow_is_accepted(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(due_date=days(1).isoformat()), format="json")

    assert response.status_code == 201
    assert Order.objects.get().due_date == days(1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", 0),
        ("quantity", 10_000_001),
        ("max_unit_price", "0.00"),
        ("max_unit_price", "-1.00"),
        ("max_unit_price", "100000.01"),
        ("priority", "urgent"),
        ("ship_to_latitude", 95),
        ("title", ""),
    ],
)
def test_it_refuses_bad_fields(seller_api: APIClient, field: str, value: Any) -> None:
    response = seller_api.post(URL, payload(**{field: value}), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Order.objects.exists()


def test_the_largest_quantity_is_accepted(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(quantity=10_000_000), format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("offset", [0, -3], ids=["today", "past"])
def test_it_refuses_a_due_date_before_tomorrow(seller_api: APIClient, offset: int) -> None:
    response = seller_api.post(URL, payload(due_date=days(offset).isoformat()), format="json")

    assert response.status_code == 400
    assert days(1).isoformat() in response.json()["due_date"][0]
    assert not Order.objects.exists()


def test_it_refuses_a_category_group(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(category=category("apparel").pk), format="json")

    assert response.status_code == 400
    assert "category" in response.json()
    assert not Order.objects.exists()


def test_it_refuses_an_unknown_category(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(category=999_999), format="json")

    assert response.status_code == 400
    assert "category" in response.json()


@pytest.mark.parametrize("role", [Role.FACTORY_OWNER, Role.STAFF])
def test_only_sellers_post_orders(role: str) -> None:
    response = client_for(make_user(role)).post(URL, payload(), format="json")

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_it_ignores_system_owned_fields(seller_api: APIClient) -> None:
    response = seller_api.post(
        URL,
        payload(status=OrderStatus.ACCEPTED, unmatched_reason="capacity_full"),
        format="json",
    )

    assert response.status_code == 201
    order = Order.objects.get()
    assert order.status == OrderStatus.OPEN
    assert order.unmatched_reason == ""


def test_it_refuses_a_due_date_beyond_the_planning_horizon(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(due_date=days(731).isoformat()), format="json")

    assert response.status_code == 400
    assert "at most" in response.json()["due_date"][0]
    assert not Order.objects.exists()
