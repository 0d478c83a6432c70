"""POST /api/orders/{id}/confirm-delivery/ and /rate/: the seller confirms delivery (on-time
is computed per part) and rates each factory's quality once, which recomputes its scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from factories.models import Factory
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderStatus
from production.services import delay_accept, delay_report, milestone_post
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MILESTONES = ("materials_ready", "production_started", "quality_passed", "shipped")


def shipped_part(seller: User, owner: User | None = None) -> Assignment:
    """An accepted part whose factory posted every milestone through the service."""
    part = make_assignment(
        make_order(seller), make_window(make_factory(owner)), status=AssignmentStatus.ACCEPTED
    )
    for kind in MILESTONES:
        milestone_post(
            part=part,
            actor=part.factory.owner,
            kind=kind,
            carrier="SF Express",
            tracking_number="SF1",
        )
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.SHIPPED
    part.refresh_from_db()
    return part


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def confirm(client: APIClient, order_id: int) -> Any:
    return client.post(f"/api/orders/{order_id}/confirm-delivery/")


def rate(client: APIClient, order_id: int, **data: Any) -> Any:
    return client.post(f"/api/orders/{order_id}/rate/", {"quality": 4} | data, format="json")


def delivered_part(seller_api: APIClient, seller: User, owner: User | None = None) -> Assignment:
    part = shipped_part(seller, owner)
    assert confirm(seller_api, part.order_id).status_code == 200
    part.refresh_from_db()
    return part


# confirm delivery


def test_the_seller_confirms_delivery_of_a_shipped_order(
    seller_api: APIClient, seller: User
) -> None:
    part = shipped_part(seller)

    response = confirm(seller_api, part.order_id)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "delivered"
    assert body["delivered_at"] is not None
    assert body["allowed_actions"] == ["rate", "reorder", "open_dispute"]
    part.refresh_from_db()
    assert part.delivered_on == timezone.localdate()
    assert part.on_time is True
    event = OrderEvent.objects.filter(order_id=part.order_id).last()
    assert event is not None
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "confirm_delivery",
        seller,
        "shipped",
        "delivered",
    )
    assert part.factory.owner.notifications.filter(kind="delivered").count() == 1


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.OPEN,
        OrderStatus.OFFERED,
        OrderStatus.ACCEPTED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
    ],
)
def test_confirm_delivery_only_from_shipped(
    seller_api: APIClient, seller: User, status: str
) -> None:
    part = make_assignment(make_order(seller), status=AssignmentStatus.ACCEPTED)
    Order.objects.filter(pk=part.order_id).update(status=status)
    order = Order.objects.get(pk=part.order_id)
    events = OrderEvent.objects.count()

    response = confirm(seller_api, part.order_id)

    assert response.status_code == 409
    body = response.json()
    assert body["status"] == status
    assert body["allowed_actions"] == list(order.allowed_actions)
    assert "confirm_delivery" not in body["allowed_actions"]
    assert order.get_status_display().lower() in body["detail"]
    assert Order.objects.get(pk=part.order_id).status == status
    assert OrderEvent.objects.count() == events
    part.refresh_from_db()
    assert (part.delivered_on, part.on_time) == (None, None)


def test_another_seller_and_the_factory_cannot_confirm_delivery(seller: User) -> None:
    part = shipped_part(seller)

    assert confirm(client_for(make_order().seller), part.order_id).status_code == 404
    assert confirm(client_for(part.factory.owner), part.order_id).status_code == 404
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.SHIPPED


def test_delivery_by_the_promised_finish_plus_transport_is_on_time(
    seller_api: APIClient, seller: User
) -> None:
    part = shipped_part(seller)
    assert part.promised_finish is not None
    due = part.promised_finish + dt.timedelta(days=part.transport_days)

    with time_machine.travel(noon(due), tick=False):
        assert confirm(seller_api, part.order_id).status_code == 200

    part.refresh_from_db()
    assert part.delivered_on == due
    assert part.on_time is True
    row = seller_api.get(f"/api/orders/{part.order_id}/parts/").json()[0]
    assert (row["delivered_on"], row["on_time"]) == (due.isoformat(), True)
    assert row["planned_delivery"] == due.isoformat()


def test_delivery_a_day_later_is_late(seller_api: APIClient, seller: User) -> None:
    part = shipped_part(seller)
    assert part.promised_finish is not None
    due = part.promised_finish + dt.timedelta(days=part.transport_days)

    with time_machine.travel(noon(due + dt.timedelta(days=1)), tick=False):
        assert confirm(seller_api, part.order_id).status_code == 200

    part.refresh_from_db()
    assert part.on_time is False
    event = OrderEvent.objects.filter(order_id=part.order_id).last()
    assert event is not None
    assert f"{part.factory.name} late" in event.note


def test_an_accepted_delay_does_not_move_the_on_time_deadline(
    seller_api: APIClient, seller: User
) -> None:
    part = make_assignment(
        make_order(seller), make_window(make_factory()), status=AssignmentStatus.ACCEPTED
    )
    owner = part.factory.owner
    delay = delay_report(
        part=part,
        actor=owner,
        new_finish=part.planned_finish + dt.timedelta(days=5),
        reason="Machine broke",
    )
    delay_accept(delay=delay, actor=seller)
    for kind in MILESTONES:
        milestone_post(part=part, actor=owner, kind=kind, carrier="SF", tracking_number="1")
    part.refresh_from_db()
    # delivered by the delayed plan, but after what the factory first promised
    delayed_delivery = part.planned_finish + dt.timedelta(days=part.transport_days)

    with time_machine.travel(noon(delayed_delivery), tick=False):
        assert confirm(seller_api, part.order_id).status_code == 200

    part.refresh_from_db()
    assert part.on_time is False


# rating


def test_the_seller_rates_a_delivered_order(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)

    response = rate(seller_api, part.order_id, quality=4, comment="  Good stitching  ")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == part.pk
    assert (body["quality_rating"], body["rating_comment"]) == (4, "Good stitching")
    part.refresh_from_db()
    assert part.quality_rating == 4
    assert part.rated_at is not None
    event = OrderEvent.objects.filter(order_id=part.order_id).last()
    assert event is not None
    assert (event.action, event.actor) == ("rate", seller)
    assert "4/5" in event.note
    assert part.factory.owner.notifications.filter(kind="rated").count() == 1


@pytest.mark.parametrize("quality", [0, 6, -1, "x", "", None, 3.5])
def test_a_rating_is_a_whole_number_from_1_to_5(
    seller_api: APIClient, seller: User, quality: Any
) -> None:
    part = delivered_part(seller_api, seller)

    response = rate(seller_api, part.order_id, quality=quality)

    assert response.status_code == 400
    assert list(response.json()) == ["quality"]
    part.refresh_from_db()
    assert part.quality_rating is None


def test_a_rating_needs_a_quality(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)

    response = seller_api.post(f"/api/orders/{part.order_id}/rate/", {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["quality"]


@pytest.mark.parametrize("quality", [1, 5])
def test_the_bounds_are_allowed(seller_api: APIClient, seller: User, quality: int) -> None:
    part = delivered_part(seller_api, seller)

    assert rate(seller_api, part.order_id, quality=quality).status_code == 200


def test_an_order_is_rated_once(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)
    assert rate(seller_api, part.order_id, quality=5).status_code == 200

    response = rate(seller_api, part.order_id, quality=1)

    assert response.status_code == 409
    part.refresh_from_db()
    assert part.quality_rating == 5
    assert OrderEvent.objects.filter(order_id=part.order_id, action="rate").count() == 1


def test_it_cannot_be_rated_before_delivery(seller_api: APIClient, seller: User) -> None:
    part = shipped_part(seller)

    response = rate(seller_api, part.order_id)

    assert response.status_code == 409
    assert response.json()["status"] == "shipped"
    assert response.json()["allowed_actions"] == ["confirm_delivery"]
    part.refresh_from_db()
    assert part.quality_rating is None


def test_another_seller_gets_404(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)

    assert rate(client_for(make_order().seller), part.order_id).status_code == 404
    assert rate(client_for(part.factory.owner), part.order_id).status_code == 404
    part.refresh_from_db()
    assert part.quality_rating is None


def test_a_part_of_another_order_gets_400(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)
    other = delivered_part(seller_api, seller)

    response = rate(seller_api, part.order_id, part=other.pk)

    assert response.status_code == 400
    assert list(response.json()) == ["part"]
    assert not Assignment.objects.filter(quality_rating__isnull=False).exists()


def test_a_rating_recomputes_the_factorys_scores_at_once(
    seller_api: APIClient, seller: User, owner: User
) -> None:
    part = delivered_part(seller_api, seller, owner)  # delivered today: on time
    assert part.on_time is True
    factory = Factory.objects.get(pk=part.factory_id)
    assert factory.scored_orders == 0

    assert rate(seller_api, part.order_id, quality=1).status_code == 200

    factory.refresh_from_db()
    # prior 4.0 stars and 90% on time, worth 5 orders: (4.0 * 5 + 1) / 6, (0.9 * 5 + 1) / 6
    assert factory.quality_score == Decimal("3.50")
    assert factory.on_time_rate == Decimal("0.917")
    assert factory.scored_orders == 1
    assert factory.scores_updated_at is not None
    profile = client_for(owner).get(f"/api/factories/{factory.pk}/").json()
    assert (profile["quality_score"], profile["on_time_rate"]) == ("3.50", "0.917")


def test_a_late_delivery_lowers_the_on_time_rate(seller_api: APIClient, seller: User) -> None:
    part = shipped_part(seller)
    assert part.promised_finish is not None
    late = part.promised_finish + dt.timedelta(days=part.transport_days + 3)
    with time_machine.travel(noon(late), tick=False):
        assert confirm(seller_api, part.order_id).status_code == 200
        assert rate(seller_api, part.order_id, quality=5).status_code == 200

    factory = Factory.objects.get(pk=part.factory_id)
    # (4.0 * 5 + 5) / 6 and (0.9 * 5 + 0) / 6
    assert factory.quality_score == Decimal("4.17")
    assert factory.on_time_rate == Decimal("0.750")
