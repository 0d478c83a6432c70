"""/api/capabilities/: which categories a factory makes, at what price and daily output."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from factories.models import Factory, FactoryCapability
from marketplace.models import User
from tests.builders import category, make_capability, make_factory, make_window

pytestmark = pytest.mark.django_db

URL = "/api/capabilities/"


def detail(capability: FactoryCapability) -> str:
    return f"{URL}{capability.pk}/"


def payload(factory: Factory, **overrides: Any) -> dict[str, Any]:
    return {
        "factory": factory.pk,
        "category": category("hoodies").pk,
        "unit_price": "25.50",
        "daily_output": 800,
    } | overrides


def test_it_needs_authentication(api: APIClient) -> None:
    make_capability(make_factory())

    assert api.get(URL).status_code == 401


def test_an_owner_adds_a_capability(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)

    response = owner_api.post(URL, payload(factory), format="json")

    assert response.status_code == 201, response.content
    capability = FactoryCapability.objects.get()
    assert capability.factory == factory
    assert capability.category.slug == "hoodies"
    assert capability.unit_price == Decimal("25.50")
    assert capability.daily_output == 800
    assert response.json()["category_name"] == "Hoodies and sweatshirts"
    chinese = owner_api.get(f"{URL}{capability.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["category_name"] == "卫衣"


def test_a_seller_cannot_add_a_capability(seller_api: APIClient) -> None:
    factory = make_factory()

    response = seller_api.post(URL, payload(factory), format="json")

    assert response.status_code == 403
    assert not FactoryCapability.objects.exists()


def test_it_refuses_a_foreign_factory(owner_api: APIClient) -> None:
    theirs = make_factory()

    response = owner_api.post(URL, payload(theirs), format="json")

    assert response.status_code == 400
    assert "factory" in response.json()
    assert not FactoryCapability.objects.exists()


def test_it_refuses_a_category_group(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)

    response = owner_api.post(URL, payload(factory, category=category("apparel").pk), format="json")

    assert response.status_code == 400
    assert "category" in response.json()
    assert not FactoryCapability.objects.exists()


def test_it_refuses_a_duplicate(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)
    make_capability(factory, category("hoodies"))

    response = owner_api.post(URL, payload(factory), format="json")

    assert response.status_code == 400
    assert FactoryCapability.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [("unit_price", "0.00"), ("daily_output", 0)])
def test_it_refuses_zero_price_or_output(
    owner_api: APIClient, owner: User, field: str, value: Any
) -> None:
    factory = make_factory(owner)

    response = owner_api.post(URL, payload(factory, **{field: value}), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not FactoryCapability.objects.exists()


def test_the_same_category_is_fine_in_another_factory(owner_api: APIClient, owner: User) -> None:
    make_capability(make_factory(owner), category("hoodies"))

    response = owner_api.post(URL, payload(make_factory(owner)), format="json")

    assert response.status_code == 201
    assert FactoryCapability.objects.count() == 2


def test_the_list_shows_only_my_capabilities(owner_api: APIClient, owner: User) -> None:
    mine = make_capability(make_factory(owner))
    make_capability(make_factory())

    response = owner_api.get(URL)

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_an_owner_changes_price_and_output(owner_api: APIClient, owner: User) -> None:
    capability = make_capability(make_factory(owner), daily_output=1000)

    response = owner_api.patch(
        detail(capability), {"unit_price": "9.90", "daily_output": 1500}, format="json"
    )

    assert response.status_code == 200, response.content
    capability.refresh_from_db()
    assert capability.unit_price == Decimal("9.90")
    assert capability.daily_output == 1500


def test_output_cannot_drop_below_a_windows_units_per_day(
    owner_api: APIClient, owner: User
) -> None:
    factory = make_factory(owner)
    make_capability(factory, daily_output=1000)
    make_window(factory, units_per_day=600)
    capability = FactoryCapability.objects.get()

    response = owner_api.patch(detail(capability), {"daily_output": 500}, format="json")

    assert response.status_code == 400
    assert "daily_output" in response.json()
    capability.refresh_from_db()
    assert capability.daily_output == 1000


def test_output_may_drop_to_a_windows_units_per_day(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)
    make_capability(factory, daily_output=1000)
    make_window(factory, units_per_day=600)
    capability = FactoryCapability.objects.get()

    response = owner_api.patch(detail(capability), {"daily_output": 600}, format="json")

    assert response.status_code == 200
    capability.refresh_from_db()
    assert capability.daily_output == 600


def test_the_category_cannot_be_changed(owner_api: APIClient, owner: User) -> None:
    capability = make_capability(make_factory(owner), category("t-shirts"))

    response = owner_api.patch(
        detail(capability), {"category": category("jeans").pk}, format="json"
    )

    assert response.status_code == 400
    assert "category" in response.json()
    capability.refresh_from_db()
    assert capability.category.slug == "t-shirts"


def test_a_capability_with_windows_cannot_be_deleted(owner_api: APIClient, owner: User) -> None:
    factory = make_factory(owner)
    make_window(factory)
    capability = FactoryCapability.objects.get()

    response = owner_api.delete(detail(capability))

    assert response.status_code == 400
    assert "category" in response.json()
    assert FactoryCapability.objects.filter(pk=capability.pk).exists()


def test_a_capability_without_windows_is_deleted(owner_api: APIClient, owner: User) -> None:
    capability = make_capability(make_factory(owner))

    response = owner_api.delete(detail(capability))

    assert response.status_code == 204
    assert not FactoryCapability.objects.exists()


def test_another_owner_gets_404(owner_api: APIClient) -> None:
    theirs = make_capability(make_factory(), daily_output=1000)

    assert owner_api.get(detail(theirs)).status_code == 404
    assert owner_api.patch(detail(theirs), {"daily_output": 5}, format="json").status_code == 404
    assert owner_api.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.daily_output == 1000
