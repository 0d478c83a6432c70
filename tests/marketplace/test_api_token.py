"""POST /api/auth/token/: exchange a username and password for an API token."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.models import User
from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/auth/token/"


def test_it_returns_a_token_for_the_right_password(api: APIClient, seller: User) -> None:
    response = api.post(URL, {"username": seller.username, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=seller).key


def test_it_returns_the_same_token_twice(api: APIClient, seller: User) -> None:
    credentials = {"username": seller.username, "password": PASSWORD}

    first = api.post(URL, credentials, format="json").json()["token"]
    second = api.post(URL, credentials, format="json").json()["token"]

    assert first == second
    assert Token.objects.filter(user=seller).count() == 1


def test_the_token_authenticates_api_calls(api: APIClient, seller: User) -> None:
    token = api.post(URL, {"username": seller.username, "password": PASSWORD}).json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/orders/")

    assert response.status_code == 200


def test_it_refuses_a_wrong_password(api: APIClient, seller: User) -> None:
    response = api.post(URL, {"username": seller.username, "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_a_bad_token_gets_401(api: APIClient) -> None:
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api.get("/api/orders/").status_code == 401
