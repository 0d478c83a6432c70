"""The factory profile names its city from the gazetteer: city, province and coordinates
filled in the owner's language; a misspelt city refused with close matches."""

from __future__ import annotations

import pytest
from django.test import Client

from factories.models import Factory
from marketplace.models import User

pytestmark = pytest.mark.django_db

NEW = "/factory/factories/new/"


@pytest.fixture
def owner_client(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def test_a_factory_is_registered_by_picking_its_city(owner_client: Client, owner: User) -> None:
    response = owner_client.post(
        NEW,
        {"name": "Jinjiang Shoes", "place": "晋江市（福建省）", "min_order_quantity": "50",
         "max_order_quantity": "20000", "active": "on"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )  # fmt: skip

    factory = Factory.objects.get(owner=owner)
    assert response.status_code == 302
    assert (factory.city, factory.province) == ("晋江市", "福建省")
    assert round(factory.latitude, 1) == 24.8


def test_a_misspelt_city_is_refused_with_close_matches(owner_client: Client) -> None:
    response = owner_client.post(
        NEW, {"name": "Shoes", "place": "Jinjang", "min_order_quantity": "1",
              "max_order_quantity": "100"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "Jinjiang, Fujian" in response.content.decode()
    assert not Factory.objects.exists()
