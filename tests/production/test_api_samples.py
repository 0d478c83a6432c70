"""Samples (打样) and bulk orders (大货): the seller approves or rejects a delivered sample;
a bulk order may name an approved sample, and matching then prefers (or, when the seller
asks, requires) the factory that made it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from rest_framework.test import APIClient

from factories.models import Factory
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderKind, OrderStatus, SampleDecision
from tests.builders import (
    SHANGHAI,
    category,
    days,
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
    run_matching,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/orders/"


def delivered_sample(seller: User, factory: Factory | None = None, **kwargs: Any) -> Order:
    """A sample order made (an accepted part) by ``factory`` and delivered."""
    factory = factory or make_factory()
    sample = make_order(seller, kind=OrderKind.SAMPLE, quantity=20, **kwargs)
    window = factory.windows.filter(category=sample.category).first() or make_window(
        factory, sample.category
    )
    make_assignment(sample, window, status=AssignmentStatus.ACCEPTED)
    Order.objects.filter(pk=sample.pk).update(status=OrderStatus.DELIVERED)
    sample.refresh_from_db()
    return sample


def decide(client: APIClient, order: Order, verb: str, note: str = "") -> Any:
    return client.post(f"{URL}{order.pk}/{verb}-sample/", {"note": note}, format="json")


def approved_sample(seller: User, factory: Factory | None = None, **kwargs: Any) -> Order:
    sample = delivered_sample(seller, factory, **kwargs)
    assert decide(client_for(seller), sample, "approve").status_code == 200
    sample.refresh_from_db()
    return sample


def bulk_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Bulk tees",
        "category": category("t-shirts").pk,
        "quantity": 500,
        "max_unit_price": "12.00",
        "due_date": days(30).isoformat(),
        "ship_to_city": "Shanghai",
        "ship_to_latitude": SHANGHAI[0],
        "ship_to_longitude": SHANGHAI[1],
        "kind": "bulk",
    } | overrides


# approving and rejecting


@pytest.mark.parametrize(
    ("verb", "decision"),
    [("approve", SampleDecision.APPROVED), ("reject", SampleDecision.REJECTED)],
)
def test_the_seller_decides_a_delivered_sample(
    seller_api: APIClient, seller: User, verb: str, decision: str
) -> None:
    factory = make_factory()
    sample = delivered_sample(seller, factory)

    response = decide(seller_api, sample, verb, note="Colour as agreed")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sample_decision"] == decision
    assert body["status"] == "delivered"
    assert "approve_sample" not in body["allowed_actions"]
    assert "reject_sample" not in body["allowed_actions"]
    sample.refresh_from_db()
    assert sample.sample_decision == decision
    event = OrderEvent.objects.filter(order=sample).last()
    assert event is not None
    assert (event.action, event.actor) == (f"{verb}_sample", seller)
    assert "Colour as agreed" in event.note
    assert factory.owner.notifications.filter(kind=f"{verb}_sample").count() == 1


@pytest.mark.parametrize(("first", "second"), [("approve", "approve"), ("approve", "reject")])
def test_a_sample_is_decided_once(
    seller_api: APIClient, seller: User, first: str, second: str
) -> None:
    sample = delivered_sample(seller)
    assert decide(seller_api, sample, first).status_code == 200

    response = decide(seller_api, sample, second)

    assert response.status_code == 409
    assert response.json()["status"] == "delivered"
    sample.refresh_from_db()
    assert sample.sample_decision == SampleDecision.APPROVED


def test_a_rejected_sample_cannot_be_approved_afterwards(
    seller_api: APIClient, seller: User
) -> None:
    sample = delivered_sample(seller)
    assert decide(seller_api, sample, "reject").status_code == 200

    assert decide(seller_api, sample, "approve").status_code == 409
    sample.refresh_from_db()
    assert sample.sample_decision == SampleDecision.REJECTED


def test_a_bulk_order_cannot_be_approved(seller_api: APIClient, seller: User) -> None:
    order = make_assignment(make_order(seller), status=AssignmentStatus.ACCEPTED).order
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)

    response = decide(seller_api, order, "approve")

    assert response.status_code == 409
    order.refresh_from_db()
    assert order.sample_decision == SampleDecision.PENDING


@pytest.mark.parametrize("status", [OrderStatus.OPEN, OrderStatus.SHIPPED])
def test_a_sample_not_yet_delivered_cannot_be_decided(
    seller_api: APIClient, seller: User, status: str
) -> None:
    sample = make_order(seller, kind=OrderKind.SAMPLE)
    Order.objects.filter(pk=sample.pk).update(status=status)

    response = decide(seller_api, sample, "approve")

    assert response.status_code == 409
    assert response.json()["status"] == status
    assert Order.objects.get(pk=sample.pk).sample_decision == SampleDecision.PENDING


def test_another_seller_cannot_decide_the_sample(seller: User) -> None:
    sample = delivered_sample(seller)

    assert decide(client_for(make_order().seller), sample, "approve").status_code == 404
    assert Order.objects.get(pk=sample.pk).sample_decision == SampleDecision.PENDING


# bulk orders naming a sample


def test_a_bulk_order_names_an_approved_sample(seller_api: APIClient, seller: User) -> None:
    sample = approved_sample(seller)

    response = seller_api.post(
        URL, bulk_payload(sample=sample.pk, sample_factory_required=True), format="json"
    )

    assert response.status_code == 201, response.content
    assert (response.json()["sample"], response.json()["sample_factory_required"]) == (
        sample.pk,
        True,
    )
    order = Order.objects.get(pk=response.json()["id"])
    assert (order.kind, order.sample, order.sample_factory_required) == ("bulk", sample, True)


def test_it_rejects_an_unapproved_sample(seller_api: APIClient, seller: User) -> None:
    sample = delivered_sample(seller)

    response = seller_api.post(URL, bulk_payload(sample=sample.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sample"]
    assert not Order.objects.filter(kind=OrderKind.BULK).exists()


def test_it_rejects_a_rejected_sample(seller_api: APIClient, seller: User) -> None:
    sample = delivered_sample(seller)
    assert decide(seller_api, sample, "reject").status_code == 200

    response = seller_api.post(URL, bulk_payload(sample=sample.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sample"]


def test_it_rejects_another_sellers_sample(seller_api: APIClient, seller: User) -> None:
    sample = approved_sample(make_order().seller)

    response = seller_api.post(URL, bulk_payload(sample=sample.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sample"]
    assert not Order.objects.filter(seller=seller).exists()


def test_it_rejects_a_sample_of_another_category(seller_api: APIClient, seller: User) -> None:
    sample = approved_sample(seller, category=category("tote-bags"))

    response = seller_api.post(URL, bulk_payload(sample=sample.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sample"]


def test_a_sample_order_cannot_name_a_sample(seller_api: APIClient, seller: User) -> None:
    sample = approved_sample(seller)

    response = seller_api.post(URL, bulk_payload(sample=sample.pk, kind="sample"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sample"]


def test_requiring_the_sample_factory_needs_a_sample(seller_api: APIClient) -> None:
    response = seller_api.post(URL, bulk_payload(sample_factory_required=True), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sample_factory_required"]


# matching


def test_matching_prefers_the_samples_factory_over_a_cheaper_one(seller: User) -> None:
    sample_factory = make_factory(name="Sample maker")
    make_window(sample_factory, start=1, end=20, units_per_day=100)
    cheaper = make_factory(name="Cheaper")
    make_capability(cheaper, unit_price="6.00")
    make_window(cheaper, start=1, end=20, units_per_day=100)
    sample = approved_sample(seller, sample_factory)
    bulk = make_order(seller, sample=sample, quantity=500)
    plain = make_order(quantity=500)

    run_matching()

    [offer] = Assignment.objects.filter(order=bulk)
    assert offer.factory == sample_factory
    assert offer.status == AssignmentStatus.PROPOSED
    assert Order.objects.get(pk=bulk.pk).status == OrderStatus.OFFERED
    # the same order without a sample goes to the cheaper factory
    assert Assignment.objects.get(order=plain).factory == cheaper


def test_a_required_sample_factory_without_capacity_leaves_the_order_unmatched(
    seller: User,
) -> None:
    sample_factory = make_factory(name="Sample maker")
    # the sample was made a while ago, in a window that has ended since
    past = dt.datetime.combine(days(-60), dt.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(past, tick=False):
        make_window(sample_factory, start=1, end=10, units_per_day=100)
        sample = delivered_sample(seller, sample_factory)
    assert decide(client_for(seller), sample, "approve").status_code == 200
    sample.refresh_from_db()
    other = make_factory(name="Other")
    make_window(other, start=1, end=20, units_per_day=100)
    bulk = make_order(seller, sample=sample, sample_factory_required=True, quantity=500)

    run_matching()

    assert not Assignment.objects.filter(order=bulk).exists()
    bulk.refresh_from_db()
    assert bulk.status == OrderStatus.OPEN
    assert bulk.unmatched_reason == "no_capable_factory"


def test_a_required_sample_factory_with_capacity_gets_the_order(seller: User) -> None:
    sample_factory = make_factory(name="Sample maker")
    make_capability(sample_factory, unit_price="11.00")
    make_window(sample_factory, start=1, end=20, units_per_day=100)
    cheaper = make_factory(name="Cheaper")
    make_capability(cheaper, unit_price="5.00")
    make_window(cheaper, start=1, end=20, units_per_day=100)
    sample = approved_sample(seller, sample_factory)
    bulk = make_order(seller, sample=sample, sample_factory_required=True, quantity=500)

    run_matching()

    assert [a.factory for a in Assignment.objects.filter(order=bulk)] == [sample_factory]
