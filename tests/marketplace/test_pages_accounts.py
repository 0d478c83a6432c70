"""Registration (as a factory owner or a seller), log in and out, the dashboard switch, the
notifications page, and the language switcher."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import Notification, Role, User
from tests.builders import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "dashboard"), [(Role.FACTORY_OWNER, "/factory/"), (Role.SELLER, "/seller/")]
)
def test_a_visitor_registers_and_lands_on_their_dashboard(
    client: Client, role: str, dashboard: str
) -> None:
    response = client.post(
        "/register/",
        {"role": role, "username": "new-user", "email": "new@example.com",
         "company_name": "Ningbo Co", "password": "Loom-and-Thread-2026"},
        follow=True,
    )  # fmt: skip

    assert response.redirect_chain[-1][0] == dashboard
    user = User.objects.get(username="new-user")
    assert (user.role, user.email) == (role, "new@example.com")
    assert response.context["user"] == user


def test_a_weak_password_and_a_taken_name_are_shown_on_their_fields(client: Client) -> None:
    make_user(Role.SELLER, username="taken")

    response = client.post(
        "/register/", {"role": Role.SELLER, "username": "taken", "password": "123"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "password" in errors
    assert not User.objects.filter(username="taken", role=Role.SELLER).exclude(email="").exists()


def test_staff_cannot_be_chosen_when_registering(client: Client) -> None:
    response = client.post(
        "/register/", {"role": Role.STAFF, "username": "boss", "password": "Loom-and-Thread-2026"}
    )

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="boss").exists()


def test_a_user_logs_in_and_out(client: Client) -> None:
    make_user(Role.SELLER, username="lin")

    response = client.post("/login/", {"username": "lin", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/seller/"
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert not response.context["user"].is_authenticated


def test_a_wrong_password_says_so(client: Client) -> None:
    make_user(Role.SELLER, username="lin")

    response = client.post("/login/", {"username": "lin", "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_staff_land_on_the_match_runs_page(client: Client) -> None:
    client.force_login(make_user(Role.STAFF))

    assert client.get("/dashboard/")["Location"] == "/staff/runs/"


def test_the_notifications_page_lists_only_mine_and_marks_them_read(client: Client) -> None:
    me, other = make_user(Role.SELLER), make_user(Role.SELLER)
    Notification.objects.create(
        recipient=me, kind="x", params={"text_title": "Mine", "text": "For me"}
    )
    Notification.objects.create(
        recipient=other, kind="x", params={"text_title": "Theirs", "text": "Not mine"}
    )
    client.force_login(me)

    body = client.get("/notifications/").content.decode()
    assert "Mine" in body and "Theirs" not in body
    assert 'class="badge"' in body
    client.post("/notifications/read-all/")

    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).exists()


def test_the_language_switcher_changes_the_page_language(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)

    assert '<html lang="zh-hans">' in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()


def test_pages_are_chinese_by_default_without_a_language_preference(
    client: Client, settings: object
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # type: ignore[attr-defined]

    assert '<html lang="zh-hans">' in client.get("/").content.decode()
