"""The owner's dashboard shows each factory on probation with its limits and progress (k of
N on-time deliveries without an upheld dispute), and the disputes waiting for an answer; in
both languages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from factories.models import Factory
from marketplace.models import User
from production.disputes import dispute_open
from tests.builders import make_factory, make_user
from tests.conftest import client_for
from tests.production.test_api_delivery_and_rating import delivered_part

pytestmark = pytest.mark.django_db


def dashboard(owner: User, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    User.objects.filter(pk=owner.pk).update(language=language)
    client.force_login(owner)
    response = client.get("/factory/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def probation(settings: Settings) -> Settings:
    settings.PROBATION_ORDERS = 3
    settings.PROBATION_MAX_UNITS = 2000
    settings.PROBATION_MAX_VALUE = 30000
    return settings


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Fresh Knits is a new factory on probation",
                "at most 2,000 units and 30,000 CNY",
                "1 of 3 so far",
            ],
        ),
        ("zh-hans", ["Fresh Knits 是处于考察期的新工厂", "最多 2000 件、30000 元", "目前 1 / 3"]),
    ],
)
def test_the_dashboard_shows_the_limits_and_the_progress(
    probation: Settings, owner: User, language: str, texts: list[str]
) -> None:
    factory = make_factory(owner, name="Fresh Knits")
    Factory.objects.filter(pk=factory.pk).update(probation_clean_deliveries=1)

    page = dashboard(owner, language)

    for text in texts:
        assert text in page
    assert '<progress max="3" value="1"' in page


def test_a_factory_past_probation_shows_no_limits(probation: Settings, owner: User) -> None:
    factory = make_factory(owner, name="Old Hands")
    Factory.objects.filter(pk=factory.pk).update(probation_ended_at=timezone.now())

    assert "on probation" not in dashboard(owner)


def test_no_limits_are_shown_when_probation_is_off(settings: Settings, owner: User) -> None:
    settings.PROBATION_ORDERS = 0
    make_factory(owner)

    assert "on probation" not in dashboard(owner)


def test_the_dashboard_lists_the_disputes_to_answer(owner: User) -> None:
    seller = make_user()
    part = delivered_part(client_for(seller), seller, owner)
    dispute_open(order=part.order, actor=seller, reason="damaged", text="Crushed boxes")

    page = dashboard(owner)

    assert "Disputes waiting for your answer" in page
    assert f"/factory/offers/{part.pk}/" in page
    assert "Damaged in transport" in page
