"""DELETE /api/orders/{id}/: only drafts are deleted; anything else is cancelled instead."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from orders.models import Order, OrderStatus
from tests.builders import make_order

pytestmark = pytest.mark.django_db


def test_a_seller_deletes_a_draft(seller_api: APIClient, seller: User) -> None:
    order = make_order(seller, draft=True)

    response = seller_api.delete(f"/api/orders/{order.pk}/")

    assert response.status_code == 204
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "status",
    [OrderStatus.OPEN, OrderStatus.OFFERED, OrderStatus.ACCEPTED, OrderStatus.CANCELLED],
)
def test_only_drafts_can_be_deleted(seller_api: APIClient, seller: User, status: str) -> None:
    order = make_order(seller)
    Order.objects.filter(pk=order.pk).update(status=status)

    response = seller_api.delete(f"/api/orders/{order.pk}/")

    assert response.status_code == 409
    assert response.json()["status"] == status
    assert "delete" not in response.json()["allowed_actions"]
    assert Order.objects.filter(pk=order.pk).exists()
