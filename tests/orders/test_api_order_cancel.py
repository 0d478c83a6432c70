"""POST /api/orders/{id}/cancel/: cancel an order; an outstanding offer is withdrawn."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from factories.models import CapacityWindow
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import make_factory, make_order, make_window, run_matching

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("draft", [True, False], ids=["draft", "open"])
def test_a_seller_cancels_a_draft_or_open_order(
    seller_api: APIClient, seller: User, draft: bool
) -> None:
    order = make_order(seller, draft=draft)

    response = seller_api.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["allowed_actions"] == []
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_cancelling_an_offered_order_withdraws_the_offer_and_frees_the_units(
    seller_api: APIClient, seller: User
) -> None:
    window = make_window(make_factory(verified=True), start=1, end=20, units_per_day=100)
    order = make_order(seller, quantity=500)
    run_matching()
    order.refresh_from_db()
    window.refresh_from_db()
    offer = Assignment.objects.get(order=order)
    assert order.status == OrderStatus.OFFERED
    assert offer.status == AssignmentStatus.PROPOSED
    assert offer.window == window
    assert window.offered_units == 500

    response = seller_api.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 200, response.content
    order.refresh_from_db()
    offer.refresh_from_db()
    window.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert offer.status == AssignmentStatus.WITHDRAWN
    assert window.offered_units == 0
    assert window.remaining_units == window.total_units


def test_cancelling_one_offered_order_leaves_other_offers_alone(
    seller_api: APIClient, seller: User
) -> None:
    window = make_window(make_factory(verified=True), start=1, end=20, units_per_day=100)
    mine = make_order(seller, quantity=500)
    other = make_order(quantity=300)
    run_matching()
    assert CapacityWindow.objects.get(pk=window.pk).offered_units == 800

    response = seller_api.post(f"/api/orders/{mine.pk}/cancel/")

    assert response.status_code == 200
    window.refresh_from_db()
    assert window.offered_units == 300
    other_offer = Assignment.objects.get(order=other)
    assert other_offer.status == AssignmentStatus.PROPOSED
    assert Order.objects.get(pk=other.pk).status == OrderStatus.OFFERED


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(OrderStatus.CANCELLED, []), (OrderStatus.SHIPPED, ["confirm_delivery"])],
)
def test_a_cancelled_or_shipped_order_cannot_be_cancelled(
    seller_api: APIClient, seller: User, status: str, allowed: list[str]
) -> None:
    order = make_order(seller)
    Order.objects.filter(pk=order.pk).update(status=status)

    response = seller_api.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["status"] == status
    assert response.json()["allowed_actions"] == allowed
    order.refresh_from_db()
    assert order.status == status
