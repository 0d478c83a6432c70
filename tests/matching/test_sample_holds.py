"""A sample order holds the expected bulk quantity at the factory that accepted it (打样锁产能):
other runs see the hold as booked, until it lapses, the bulk order is placed, or the sample is
rejected or cancelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from matching.selectors import matching_problem_load, sample_holds_live
from orders.models import Order, OrderKind, OrderStatus, SampleDecision
from tests.builders import (
    category,
    make_assignment,
    make_factory,
    make_order,
    make_window,
    run_matching,
)

pytestmark = pytest.mark.django_db


def held_sample(seller: User, *, accepted_days_ago: int = 1, expected: int = 1500) -> Order:
    """A 50-unit sample accepted by a factory with one 2,000-unit window (100 a day)."""
    factory = make_factory(name="Sample works")
    window = make_window(factory, start=1, end=20, units_per_day=100)
    sample = make_order(seller, kind=OrderKind.SAMPLE, quantity=50, bulk_quantity_expected=expected)
    part = make_assignment(sample, window, status=AssignmentStatus.ACCEPTED)
    Assignment.objects.filter(pk=part.pk).update(
        responded_at=timezone.now() - dt.timedelta(days=accepted_days_ago)
    )
    return sample


def other_order_factory() -> int | None:
    """Where a run puts another seller's 1,000-unit order (None: nowhere)."""
    other = make_order(quantity=1000)
    run_matching()
    offer = Assignment.objects.filter(order=other, status=AssignmentStatus.PROPOSED).first()
    return offer.factory_id if offer else None


def test_a_run_sees_the_held_units_as_booked(seller: User) -> None:
    held_sample(seller)
    assert other_order_factory() is None
    window = next(iter(matching_problem_load(time_limit_seconds=5).problem.windows))
    assert window.remaining_units == 2000 - 50 - 1500


def test_without_holds_the_other_order_gets_the_capacity(seller: User, settings: Any) -> None:
    settings.SAMPLE_HOLD_DAYS = 0
    sample = held_sample(seller)
    assert other_order_factory() == sample.assignments.get().factory_id


def test_the_hold_lapses_after_its_days(seller: User) -> None:
    sample = held_sample(seller, accepted_days_ago=15)  # SAMPLE_HOLD_DAYS = 14
    assert sample_holds_live(now=timezone.now()) == []
    assert other_order_factory() == sample.assignments.get().factory_id


def test_placing_the_bulk_order_converts_the_hold(seller: User) -> None:
    sample = held_sample(seller)
    Order.objects.filter(pk=sample.pk).update(
        status=OrderStatus.DELIVERED, sample_decision=SampleDecision.APPROVED
    )
    assert len(sample_holds_live(now=timezone.now())) == 1
    make_order(seller, quantity=1500, sample=Order.objects.get(pk=sample.pk))
    assert sample_holds_live(now=timezone.now()) == []


@pytest.mark.parametrize(
    "change",
    [{"sample_decision": SampleDecision.REJECTED}, {"status": OrderStatus.CANCELLED}],
)
def test_a_rejected_or_cancelled_sample_holds_nothing(seller: User, change: dict[str, str]) -> None:
    sample = held_sample(seller)
    Order.objects.filter(pk=sample.pk).update(**change)
    assert sample_holds_live(now=timezone.now()) == []


def test_the_hold_names_its_units_days_and_factory(seller: User) -> None:
    sample = held_sample(seller)
    (hold,) = sample_holds_live(now=timezone.now())
    part = sample.assignments.get()
    assert (hold.sample_id, hold.factory_id, hold.units) == (sample.pk, part.factory_id, 1500)
    assert hold.start == part.planned_finish + dt.timedelta(days=1)
    assert hold.until == timezone.localdate() - dt.timedelta(days=1) + dt.timedelta(days=14)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "keeps 1,500 units"), ("zh-hans", "为您的大货订单保留 1500 件")],
)
def test_the_sample_s_page_tells_the_seller_about_the_hold(
    client: Client, seller: User, language: str, words: str
) -> None:
    sample = held_sample(seller)
    client.force_login(seller)
    page = client.get(f"/seller/orders/{sample.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert words in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "bulk", "bulk_quantity_expected": 500}, "bulk_quantity_expected"),
        ({"kind": "sample", "bulk_quantity_expected": 0}, "bulk_quantity_expected"),
        ({"kind": "sample", "bulk_quantity_expected": 10**12}, "bulk_quantity_expected"),
    ],
)
def test_only_a_sample_names_a_bulk_quantity_in_range(
    seller_api: APIClient, changes: dict[str, object], field: str
) -> None:
    body = {
        "title": "Tee sample",
        "category": category().pk,
        "quantity": 20,
        "max_unit_price": "30.00",
        "due_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "ship_to_place": "杭州",
    } | changes
    response = seller_api.post("/api/orders/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Order.objects.exists()


def test_a_sample_with_a_bulk_quantity_is_accepted_by_the_api(seller_api: APIClient) -> None:
    body = {
        "title": "Tee sample",
        "category": category().pk,
        "quantity": 20,
        "max_unit_price": "30.00",
        "due_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "ship_to_place": "杭州",
        "kind": "sample",
        "bulk_quantity_expected": 3000,
    }
    response = seller_api.post("/api/orders/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["bulk_quantity_expected"] == 3000
