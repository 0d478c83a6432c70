"""After a run, every unmatched order says what single change would have matched it."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import User
from orders.models import Order
from orders.services import order_update
from tests.builders import days, make_factory, make_order, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_price_below_market_gets_the_lowest_price_with_room(seller: User) -> None:
    make_window(make_factory(), units_per_day=100)  # 10.00 a unit
    dearer = make_window(make_factory(), units_per_day=100)
    dearer.factory.capabilities.update(unit_price="10.50")
    order = make_order(seller, max_unit_price="9.00")

    run_matching()

    order.refresh_from_db()
    assert order.unmatched_reason == "price_below_market"
    assert order.relax_suggestion["max_unit_price"] == "10.00"
    body = client_for(seller).get(f"/api/orders/{order.pk}/").json()
    assert body["relax_suggestion"]["max_unit_price"] == "10.00"


def test_an_order_that_lost_the_capacity_gets_the_quantity_that_is_left(seller: User) -> None:
    make_window(make_factory(), units_per_day=100, start=1, end=5)  # 500 units
    make_order(quantity=400, priority="rush")
    order = make_order(seller, quantity=300)

    run_matching()

    order.refresh_from_db()
    assert order.unmatched_reason == "capacity_full"
    assert order.relax_suggestion["quantity"] == 100
    assert "a quantity of 100" in order.relax_suggestion_text


def test_a_due_date_too_soon_gets_the_earliest_date_that_fits(seller: User) -> None:
    make_window(make_factory(), units_per_day=100, start=5, end=20)
    order = make_order(seller, quantity=200, due_date=days(4))

    run_matching()

    order.refresh_from_db()
    assert order.unmatched_reason == "due_date_too_soon"
    # made on days 5 and 6, then 4 days from Dongguan to Shanghai (about 1,200 km)
    assert order.relax_suggestion["due_date"] == days(10).isoformat()


def test_editing_the_order_clears_the_old_suggestion(seller: User) -> None:
    make_window(make_factory(), units_per_day=100)
    order = make_order(seller, max_unit_price="5.00")
    run_matching()

    order_update(order=Order.objects.get(pk=order.pk), data={"max_unit_price": "11.00"})

    order.refresh_from_db()
    assert (order.unmatched_reason, order.relax_suggestion) == ("", {})


def test_the_admin_shows_the_suggestion_in_words(staff_client: Client) -> None:
    make_window(make_factory(), units_per_day=100)
    order = make_order(max_unit_price="5.00")
    run_matching()

    page = staff_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert "Would match with a max unit price of 10.00 CNY." in page


def test_another_seller_never_sees_it(seller_api: APIClient) -> None:
    make_window(make_factory(), units_per_day=100)
    order = make_order(max_unit_price="5.00")
    run_matching()

    assert seller_api.get(f"/api/orders/{order.pk}/").status_code == 404
