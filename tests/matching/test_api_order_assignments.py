"""/api/order-assignments/: a seller sees which factory makes each of their orders."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/order-assignments/"


def ids(client: APIClient, **params: str) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def assignment_for(seller: User, **kwargs: Any) -> Assignment:
    return make_assignment(make_order(seller), **kwargs)


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.get(URL).status_code == 401


def test_a_seller_sees_only_their_own(seller_api: APIClient, seller: User) -> None:
    mine = assignment_for(seller)
    theirs = make_assignment()

    assert ids(seller_api) == [mine.pk]
    assert seller_api.get(f"{URL}{theirs.pk}/").status_code == 404


def test_it_shows_the_factory_price_and_dates(seller_api: APIClient, seller: User) -> None:
    factory = make_factory(name="Ningbo Knit", city="Ningbo")
    order = make_order(seller)
    assignment = make_assignment(order, make_window(factory))

    response = seller_api.get(f"{URL}{assignment.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["order"] == order.pk
    assert body["factory"] == factory.pk
    assert body["factory_name"] == "Ningbo Knit"
    assert body["factory_city"] == "Ningbo"
    assert body["factory_quality_score"] == "4.00"
    assert body["unit_price"] == "10.00"
    assert body["planned_start"] == assignment.planned_start.isoformat()


def test_a_factory_owner_sees_none_here(owner: User) -> None:
    assignment = make_assignment(make_order(), make_window(make_factory(owner)))
    client = client_for(owner)

    assert ids(client) == []
    assert client.get(f"{URL}{assignment.pk}/").status_code == 404


def test_a_seller_filters_by_status(seller_api: APIClient, seller: User) -> None:
    proposed = assignment_for(seller)
    withdrawn = assignment_for(seller, status=AssignmentStatus.WITHDRAWN)

    assert ids(seller_api, status="proposed") == [proposed.pk]
    assert ids(seller_api, status="withdrawn") == [withdrawn.pk]
    assert ids(seller_api, status="expired") == []


def test_a_seller_filters_by_order(seller_api: APIClient, seller: User) -> None:
    first = assignment_for(seller)
    assignment_for(seller)

    assert ids(seller_api, order=str(first.order_id)) == [first.pk]


def test_assignments_are_read_only(seller_api: APIClient, seller: User) -> None:
    assignment = assignment_for(seller)

    assert seller_api.post(URL, {"order": assignment.order_id}).status_code == 405
    assert seller_api.delete(f"{URL}{assignment.pk}/").status_code == 405
    assert Assignment.objects.filter(pk=assignment.pk).exists()
