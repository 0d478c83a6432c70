"""POST /api/factories/ with place: city, province and coordinates from the gazetteer."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from factories.models import Factory

pytestmark = pytest.mark.django_db


def test_a_factory_is_placed_by_its_city(owner_api: APIClient) -> None:
    response = owner_api.post(
        "/api/factories/", {"name": "Jinjiang Shoes", "place": "晋江"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["city"], body["province"]) == ("Jinjiang", "Fujian")
    assert round(body["latitude"], 1) == 24.8


def test_an_unknown_city_is_a_400_and_no_factory(owner_api: APIClient) -> None:
    response = owner_api.post(
        "/api/factories/", {"name": "Nowhere Works", "place": "Atlantis"}, format="json"
    )

    assert response.status_code == 400
    assert "place" in response.json()
    assert not Factory.objects.exists()
