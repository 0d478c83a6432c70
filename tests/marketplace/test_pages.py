"""The home page, the OpenAPI schema, Swagger UI, and session login for the browsable API."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import User
from tests.builders import PASSWORD, make_factory, make_order

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_overview(client: Client) -> None:
    make_factory(verified=True)
    make_factory(verified=False)
    make_order()
    make_order(draft=True)

    response = client.get("/")

    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview["factories"] == 1
    assert overview["open_orders"] == 1
    assert overview["offered_orders"] == 0
    assert b"/api/docs/" in response.content


def test_the_schema_is_served(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/orders/", "/api/capacity-windows/", "/api/offers/", "/api/match-runs/"):
        assert path in paths


def test_swagger_ui_is_served(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_login_page_is_served(client: Client) -> None:
    assert client.get("/api/auth/login/").status_code == 200


def test_session_login_works_for_the_browsable_api(client: Client, seller: User) -> None:
    assert client.login(username=seller.username, password=PASSWORD)

    json_response = client.get("/api/orders/")
    html_response = client.get("/api/orders/", HTTP_ACCEPT="text/html")

    assert json_response.status_code == 200
    assert json_response.json()["count"] == 0
    assert html_response.status_code == 200
    assert b"<html" in html_response.content.lower()
