"""Where the track record shows: the seller sees when an offer or a part will likely ship
(API and order page), the owner sees declared against demonstrated output on the dashboard
and in the capabilities API (read-only), in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from factories.models import Factory, FactoryCapability
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def with_record(factory: Factory, **record: int) -> None:
    values = {"delay_p50_days": 1, "delay_p90_days": 4, "lead_p50_days": 9, "lead_p90_days": 14}
    FactoryCapability.objects.filter(factory=factory).update(**(values | record))


def offer_for(seller: User, owner: User, **kwargs: object) -> Assignment:
    factory = make_factory(owner)
    window = make_window(factory, start=1, end=20)
    return make_assignment(make_order(seller, quantity=500), window, **kwargs)  # type: ignore[arg-type]


def test_a_seller_reads_when_an_offer_will_likely_ship(
    seller_api: APIClient, seller: User, owner: User
) -> None:
    offer = offer_for(seller, owner)
    with_record(offer.factory)
    (row,) = seller_api.get("/api/order-assignments/").json()["results"]
    assert row["ship_p50"] == (offer.planned_finish + dt.timedelta(days=1)).isoformat()
    assert row["ship_p90"] == (offer.planned_finish + dt.timedelta(days=4)).isoformat()


def test_without_a_record_the_forecast_is_empty(
    seller_api: APIClient, seller: User, owner: User
) -> None:
    offer_for(seller, owner)
    (row,) = seller_api.get("/api/order-assignments/").json()["results"]
    assert (row["ship_p50"], row["ship_p90"]) == (None, None)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "nine chances in ten"), ("zh-hans", "十有八九")],
)
def test_the_order_page_tells_the_seller_when_a_part_will_likely_ship(
    client: Client, seller: User, owner: User, language: str, words: str
) -> None:
    part = offer_for(seller, owner, status=AssignmentStatus.ACCEPTED)
    with_record(part.factory)
    client.force_login(seller)
    page = client.get(f"/seller/orders/{part.order_id}/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert words in page.content.decode()


@pytest.mark.parametrize(
    ("language", "heading", "declared"),
    [("en", "Your track record", "1,000"), ("zh-hans", "您的履约记录", "1000")],
)
def test_the_dashboard_shows_declared_against_demonstrated_output(
    client: Client, owner: User, language: str, heading: str, declared: str
) -> None:
    factory = make_factory(owner)
    make_window(factory, units_per_day=300)  # declares 1,000 a day
    FactoryCapability.objects.filter(factory=factory).update(
        demonstrated_daily_output=640, measured_parts=3
    )
    client.force_login(owner)
    page = client.get("/factory/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert heading in page
    assert f">{declared}<" in page
    assert "640" in page


def test_the_capabilities_api_shows_the_record_and_ignores_writes_to_it(owner: User) -> None:
    factory = make_factory(owner)
    make_window(factory)
    capability = FactoryCapability.objects.get(factory=factory)
    api = client_for(owner)
    response = api.patch(
        f"/api/capabilities/{capability.pk}/",
        {"demonstrated_daily_output": 5, "lead_p90_days": 1, "unit_price": "11.00"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["demonstrated_daily_output"], body["lead_p90_days"]) == (None, None)
    assert body["unit_price"] == "11.00"
