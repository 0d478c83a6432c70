"""The seller meets a counter-offer on the dashboard and the order's page (its terms beside
the offer's, the delivery date beside the due date) and accepts or rejects it there, in both
languages; another seller's is a 404, an answered or expired one is refused with a message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from marketplace.models import Role, User
from matching.counters import counter_create
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def countered(seller: User) -> Assignment:
    owner = make_user(Role.FACTORY_OWNER)
    window = make_window(make_factory(owner, name="Lin Knitwear"), units_per_day=100)
    offer = make_assignment(make_order(seller, quantity=500, title="Polo shirts"), window)
    counter_create(
        offer=offer,
        actor=owner,
        unit_price=Decimal("11.20"),
        planned_finish=offer.planned_finish + dt.timedelta(days=2),
        note="Cotton went up",
    )
    return Assignment.objects.get(pk=offer.pk)


def url(part: Assignment, verb: str) -> str:
    return f"/seller/orders/{part.order_id}/offers/{part.pk}/counter/{verb}/"


@pytest.mark.parametrize(
    ("language", "heading", "accept"),
    [
        ("en", "A factory answered with a counter-offer", "Accept the counter-offer"),
        ("zh-hans", "工厂提出了还价", "接受还价"),
    ],
)
def test_the_dashboard_and_the_order_page_show_the_counter(
    seller_client: Client, seller: User, language: str, heading: str, accept: str
) -> None:
    part = countered(seller)

    dashboard = seller_client.get("/seller/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    page = seller_client.get(
        f"/seller/orders/{part.order_id}/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert heading in dashboard and f"/seller/orders/{part.order_id}/" in dashboard
    assert heading in page and accept in page
    assert "11.20" in page and "10.00" in page and "Cotton went up" in page
    assert url(part, "accept") in page and url(part, "reject") in page


@pytest.mark.parametrize(
    ("language", "done"), [("en", "Counter-offer accepted"), ("zh-hans", "已接受还价")]
)
def test_accepting_on_the_page_accepts_the_part_on_the_counters_terms(
    seller_client: Client, seller: User, language: str, done: str
) -> None:
    part = countered(seller)

    response = seller_client.post(url(part, "accept"), HTTP_ACCEPT_LANGUAGE=language, follow=True)

    assert done in response.content.decode()
    part.refresh_from_db()
    assert (part.status, part.unit_price) == (AssignmentStatus.ACCEPTED, Decimal("11.20"))
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.ACCEPTED


@pytest.mark.parametrize(
    ("language", "done"), [("en", "Counter-offer rejected"), ("zh-hans", "已拒绝还价")]
)
def test_rejecting_on_the_page_matches_the_order_again(
    seller_client: Client, seller: User, language: str, done: str
) -> None:
    part = countered(seller)

    response = seller_client.post(
        url(part, "reject"), {"note": "Too dear"}, HTTP_ACCEPT_LANGUAGE=language, follow=True
    )

    assert done in response.content.decode()
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTER_REJECTED
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.OPEN


def test_a_too_long_note_is_refused_and_nothing_changes(
    seller_client: Client, seller: User
) -> None:
    part = countered(seller)

    response = seller_client.post(url(part, "reject"), {"note": "x" * 2001}, follow=True)

    assert "at most 2000 characters" in response.content.decode()
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED


def test_an_answered_or_expired_counter_is_refused_with_a_message(
    seller_client: Client, seller: User
) -> None:
    answered, lapsed = countered(seller), countered(seller)
    seller_client.post(url(answered, "accept"))

    twice = seller_client.post(url(answered, "reject"), follow=True)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        late = seller_client.post(url(lapsed, "accept"), follow=True)

    assert "no counter-offer of it can be rejected" in twice.content.decode()
    assert "expired" in late.content.decode()
    assert Assignment.objects.get(pk=lapsed.pk).status == AssignmentStatus.COUNTERED


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_another_sellers_counter_is_a_404(seller_client: Client, verb: str) -> None:
    part = countered(make_user(Role.SELLER))

    assert seller_client.post(url(part, verb)).status_code == 404
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.COUNTERED
