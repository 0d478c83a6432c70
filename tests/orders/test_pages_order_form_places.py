"""The order form names the ship-to city from the gazetteer: the list of cities (type-ahead)
in the reader's language, the coordinates filled from the city, a misspelt city refused with
close matches, and an other place with its coordinates still possible."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import User
from orders.models import Order
from tests.orders.test_pages_seller_order_form import NEW, inline, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def by_city(city: str) -> dict[str, str]:
    data = valid_data(ship_to_place=city)
    for field in ("ship_to_city", "ship_to_latitude", "ship_to_longitude"):
        data[field] = ""
    return data


def test_the_form_offers_the_cities_in_the_readers_language(seller_client: Client) -> None:
    english = seller_client.get(NEW).content.decode()
    chinese = seller_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'list="ship_to_place-places"' in english
    assert '<option value="Yiwu, Zhejiang">' in english
    assert '<option value="义乌市（浙江省）">' in chinese


def test_a_city_picked_from_the_list_fills_the_coordinates(seller_client: Client) -> None:
    response = seller_client.post(NEW, by_city("Yiwu, Zhejiang"))

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.ship_to_city == "Yiwu"
    assert (round(order.ship_to_latitude, 2), round(order.ship_to_longitude, 2)) == (29.31, 120.08)


def test_a_misspelt_city_is_refused_with_close_matches(seller_client: Client) -> None:
    response = seller_client.post(NEW, by_city("Shenzen"))

    assert response.status_code == 200
    assert "Shenzhen, Guangdong" in response.content.decode()
    assert not Order.objects.exists()


def test_the_city_is_checked_as_it_is_typed(seller_client: Client) -> None:
    response = inline(seller_client, NEW, "ship_to_place", by_city("Taizhou"))

    body = response.content.decode()
    assert "Taizhou, Jiangsu" in body and "Taizhou, Zhejiang" in body


def test_neither_a_city_nor_coordinates_asks_for_them(seller_client: Client) -> None:
    response = seller_client.post(NEW, by_city(""))

    assert response.status_code == 200
    assert "Pick the city from the list, or fill this in." in response.content.decode()
    assert not Order.objects.exists()


def test_an_other_place_with_coordinates_still_works(seller_client: Client) -> None:
    seller_client.post(NEW, valid_data(ship_to_city="Da Nang", ship_to_latitude="16.05"))

    assert Order.objects.get().ship_to_city == "Da Nang"
