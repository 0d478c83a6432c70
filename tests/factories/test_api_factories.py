"""/api/factories/: factory owners manage their own factories."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from factories.models import CapacityWindow, Factory
from marketplace.models import Role, User
from tests.builders import (
    DONGGUAN,
    make_assignment,
    make_factory,
    make_order,
    make_user,
    make_window,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/factories/"


def detail(factory: Factory) -> str:
    return f"{URL}{factory.pk}/"


def payload(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Pearl River Garments",
        "description": "Knitwear, 3 lines",
        "city": "Dongguan",
        "province": "Guangdong",
        "latitude": DONGGUAN[0],
        "longitude": DONGGUAN[1],
        "min_order_quantity": 100,
        "max_order_quantity": 50_000,
        "certifications": ["ISO 9001", "BSCI"],
    } | overrides


def test_it_needs_authentication(api: APIClient) -> None:
    make_factory()

    assert api.get(URL).status_code == 401
    assert api.post(URL, payload(), format="json").status_code == 401
    assert Factory.objects.count() == 1


def test_an_owner_creates_a_factory(owner_api: APIClient, owner: User) -> None:
    response = owner_api.post(URL, payload(), format="json")

    assert response.status_code == 201, response.content
    factory = Factory.objects.get()
    assert factory.owner == owner
    assert factory.name == "Pearl River Garments"
    assert factory.certifications == ["ISO 9001", "BSCI"]
    assert (factory.min_order_quantity, factory.max_order_quantity) == (100, 50_000)
    assert factory.active
    assert not factory.verified
    assert response.json()["id"] == factory.pk
    assert response.json()["verified"] is False


def test_an_owner_creates_an_inactive_factory(owner_api: APIClient) -> None:
    response = owner_api.post(URL, payload(active=False), format="json")

    assert response.status_code == 201, response.content
    assert Factory.objects.get().active is False


def test_it_ignores_system_owned_fields_on_create(owner_api: APIClient) -> None:
    response = owner_api.post(
        URL,
        payload(verified=True, quality_score="5.00", on_time_rate="1.000"),
        format="json",
    )

    assert response.status_code == 201
    factory = Factory.objects.get()
    assert factory.verified is False
    assert factory.quality_score == Decimal("4.00")
    assert factory.on_time_rate == Decimal("0.900")  # the scores' prior


@pytest.mark.parametrize("role", [Role.SELLER, Role.STAFF])
def test_only_factory_owners_create(role: str) -> None:
    response = client_for(make_user(role)).post(URL, payload(), format="json")

    assert response.status_code == 403
    assert not Factory.objects.exists()


def test_it_refuses_a_minimum_above_the_maximum(owner_api: APIClient) -> None:
    response = owner_api.post(
        URL, payload(min_order_quantity=500, max_order_quantity=100), format="json"
    )

    assert response.status_code == 400
    assert "max_order_quantity" in response.json()
    assert not Factory.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 91), ("longitude", -181), ("min_order_quantity", 0), ("name", "")],
)
def test_it_refuses_bad_fields(owner_api: APIClient, field: str, value: Any) -> None:
    response = owner_api.post(URL, payload(**{field: value}), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Factory.objects.exists()


def test_the_list_shows_only_my_factories(owner_api: APIClient, owner: User) -> None:
    mine = make_factory(owner)
    make_factory()

    response = owner_api.get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_a_seller_lists_no_factories(seller_api: APIClient) -> None:
    make_factory()

    response = seller_api.get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_list_filters_by_active_and_verified(owner_api: APIClient, owner: User) -> None:
    verified = make_factory(owner, verified=True)
    unverified = make_factory(owner, verified=False)
    inactive = make_factory(owner)
    Factory.objects.filter(pk=inactive.pk).update(active=False)

    def ids(**params: str) -> set[int]:
        return {row["id"] for row in owner_api.get(URL, params).json()["results"]}

    assert ids(verified="true") == {verified.pk, inactive.pk}
    assert ids(verified="false") == {unverified.pk}
    assert ids(active="false") == {inactive.pk}


def test_an_owner_reads_and_edits_a_factory(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)

    assert owner_api.get(detail(factory)).json()["name"] == factory.name
    response = owner_api.patch(
        detail(factory), {"name": "Renamed", "max_order_quantity": 2000}, format="json"
    )

    assert response.status_code == 200, response.content
    factory.refresh_from_db()
    assert factory.name == "Renamed"
    assert factory.max_order_quantity == 2000
    assert response.json()["name"] == "Renamed"


def test_an_owner_deactivates_a_factory(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)

    response = owner_api.patch(detail(factory), {"active": False}, format="json")

    assert response.status_code == 200
    factory.refresh_from_db()
    assert factory.active is False


def test_it_ignores_system_owned_fields_on_edit(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner, verified=False)

    response = owner_api.patch(
        detail(factory),
        {"verified": True, "quality_score": "5.00", "on_time_rate": "1.000", "name": "New"},
        format="json",
    )

    assert response.status_code == 200
    factory.refresh_from_db()
    assert factory.name == "New"
    assert factory.verified is False
    assert factory.quality_score == Decimal("4.00")
    assert factory.on_time_rate == Decimal("0.900")  # the scores' prior


def test_an_edit_cannot_put_the_minimum_above_the_maximum(
    owner_api: APIClient, owner: User
) -> None:
    factory = make_factory(owner, min_order_quantity=10, max_order_quantity=1000)

    response = owner_api.patch(detail(factory), {"min_order_quantity": 5000}, format="json")

    assert response.status_code == 400
    assert "max_order_quantity" in response.json()
    factory.refresh_from_db()
    assert factory.min_order_quantity == 10


def test_another_owner_gets_404(owner_api: APIClient) -> None:
    theirs = make_factory(name="Theirs")

    assert owner_api.get(detail(theirs)).status_code == 404
    assert owner_api.patch(detail(theirs), {"name": "Mine"}, format="json").status_code == 404
    assert owner_api.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_an_owner_deletes_a_factory_with_its_windows(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)
    make_window(factory)

    response = owner_api.delete(detail(factory))

    assert response.status_code == 204
    assert not Factory.objects.exists()
    assert not CapacityWindow.objects.exists()


def test_a_factory_with_offers_on_record_cannot_be_deleted(
    owner_api: APIClient, owner: User
) -> None:
    factory = make_factory(owner)
    make_assignment(make_order(), make_window(factory))

    response = owner_api.delete(detail(factory))

    assert response.status_code == 409
    body = response.json()
    assert body["allowed_actions"] == ["deactivate"]
    assert body["status"] == "active"
    assert Factory.objects.filter(pk=factory.pk).exists()
    assert CapacityWindow.objects.filter(factory=factory).count() == 1
