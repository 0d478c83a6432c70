"""/api/offers/: a factory owner sees the offers made to the factories they own."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from tests.builders import (
    category,
    make_assignment,
    make_factory,
    make_order,
    make_window,
    run_matching,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/offers/"


def offer_to(owner: User, **kwargs: Any) -> Assignment:
    return make_assignment(make_order(), make_window(make_factory(owner)), **kwargs)


def ids(client: APIClient, **params: str) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.get(URL).status_code == 401


def test_an_owner_sees_the_offers_to_their_factories(owner_api: APIClient, owner: User) -> None:
    first = offer_to(owner)
    second = offer_to(owner)
    offer_to(make_factory().owner)

    assert sorted(ids(owner_api)) == sorted([first.pk, second.pk])


def test_an_offer_shows_what_to_make_and_where_it_goes(owner_api: APIClient, owner: User) -> None:
    order = make_order(title="Canvas totes", category=category("tote-bags"), quantity=300)
    factory = make_factory(owner, name="Yiwu Bags")
    offer = make_assignment(order, make_window(factory, category("tote-bags")))

    response = owner_api.get(f"{URL}{offer.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["order"] == order.pk
    assert body["order_title"] == "Canvas totes"
    assert body["category"] == "Canvas tote bags"
    assert body["due_date"] == order.due_date.isoformat()
    assert body["ship_to_city"] == "Shanghai"
    assert body["factory_name"] == "Yiwu Bags"
    assert body["quantity"] == 300
    assert body["status"] == "proposed"
    chinese = owner_api.get(f"{URL}{offer.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["category"] == "帆布袋"


def test_another_owner_sees_none_of_them(owner: User) -> None:
    offer = offer_to(owner)
    client = client_for(make_factory().owner)

    assert ids(client) == []
    assert client.get(f"{URL}{offer.pk}/").status_code == 404


def test_a_seller_sees_no_offers_even_for_their_own_orders(
    seller_api: APIClient, seller: User
) -> None:
    offer = make_assignment(make_order(seller))

    assert ids(seller_api) == []
    assert seller_api.get(f"{URL}{offer.pk}/").status_code == 404


def test_an_owner_filters_offers_by_status(owner_api: APIClient, owner: User) -> None:
    proposed = offer_to(owner)
    declined = offer_to(owner, status=AssignmentStatus.DECLINED)

    assert ids(owner_api, status="proposed") == [proposed.pk]
    assert ids(owner_api, status="declined") == [declined.pk]
    assert ids(owner_api, status="accepted") == []


def test_an_owner_filters_offers_by_factory(owner_api: APIClient, owner: User) -> None:
    first = offer_to(owner)
    offer_to(owner)

    assert ids(owner_api, factory=str(first.factory_id)) == [first.pk]


def test_offers_are_read_only(owner_api: APIClient, owner: User) -> None:
    offer = offer_to(owner)

    assert owner_api.patch(f"{URL}{offer.pk}/", {"status": "accepted"}).status_code == 405
    assert owner_api.delete(f"{URL}{offer.pk}/").status_code == 405
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.PROPOSED


def test_a_match_run_offers_the_order_to_the_owner(owner_api: APIClient, owner: User) -> None:
    window = make_window(make_factory(owner, verified=True), units_per_day=100)
    order = make_order(quantity=500)

    run = run_matching()

    rows = owner_api.get(URL).json()["results"]
    assert len(rows) == 1
    assert rows[0]["order"] == order.pk
    assert rows[0]["window"] == window.pk
    assert rows[0]["run"] == run.pk
    assert rows[0]["quantity"] == 500
    assert rows[0]["status"] == "proposed"
