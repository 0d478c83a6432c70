"""The seller's dashboard (counts by status, what needs action) and order list (filters,
pagination, the htmx table swap, phone-width table)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marketplace.models import Role, User
from marketplace.notifications import notification_create
from matching.models import AssignmentStatus
from orders.models import Order, OrderStatus
from production.services import delay_report, delivery_confirm, milestone_post
from tests.builders import (
    category,
    days,
    make_assignment,
    make_factory,
    make_order,
    make_user,
    make_window,
)

pytestmark = pytest.mark.django_db

MILESTONES = ("materials_ready", "production_started", "quality_passed", "shipped")


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def shipped_order(seller: User, **kwargs: Any) -> Order:
    part = make_assignment(
        make_order(seller, **kwargs), make_window(make_factory()), status=AssignmentStatus.ACCEPTED
    )
    for kind in MILESTONES:
        milestone_post(
            part=part, actor=part.factory.owner, kind=kind, carrier="SF", tracking_number="1"
        )
    return Order.objects.get(pk=part.order_id)


# dashboard


def test_the_dashboard_counts_orders_by_status(seller_client: Client, seller: User) -> None:
    make_order(seller)
    make_order(seller)
    make_order(seller, draft=True)
    make_order(make_user(Role.SELLER))  # someone else's

    response = seller_client.get("/seller/")

    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts[OrderStatus.OPEN] == 2
    assert counts[OrderStatus.DRAFT] == 1
    assert counts[OrderStatus.CANCELLED] == 0
    assert response.context["total"] == 3
    assert 'href="/seller/orders/?status=open">2</a>' in response.content.decode()


def test_the_dashboard_lists_what_needs_action(seller_client: Client, seller: User) -> None:
    delayed = make_order(seller, title="Delayed hoodies")
    part = make_assignment(delayed, make_window(make_factory()), status=AssignmentStatus.ACCEPTED)
    delay_report(part=part, actor=part.factory.owner, new_finish=days(50), reason="Rain")
    shipped = shipped_order(seller, title="Shipped mugs")
    delivered = shipped_order(seller, title="Delivered caps")
    delivery_confirm(order=delivered, actor=seller)
    unmatched = make_order(seller, title="Cheap socks")
    Order.objects.filter(pk=unmatched.pk).update(
        unmatched_reason="price_below_market",
        relax_suggestion={"max_unit_price": "14.00", "quantity": 300},
    )
    make_order(seller, title="Quiet order")
    notification_create(
        recipients=[seller],
        kind="test",
        params={"text_title": "Something happened", "text": "Details"},
    )

    response = seller_client.get("/seller/")

    needs = response.context["needs"]
    assert [o.pk for o in needs["delays"]] == [delayed.pk]
    assert [o.pk for o in needs["shipped"]] == [shipped.pk]
    assert [o.pk for o in needs["unrated"]] == [delivered.pk]
    assert [o.pk for o in needs["unmatched"]] == [unmatched.pk]
    body = response.content.decode()
    for title in ("Delayed hoodies", "Shipped mugs", "Delivered caps", "Cheap socks"):
        assert title in body
    assert "Quiet order" not in body
    assert "a maximum unit price of 14.00 CNY" in body and "a quantity of 300" in body
    assert "Something happened" in body
    assert 'href="/notifications/"' in body


def test_an_empty_dashboard_says_nothing_waits(seller_client: Client) -> None:
    body = seller_client.get("/seller/").content.decode()

    assert "Nothing waits for you right now." in body


# order list


def test_the_list_shows_only_the_sellers_orders_in_a_phone_friendly_table(
    seller_client: Client, seller: User
) -> None:
    mine = make_order(seller, title="My shirts", quantity=12345)
    theirs = make_order(make_user(Role.SELLER), title="Their shirts")

    body = seller_client.get("/seller/orders/").content.decode()

    assert f'href="/seller/orders/{mine.pk}/"' in body
    assert f'href="/seller/orders/{theirs.pk}/"' not in body
    assert '<table class="stack">' in body
    assert '<td data-label="Quantity" class="num">12,345</td>' in body


def test_the_list_filters(seller_client: Client, seller: User) -> None:
    shirts = make_order(seller, title="Red shirts", due_date=days(20))
    mugs = make_order(
        seller, title="Blue mugs", category=category("ceramic-mugs"), due_date=days(60)
    )
    draft = make_order(seller, title="Red draft", draft=True, due_date=days(40))

    def listed(**query: Any) -> set[int]:
        response = seller_client.get("/seller/orders/", query)
        assert response.status_code == 200
        return {o.pk for o in response.context["page"].object_list}

    assert listed() == {shirts.pk, mugs.pk, draft.pk}
    assert listed(q="red") == {shirts.pk, draft.pk}
    assert listed(status="draft") == {draft.pk}
    assert listed(category=category("ceramic-mugs").pk) == {mugs.pk}
    assert listed(due_after=days(30).isoformat()) == {mugs.pk, draft.pk}
    assert listed(due_before=days(30).isoformat()) == {shirts.pk}
    assert listed(due_after=days(30).isoformat(), due_before=days(50).isoformat()) == {draft.pk}
    assert listed(q="nothing like it") == set()
    assert (
        "No order matches these filters."
        in seller_client.get("/seller/orders/", {"q": "nothing like it"}).content.decode()
    )


def test_the_list_paginates_and_keeps_the_filters(seller_client: Client, seller: User) -> None:
    for n in range(27):
        make_order(seller, title=f"Batch {n}")

    first = seller_client.get("/seller/orders/", {"q": "batch"})
    assert len(first.context["page"].object_list) == 25
    assert 'href="?q=batch&amp;page=2"' in first.content.decode()
    second = seller_client.get("/seller/orders/", {"q": "batch", "page": "2"})
    assert len(second.context["page"].object_list) == 2
    assert "Page 2 of 2" in second.content.decode()


def test_the_htmx_filter_returns_only_the_table(seller_client: Client, seller: User) -> None:
    make_order(seller, title="Red shirts")

    response = seller_client.get("/seller/orders/", {"q": "red"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.startswith('<div id="order-table"')
    assert "Red shirts" in body and "<html" not in body
