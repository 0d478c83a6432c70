"""Rate limits: password guessing (login page, admin login, browsable API login, API token),
sign-ups (page and API), hand-started match runs (API and staff page) and instant quotes (API
and the order form) answer 429 with
Retry-After once over the rate, and change nothing. Rates are set tiny here; production
rates come from THROTTLE_*_RATE."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Role, User
from matching.models import MatchRun
from tests.builders import PASSWORD, make_user
from tests.conftest import client_for
from tests.matching.test_api_quotes import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings: Any) -> dict[str, str]:
    """Two requests per scope (the first two pass, the third is a 429)."""
    tiny = {"login": "2/minute", "register": "2/hour", "match_runs": "2/hour", "quotes": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": tiny}
    return tiny


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429, (response.status_code, response.content[:200])
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "path", ["/login/", "/admin/login/", "/api/auth/login/"], ids=["page", "admin", "browsable"]
)
def test_login_forms_answer_429_after_the_rate_even_with_the_right_password(
    rates: dict[str, str], path: str
) -> None:
    user = make_user(Role.STAFF, is_superuser=True)
    client = Client()
    for _ in range(2):
        wrong = client.post(path, {"username": user.username, "password": "guess"})
        assert wrong.status_code == 200  # the form again, with its error
    right = client.post(path, {"username": user.username, "password": PASSWORD})
    _assert_throttled(right)
    assert "_auth_user_id" not in client.session
    assert client.get(path).status_code == 200  # showing the form is not limited


def test_api_token_answers_429_after_the_rate_and_shares_the_login_budget(
    rates: dict[str, str],
) -> None:
    user = make_user(Role.SELLER)
    Client().post("/login/", {"username": user.username, "password": "guess"})
    api = APIClient()
    first = api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    assert first.status_code == 200 and first.json()["token"]
    third = api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    _assert_throttled(third)
    assert "token" not in third.json()


def test_another_client_address_has_its_own_login_budget(rates: dict[str, str]) -> None:
    user = make_user(Role.SELLER)
    for _ in range(3):
        Client().post("/login/", {"username": user.username, "password": "guess"})
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    response = elsewhere.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302  # logged in


def test_forged_forwarded_for_does_not_reset_the_budget(rates: dict[str, str]) -> None:
    """NUM_PROXIES=0 (the default): X-Forwarded-For is not trusted."""
    user = make_user(Role.SELLER)
    client = Client()
    for n in range(2):
        client.post("/login/", {"username": user.username, "password": "x"}, REMOTE_ADDR="1.1.1.1",
                    HTTP_X_FORWARDED_FOR=f"9.9.9.{n}")  # fmt: skip
    response = client.post(
        "/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="1.1.1.1",
        HTTP_X_FORWARDED_FOR="9.9.9.99",
    )
    _assert_throttled(response)


def _signup(n: int) -> dict[str, str]:
    return {"username": f"newcomer-{n}", "password": "Spring-Loom-2026", "role": "seller"}


def test_registration_api_and_page_share_a_budget_and_answer_429(rates: dict[str, str]) -> None:
    assert APIClient().post("/api/auth/register/", _signup(1)).status_code == 201
    page = Client().post("/register/", _signup(2) | {"password1": "x"})
    assert page.status_code in (200, 302)  # counted, whatever the form said
    third = APIClient().post("/api/auth/register/", _signup(3))
    _assert_throttled(third)
    _assert_throttled(Client().post("/register/", _signup(4)))
    assert not User.objects.filter(username__in=["newcomer-3", "newcomer-4"]).exists()
    assert Client().get("/register/").status_code == 200


def test_match_runs_started_by_hand_answer_429_per_user(rates: dict[str, str]) -> None:
    staff = make_user(Role.STAFF)
    api = client_for(staff)
    assert api.post("/api/match-runs/").status_code == 201
    assert api.post("/api/match-runs/").status_code == 200  # the run already queued
    runs = MatchRun.objects.count()
    _assert_throttled(api.post("/api/match-runs/"))
    page = Client()
    page.force_login(staff)
    _assert_throttled(page.post("/staff/runs/start/"))
    assert MatchRun.objects.count() == runs
    assert api.get("/api/match-runs/").status_code == 200  # reading is not limited
    other = client_for(make_user(Role.STAFF))
    assert other.post("/api/match-runs/").status_code in (200, 201)


def test_staff_page_start_counts_against_the_same_budget(rates: dict[str, str]) -> None:
    staff = make_user(Role.STAFF)
    page = Client()
    page.force_login(staff)
    for _ in range(2):
        assert page.post("/staff/runs/start/").status_code == 302
    _assert_throttled(page.post("/staff/runs/start/"))
    _assert_throttled(client_for(staff).post("/api/match-runs/"))


def test_quotes_answer_429_per_user_and_the_order_form_shares_the_budget(
    rates: dict[str, str],
) -> None:
    seller = make_user(Role.SELLER)
    api = client_for(seller)
    assert api.post("/api/quotes/", body(), format="json").status_code == 200
    page = Client()
    page.force_login(seller)
    assert page.post("/seller/orders/quote/", {}, HTTP_HX_REQUEST="true").status_code == 200
    _assert_throttled(api.post("/api/quotes/", body(), format="json"))
    _assert_throttled(page.post("/seller/orders/quote/", {}, HTTP_HX_REQUEST="true"))
    other = client_for(make_user(Role.SELLER))
    assert other.post("/api/quotes/", body(), format="json").status_code == 200


def test_registration_checks_password_strength() -> None:
    weak = APIClient().post(
        "/api/auth/register/", {"username": "weakling", "password": "12345678", "role": "seller"}
    )
    assert weak.status_code == 400
    assert weak.json()["password"]
    similar = APIClient().post(
        "/api/auth/register/",
        {"username": "lin-shop-2026", "password": "lin-shop-2026", "role": "seller"},
    )
    assert similar.status_code == 400 and similar.json()["password"]
    assert not User.objects.filter(username__in=["weakling", "lin-shop-2026"]).exists()
