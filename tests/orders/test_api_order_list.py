"""GET /api/orders/: a seller's own orders, with filters."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from orders.models import Order, OrderPriority, OrderStatus
from tests.builders import category, days, make_order

pytestmark = pytest.mark.django_db

URL = "/api/orders/"


def ids(client: APIClient, **params: Any) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_needs_authentication(api: APIClient) -> None:
    make_order()

    assert api.get(URL).status_code == 401


def test_it_lists_only_my_orders(seller_api: APIClient, seller: User) -> None:
    mine = make_order(seller)
    make_order()

    assert ids(seller_api) == {mine.pk}


def test_a_factory_owner_sees_no_orders(owner_api: APIClient) -> None:
    make_order()

    assert ids(owner_api) == set()


def test_it_filters_by_status(seller_api: APIClient, seller: User) -> None:
    draft = make_order(seller, draft=True)
    open_ = make_order(seller)
    cancelled = make_order(seller)
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)

    assert ids(seller_api, status="draft") == {draft.pk}
    assert ids(seller_api, status="open") == {open_.pk}
    assert ids(seller_api, status="cancelled") == {cancelled.pk}
    assert seller_api.get(URL, {"status": "nonsense"}).status_code == 400


def test_it_filters_by_category(seller_api: APIClient, seller: User) -> None:
    tees = make_order(seller, category=category("t-shirts"))
    mugs = make_order(seller, category=category("ceramic-mugs"))

    assert ids(seller_api, category=category("t-shirts").pk) == {tees.pk}
    assert ids(seller_api, category=category("ceramic-mugs").pk) == {mugs.pk}


def test_it_filters_by_priority(seller_api: APIClient, seller: User) -> None:
    rush = make_order(seller, priority=OrderPriority.RUSH)
    normal = make_order(seller, priority=OrderPriority.NORMAL)

    assert ids(seller_api, priority="rush") == {rush.pk}
    assert ids(seller_api, priority="normal") == {normal.pk}


def test_it_filters_by_due_date(seller_api: APIClient, seller: User) -> None:
    soon = make_order(seller, due_date=days(5))
    middle = make_order(seller, due_date=days(15))
    late = make_order(seller, due_date=days(40))

    assert ids(seller_api, due_after=days(15)) == {middle.pk, late.pk}
    assert ids(seller_api, due_before=days(15)) == {soon.pk, middle.pk}
    assert ids(seller_api, due_after=days(6), due_before=days(39)) == {middle.pk}


def test_it_orders_by_due_date(seller_api: APIClient, seller: User) -> None:
    late = make_order(seller, due_date=days(40))
    soon = make_order(seller, due_date=days(5))

    rows = seller_api.get(URL, {"ordering": "due_date"}).json()["results"]

    assert [row["id"] for row in rows] == [soon.pk, late.pk]
