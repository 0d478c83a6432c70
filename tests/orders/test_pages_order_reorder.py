"""The order page of a delivered order offers a reorder (返单): the seller gives a quantity and
a due date and lands on the new order; a bad quantity is refused with a message."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import User
from orders.models import Order, OrderStatus
from tests.builders import days
from tests.orders.test_api_order_reorder import delivered_bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def test_the_seller_reorders_from_the_order_page(seller_client: Client, seller: User) -> None:
    original = delivered_bulk(seller)
    page = seller_client.get(f"/seller/orders/{original.pk}/").content.decode()
    assert f'action="/seller/orders/{original.pk}/reorder/"' in page

    response = seller_client.post(
        f"/seller/orders/{original.pk}/reorder/",
        {"quantity": "750", "due_date": days(35).isoformat(), "factory_required": "on"},
        follow=True,
    )

    repeat = Order.objects.exclude(pk=original.pk).get()
    assert response.redirect_chain[-1][0] == f"/seller/orders/{repeat.pk}/"
    assert (repeat.quantity, repeat.status, repeat.sample_factory_required) == (
        750,
        OrderStatus.OPEN,
        True,
    )
    assert "The reorder is posted" in response.content.decode()


def test_a_bad_quantity_is_refused_and_nothing_saved(seller_client: Client, seller: User) -> None:
    original = delivered_bulk(seller)

    response = seller_client.post(
        f"/seller/orders/{original.pk}/reorder/",
        {"quantity": "0", "due_date": days(35).isoformat()},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/seller/orders/{original.pk}/"
    assert Order.objects.count() == 1
