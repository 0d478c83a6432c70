"""A user's language: set at registration (page and API), changed by the language switcher,
and after log-in the language of the pages (marketplace/languages.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Role, User
from tests.builders import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SIGN_UP = {"role": Role.SELLER, "username": "ling", "password": "Loom-and-Thread-2026"}


def test_registering_on_the_page_keeps_the_language_it_was_made_in(client: Client) -> None:
    client.cookies["django_language"] = "zh-hans"

    response = client.post("/register/", SIGN_UP)

    assert response.status_code == 302
    assert User.objects.get(username="ling").language == "zh-hans"


def test_registering_through_the_api_keeps_the_accept_language(api: APIClient) -> None:
    response = api.post("/api/auth/register/", SIGN_UP, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert response.status_code == 201, response.content
    assert response.json()["language"] == "zh-hans"
    assert User.objects.get(username="ling").language == "zh-hans"


def test_an_account_without_a_language_has_the_sites() -> None:
    assert make_user(Role.SELLER).language == "en"  # tests/settings.py: LANGUAGE_CODE


def test_the_switcher_stores_a_signed_in_users_choice(client: Client) -> None:
    user = make_user(Role.SELLER, language="en")
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/notifications/"})

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert client.cookies["django_language"].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert "通知" in client.get("/notifications/").content.decode()


def test_the_switcher_still_works_for_visitors_and_ignores_unknown_languages(
    client: Client,
) -> None:
    user = make_user(Role.SELLER, language="en")

    assert client.post("/i18n/setlang/", {"language": "zh-hans"}).status_code == 302
    assert client.cookies["django_language"].value == "zh-hans"

    client.force_login(user)
    assert client.post("/i18n/setlang/", {"language": "fr"}).status_code == 302
    user.refresh_from_db()
    assert user.language == "en"


def test_logging_in_sets_the_pages_language_from_the_account(client: Client) -> None:
    user = make_user(Role.SELLER, language="zh-hans")
    client.cookies["django_language"] = "en"  # chosen before, as a visitor

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.cookies["django_language"].value == "zh-hans"
    assert '<html lang="zh-hans"' in client.get("/notifications/").content.decode()


def test_a_signed_in_request_naming_no_language_reads_the_accounts(client: Client) -> None:
    client.force_login(make_user(Role.SELLER, language="zh-hans"))

    page = client.get("/notifications/").content.decode()

    assert '<html lang="zh-hans"' in page
