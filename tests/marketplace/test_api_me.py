"""GET /api/auth/me/: the signed-in user; PATCH: their language."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import Role
from tests.builders import make_user
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/auth/me/"


def test_it_needs_authentication(api: APIClient) -> None:
    response = api.get(URL)

    assert response.status_code == 401


def test_it_shows_the_signed_in_user(api: APIClient) -> None:
    user = make_user(Role.FACTORY_OWNER, email="wang@example.com", company_name="Wang Textiles")

    response = client_for(user).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": user.username,
        "email": "wang@example.com",
        "role": Role.FACTORY_OWNER,
        "company_name": "Wang Textiles",
        "is_staff": False,
        "language": "en",
    }


def test_only_the_language_can_be_changed(api: APIClient) -> None:
    user = make_user(Role.SELLER)
    client = client_for(user)

    response = client.patch(URL, {"role": Role.STAFF, "is_staff": True}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "role": ["This field cannot be changed."],
        "is_staff": ["This field cannot be changed."],
    }
    user.refresh_from_db()
    assert user.role == Role.SELLER
    assert not user.is_staff


def test_it_changes_the_language() -> None:
    user = make_user(Role.SELLER)

    response = client_for(user).patch(URL, {"language": "zh-hans"}, format="json")

    assert response.status_code == 200
    assert response.json()["language"] == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_a_language_the_site_does_not_offer_is_a_400_and_nothing_changes() -> None:
    user = make_user(Role.SELLER)

    response = client_for(user).patch(URL, {"language": "fr"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"language": ['"fr" is not a valid choice.']}
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.parametrize("language", [123, "", None, ["en"], "x" * 10_000, "1e30"])
def test_a_language_of_the_wrong_type_or_empty_is_a_400_and_nothing_changes(
    language: object,
) -> None:
    user = make_user(Role.SELLER)

    response = client_for(user).patch(URL, {"language": language}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["language"]
    user.refresh_from_db()
    assert user.language == "en"
