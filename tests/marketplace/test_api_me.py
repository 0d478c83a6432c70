"""GET /api/auth/me/: the signed-in user."""

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
    }


def test_it_is_read_only(api: APIClient) -> None:
    user = make_user(Role.SELLER)
    client = client_for(user)

    response = client.patch(URL, {"role": Role.STAFF, "is_staff": True}, format="json")

    assert response.status_code == 405
    user.refresh_from_db()
    assert user.role == Role.SELLER
    assert not user.is_staff
