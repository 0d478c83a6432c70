"""POST/PATCH /api/orders/ with ship_to_place: the city by name or code fills the
coordinates; an unknown or ambiguous name is a 400 listing close matches, nothing saved;
explicit coordinates still work for places outside the gazetteer."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from orders.models import Order
from tests.orders.test_api_order_create import payload

pytestmark = pytest.mark.django_db

URL = "/api/orders/"


def by_place(place: str, **overrides: Any) -> dict[str, Any]:
    body = payload(ship_to_place=place, **overrides)
    for field in ("ship_to_city", "ship_to_latitude", "ship_to_longitude"):
        body.pop(field)
    return body


def test_a_named_city_fills_the_city_and_its_coordinates(seller_api: APIClient) -> None:
    response = seller_api.post(URL, by_place("义乌"), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ship_to_city"] == "Yiwu"
    assert (round(body["ship_to_latitude"], 2), round(body["ship_to_longitude"], 2)) == (
        29.31,
        120.08,
    )
    assert "ship_to_place" not in body


def test_a_chinese_reader_gets_the_chinese_name(seller_api: APIClient) -> None:
    response = seller_api.post(
        URL, by_place("330782"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 201
    assert response.json()["ship_to_city"] == "义乌市"


def test_an_unknown_city_is_a_400_with_close_matches(seller_api: APIClient) -> None:
    response = seller_api.post(URL, by_place("Shenzen"), format="json")

    assert response.status_code == 400
    assert "Shenzhen, Guangdong" in response.json()["ship_to_place"][0]
    assert not Order.objects.exists()


def test_an_ambiguous_city_is_a_400_naming_both(seller_api: APIClient) -> None:
    response = seller_api.post(URL, by_place("Taizhou"), format="json")

    message = response.json()["ship_to_place"][0]
    assert response.status_code == 400
    assert "Taizhou, Jiangsu" in message and "Taizhou, Zhejiang" in message
    assert not Order.objects.exists()


def test_a_city_and_coordinates_together_are_refused(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(ship_to_place="Shenzhen"), format="json")

    assert response.status_code == 400
    assert "ship_to_place" in response.json()


def test_neither_city_nor_coordinates_is_a_400_naming_the_fields(seller_api: APIClient) -> None:
    body = by_place("Shenzhen")
    body.pop("ship_to_place")

    response = seller_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert {"ship_to_place", "ship_to_city", "ship_to_latitude"} <= set(response.json())


def test_explicit_coordinates_still_work_outside_the_gazetteer(seller_api: APIClient) -> None:
    body = payload(ship_to_city="Ho Chi Minh City", ship_to_latitude=10.8, ship_to_longitude=106.7)

    response = seller_api.post(URL, body, format="json")

    assert response.status_code == 201
    assert response.json()["ship_to_city"] == "Ho Chi Minh City"


def test_an_edit_may_move_the_order_to_a_named_city(seller_api: APIClient) -> None:
    order = seller_api.post(URL, payload(draft=True), format="json").json()

    response = seller_api.patch(
        f"{URL}{order['id']}/", {"ship_to_place": "Chongqing"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["ship_to_city"] == "Chongqing"
    assert round(response.json()["ship_to_latitude"], 1) == 29.6
