"""POST /api/orders/{id}/reorder/ (返单): a new order like a delivered bulk order or an approved
sample, with a new quantity and due date, its factory preferred or required; refused (409)
before delivery, 400 on bad input with nothing saved, 404 for another seller's order."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from factories.models import Factory
from marketplace.models import Role, User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderKind, OrderStatus
from tests.builders import (
    days,
    make_capability,
    make_factory,
    make_order,
    make_user,
    make_window,
    run_matching,
)
from tests.conftest import client_for
from tests.production.test_api_samples import approved_sample, delivered_sample

pytestmark = pytest.mark.django_db

URL = "/api/orders/"


def delivered_bulk(seller: User, factory: Factory | None = None) -> Order:
    order = delivered_sample(seller, factory)
    Order.objects.filter(pk=order.pk).update(kind=OrderKind.BULK, allow_split=True)
    order.refresh_from_db()
    return order


def reorder(client: APIClient, order: Order, **body: Any) -> Any:
    data = {"quantity": 600, "due_date": days(30).isoformat()} | body
    return client.post(f"{URL}{order.pk}/reorder/", data, format="json")


def test_a_delivered_order_is_reordered_with_the_same_specification(
    seller: User, seller_api: APIClient
) -> None:
    original = delivered_bulk(seller)

    response = reorder(seller_api, original, factory_required=True)

    assert response.status_code == 201, response.json()
    body = response.json()
    repeat = Order.objects.get(pk=body["id"])
    assert (repeat.quantity, repeat.due_date, repeat.status) == (600, days(30), OrderStatus.OPEN)
    for field in ("title", "category", "max_unit_price", "ship_to_city", "notes", "allow_split"):
        assert getattr(repeat, field) == getattr(original, field)
    assert (repeat.sample, repeat.sample_factory_required) == (original, True)
    assert OrderEvent.objects.filter(order=original, action="reorder").get().params == {
        "order": repeat.pk
    }
    history = seller_api.get(f"{URL}{repeat.pk}/history/").json()
    assert history[0]["note"] == f"Reorder of order #{original.pk}."


def test_an_approved_sample_is_reordered_as_a_bulk_order(
    seller: User, seller_api: APIClient
) -> None:
    sample = approved_sample(seller)

    response = reorder(seller_api, sample, quantity=5000)

    assert response.status_code == 201
    assert response.json()["kind"] == "bulk" and response.json()["sample"] == sample.pk


def test_an_undelivered_order_cannot_be_reordered(seller: User, seller_api: APIClient) -> None:
    order = make_order(seller)

    response = reorder(seller_api, order)

    assert response.status_code == 409
    assert Order.objects.count() == 1


def test_bad_input_is_a_400_naming_the_fields_and_saves_nothing(
    seller: User, seller_api: APIClient
) -> None:
    original = delivered_bulk(seller)

    response = reorder(seller_api, original, quantity=0, due_date="soon")

    assert response.status_code == 400
    assert {"quantity", "due_date"} <= set(response.json())
    assert Order.objects.count() == 1


def test_a_due_date_in_the_past_is_the_services_400(seller: User, seller_api: APIClient) -> None:
    original = delivered_bulk(seller)

    response = reorder(seller_api, original, due_date=days(-1).isoformat())

    assert response.status_code == 400
    assert "due_date" in response.json()
    assert Order.objects.count() == 1


def test_another_sellers_order_is_a_404(seller: User) -> None:
    original = delivered_bulk(seller)

    response = reorder(client_for(make_user(Role.SELLER)), original)

    assert response.status_code == 404


def test_matching_gives_the_reorder_to_the_factory_that_made_it(
    seller: User, seller_api: APIClient
) -> None:
    maker = make_factory(name="The maker")
    make_window(maker, start=1, end=20, units_per_day=100)
    cheaper = make_factory(name="Cheaper")
    make_capability(cheaper, unit_price="6.00")
    make_window(cheaper, start=1, end=20, units_per_day=100)
    original = delivered_bulk(seller, maker)
    repeat = Order.objects.get(pk=reorder(seller_api, original, quantity=500).json()["id"])

    run_matching()

    offer = Assignment.objects.get(order=repeat, status=AssignmentStatus.PROPOSED)
    assert offer.factory == maker


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 10**30},
        {"quantity": "many"},
        {"quantity": ""},
        {"due_date": ""},
        {"factory_required": "perhaps"},
    ],
)
def test_out_of_range_and_wrong_types_are_a_400(
    seller: User, seller_api: APIClient, body: dict[str, Any]
) -> None:
    original = delivered_bulk(seller)

    response = reorder(seller_api, original, **body)

    assert response.status_code == 400
    assert set(body) <= set(response.json())
    assert Order.objects.count() == 1
