"""The order form's instant quote (htmx): the new order page asks for it as the seller types
and shows the answer in the reader's language; nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from factories.models import Factory
from marketplace.models import User
from orders.models import Order
from tests.builders import days, make_factory, make_window
from tests.orders.test_pages_seller_order_form import NEW, valid_data

pytestmark = pytest.mark.django_db

QUOTE = "/seller/orders/quote/"


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


@pytest.fixture(autouse=True)
def capacity() -> None:
    """A verified factory in Dongguan: T-shirts at 10.00 CNY, 100 a day from day 1 to 20."""
    make_window(make_factory(), start=1, end=20, units_per_day=100)


def quoted(client: Client, language: str = "en", **changes: Any) -> str:
    data = valid_data(quantity="500", max_unit_price="12.00", due_date=str(days(30))) | changes
    response = client.post(QUOTE, data, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_the_new_order_page_asks_for_the_quote_as_the_seller_types(
    seller_client: Client,
) -> None:
    body = seller_client.get(NEW).content.decode()

    assert f'hx-post="{QUOTE}"' in body
    assert 'hx-include="closest form"' in body
    assert "input from:closest form" in body
    assert 'aria-live="polite"' in body


def test_an_order_that_fits_is_quoted_in_english(seller_client: Client) -> None:
    body = quoted(seller_client)

    assert "Instant quote" in body
    assert "1 verified factory has room for this order" in body
    assert "10.00 CNY" in body
    assert not Order.objects.exists()


def test_an_order_that_fits_is_quoted_in_chinese(seller_client: Client) -> None:
    body = quoted(seller_client, "zh-hans")

    assert "即时报价" in body
    assert "10.00" in body
    assert "verified" not in body and "Instant quote" not in body


def test_an_order_that_does_not_fit_says_what_would(seller_client: Client) -> None:
    english = quoted(seller_client, max_unit_price="8.00")
    chinese = quoted(seller_client, "zh-hans", max_unit_price="8.00")

    assert "No factory can take this order as it stands" in english
    assert "a maximum unit price of 10.00 CNY" in english
    assert "No factory" not in chinese and "10.00" in chinese


def test_an_unfinished_form_asks_for_what_the_quote_needs(seller_client: Client) -> None:
    english = quoted(seller_client, quantity="", title="")
    chinese = quoted(seller_client, "zh-hans", due_date=str(days(-3)))

    assert "Fill in the category, quantity" in english
    assert "Fill in" not in chinese and "即时报价" in chinese


def test_only_sellers_get_quotes(client: Client, owner: User) -> None:
    anonymous = client.post(QUOTE, valid_data())
    client.force_login(owner)
    factory_owner = client.post(QUOTE, valid_data())

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert factory_owner.status_code == 403


def test_a_get_is_refused(seller_client: Client) -> None:
    assert seller_client.get(QUOTE).status_code == 405


def test_a_small_order_that_allows_pooling_is_told_the_pool_it_could_join(
    seller_client: Client,
) -> None:
    make_window(make_factory(min_order_quantity=1000), start=1, end=20, units_per_day=100)
    Factory.objects.filter(min_order_quantity=1).update(min_order_quantity=800)

    asked = quoted(seller_client, quantity="300")
    pooling = quoted(seller_client, quantity="300", allows_pooling="on")

    assert "pooling allowed: 2 factories" in asked
    assert "2 factories could make it in a pool" in pooling
    assert "minimum (from 800 units)" in pooling
