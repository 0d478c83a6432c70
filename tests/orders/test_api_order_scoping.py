"""Another seller's order is invisible: 404 on every route that names it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders.models import Order, OrderStatus
from tests.builders import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs() -> Order:
    return make_order(title="Theirs", quantity=500, draft=True)


def test_another_seller_cannot_read_it(seller_api: APIClient, theirs: Order) -> None:
    assert seller_api.get(f"/api/orders/{theirs.pk}/").status_code == 404


def test_another_seller_cannot_edit_it(seller_api: APIClient, theirs: Order) -> None:
    response = seller_api.patch(f"/api/orders/{theirs.pk}/", {"quantity": 1}, format="json")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.quantity == 500


def test_another_seller_cannot_open_or_cancel_it(seller_api: APIClient, theirs: Order) -> None:
    assert seller_api.post(f"/api/orders/{theirs.pk}/open/").status_code == 404
    assert seller_api.post(f"/api/orders/{theirs.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.DRAFT


def test_another_seller_cannot_delete_it(seller_api: APIClient, theirs: Order) -> None:
    assert seller_api.delete(f"/api/orders/{theirs.pk}/").status_code == 404
    assert Order.objects.filter(pk=theirs.pk).exists()


def test_a_factory_owner_cannot_reach_it(owner_api: APIClient, theirs: Order) -> None:
    assert owner_api.get(f"/api/orders/{theirs.pk}/").status_code == 404
    assert owner_api.post(f"/api/orders/{theirs.pk}/cancel/").status_code == 404
