"""POST /api/auth/register/: self-service sign-up as a factory owner or a seller."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.models import Role, User
from tests.builders import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/api/auth/register/"


def payload(**overrides: Any) -> dict[str, Any]:
    return {
        "username": "lin-wei",
        "password": PASSWORD,
        "email": "lin@example.com",
        "role": Role.SELLER,
        "company_name": "Lin Trading",
    } | overrides


@pytest.mark.parametrize("role", [Role.FACTORY_OWNER, Role.SELLER])
def test_it_registers_a_factory_owner_or_a_seller(api: APIClient, role: str) -> None:
    response = api.post(URL, payload(role=role), format="json")

    assert response.status_code == 201, response.content
    user = User.objects.get(username="lin-wei")
    assert user.role == role
    assert user.email == "lin@example.com"
    assert user.company_name == "Lin Trading"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert response.json()["role"] == role
    assert "password" not in response.json()


def test_it_returns_a_token_that_authenticates(api: APIClient) -> None:
    response = api.post(URL, payload(), format="json")

    token = response.json()["token"]
    assert token == Token.objects.get(user__username="lin-wei").key
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "lin-wei"


def test_it_refuses_the_staff_role(api: APIClient) -> None:
    response = api.post(URL, payload(role=Role.STAFF), format="json")

    assert response.status_code == 400
    assert "role" in response.json()
    assert not User.objects.exists()


def test_it_refuses_a_weak_password_with_a_field_message(api: APIClient) -> None:
    response = api.post(URL, payload(password="123"), format="json")

    assert response.status_code == 400
    messages = response.json()["password"]
    assert any("too short" in message for message in messages)
    assert not User.objects.exists()
    assert not Token.objects.exists()


def test_it_refuses_a_password_like_the_username(api: APIClient) -> None:
    response = api.post(
        URL, payload(username="zhangwei2024", password="zhangwei2024"), format="json"
    )

    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.exists()


def test_it_refuses_a_duplicate_username(api: APIClient) -> None:
    make_user(Role.SELLER, username="lin-wei")

    response = api.post(URL, payload(role=Role.FACTORY_OWNER), format="json")

    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.count() == 1
    assert User.objects.get(username="lin-wei").role == Role.SELLER
    assert not Token.objects.exists()


@pytest.mark.parametrize("missing", ["username", "password", "role"])
def test_it_requires_username_password_and_role(api: APIClient, missing: str) -> None:
    data = payload()
    del data[missing]

    response = api.post(URL, data, format="json")

    assert response.status_code == 400
    assert missing in response.json()
    assert not User.objects.exists()


def test_it_ignores_a_request_to_be_staff(api: APIClient) -> None:
    response = api.post(URL, payload(is_staff=True, is_superuser=True), format="json")

    assert response.status_code == 201
    user = User.objects.get(username="lin-wei")
    assert not user.is_staff
    assert not user.is_superuser
    assert response.json()["is_staff"] is False
