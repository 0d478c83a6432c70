"""POST /api/offers/{id}/delays/ (the factory reports a later finish) and
POST /api/orders/{id}/accept-delay/ (the seller accepts it, or cancels without penalty)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderStatus
from orders.selectors import seller_reliability
from production.models import Delay, DelayStatus
from tests.builders import make_assignment, make_factory, make_order, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def part_of(owner: User, seller: User | None = None, **kwargs: Any) -> Assignment:
    return make_assignment(
        make_order(seller),
        make_window(make_factory(owner)),
        status=kwargs.pop("status", AssignmentStatus.ACCEPTED),
        **kwargs,
    )


def later(part: Assignment, n: int = 5) -> str:
    return (part.planned_finish + dt.timedelta(days=n)).isoformat()


def report(client: APIClient, part: Assignment, **data: Any) -> Any:
    body = {"new_finish": later(part), "reason": "The fabric arrives a week late."} | data
    return client.post(f"/api/offers/{part.pk}/delays/", body, format="json")


def accept(client: APIClient, order_id: int, delay_id: int) -> Any:
    return client.post(f"/api/orders/{order_id}/accept-delay/", {"delay": delay_id}, format="json")


def test_the_factory_reports_a_delay_and_the_seller_is_told(
    owner_api: APIClient, owner: User, seller: User
) -> None:
    part = part_of(owner, seller)

    response = report(owner_api, part, new_finish=later(part, 6))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["assignment"] == part.pk
    assert body["previous_finish"] == part.planned_finish.isoformat()
    assert body["new_finish"] == later(part, 6)
    assert body["reason"] == "The fabric arrives a week late."
    delay = Delay.objects.get()
    assert (delay.status, delay.reported_by) == (DelayStatus.PENDING, owner)
    [notification] = seller.notifications.all()
    assert notification.kind == "delay_reported"
    assert notification.order_id == part.order_id
    assert later(part, 6) in notification.message
    assert not owner.notifications.exists()
    event = OrderEvent.objects.filter(order_id=part.order_id).last()
    assert event is not None
    assert (event.action, event.actor, event.to_status) == ("delay_reported", owner, "accepted")
    # nothing moves until the seller answers
    part.refresh_from_db()
    assert part.planned_finish == part.promised_finish
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.ACCEPTED


def test_an_order_in_production_can_be_delayed(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    Order.objects.filter(pk=part.order_id).update(status=OrderStatus.IN_PRODUCTION)

    assert report(owner_api, part).status_code == 201


@pytest.mark.parametrize("n", [0, -1], ids=["same-day", "earlier"])
def test_the_new_finish_must_be_after_the_planned_one(
    owner_api: APIClient, owner: User, n: int
) -> None:
    part = part_of(owner)

    response = report(owner_api, part, new_finish=later(part, n))

    assert response.status_code == 400
    assert list(response.json()) == ["new_finish"]
    assert not Delay.objects.exists()
    assert not Order.objects.get(pk=part.order_id).seller.notifications.exists()


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_a_delay_needs_a_reason(owner_api: APIClient, owner: User, reason: str) -> None:
    part = part_of(owner)

    response = report(owner_api, part, reason=reason)

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert not Delay.objects.exists()


def test_a_second_pending_delay_gets_409(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    assert report(owner_api, part).status_code == 201

    response = report(owner_api, part, new_finish=later(part, 9))

    assert response.status_code == 409
    assert Delay.objects.count() == 1


def test_another_owner_and_the_seller_get_404(owner: User, seller: User) -> None:
    part = part_of(owner, seller)

    assert report(client_for(make_factory().owner), part).status_code == 404
    assert report(client_for(seller), part).status_code == 404
    assert not Delay.objects.exists()


def test_a_proposed_offer_cannot_be_delayed(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner, status=AssignmentStatus.PROPOSED)

    response = report(owner_api, part)

    assert response.status_code == 409
    assert response.json()["status"] == "proposed"
    assert not Delay.objects.exists()


def test_a_shipped_order_cannot_be_delayed(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    Order.objects.filter(pk=part.order_id).update(status=OrderStatus.SHIPPED)

    response = report(owner_api, part)

    assert response.status_code == 409
    assert response.json()["status"] == "shipped"
    assert not Delay.objects.exists()


def test_the_seller_accepts_the_delay_and_the_plan_moves_but_not_the_promise(
    owner_api: APIClient, owner: User, seller_api: APIClient, seller: User
) -> None:
    part = part_of(owner, seller)
    promised = part.promised_finish
    assert promised is not None
    delay_id = report(owner_api, part, new_finish=later(part, 7)).json()["id"]

    response = accept(seller_api, part.order_id, delay_id)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["decided_at"] is not None
    part.refresh_from_db()
    assert part.planned_finish == promised + dt.timedelta(days=7)
    assert part.promised_finish == promised
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.ACCEPTED
    assert owner.notifications.filter(kind="delay_accepted").count() == 1
    event = OrderEvent.objects.filter(order_id=part.order_id).last()
    assert event is not None
    assert (event.action, event.actor) == ("delay_accepted", seller)
    # the parts view shows the new plan and the decided delay
    [row] = seller_api.get(f"/api/orders/{part.order_id}/parts/").json()
    assert row["planned_finish"] == later(part, 0)
    assert row["promised_finish"] == promised.isoformat()
    assert [d["status"] for d in row["delays"]] == ["accepted"]


def test_a_delay_is_accepted_once(
    owner_api: APIClient, owner: User, seller_api: APIClient, seller: User
) -> None:
    part = part_of(owner, seller)
    delay_id = report(owner_api, part).json()["id"]
    assert accept(seller_api, part.order_id, delay_id).status_code == 200

    response = accept(seller_api, part.order_id, delay_id)

    assert response.status_code == 409
    assert response.json()["status"] == "accepted"


def test_after_an_accepted_delay_the_factory_can_report_another(
    owner_api: APIClient, owner: User, seller_api: APIClient, seller: User
) -> None:
    part = part_of(owner, seller)
    delay_id = report(owner_api, part).json()["id"]
    assert accept(seller_api, part.order_id, delay_id).status_code == 200
    part.refresh_from_db()

    response = report(owner_api, part, new_finish=later(part, 3))

    assert response.status_code == 201, response.content
    assert response.json()["previous_finish"] == part.planned_finish.isoformat()


def test_a_delay_of_another_order_gets_400(
    owner_api: APIClient, owner: User, seller_api: APIClient, seller: User
) -> None:
    mine = part_of(owner, seller)
    other = part_of(owner, seller)
    delay_id = report(owner_api, other).json()["id"]

    response = accept(seller_api, mine.order_id, delay_id)

    assert response.status_code == 400
    assert list(response.json()) == ["delay"]
    assert Delay.objects.get(pk=delay_id).status == DelayStatus.PENDING
    other.refresh_from_db()
    assert other.planned_finish == other.promised_finish


def test_another_seller_cannot_accept_the_delay(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    delay_id = report(owner_api, part).json()["id"]

    assert accept(client_for(make_order().seller), part.order_id, delay_id).status_code == 404
    assert accept(owner_api, part.order_id, delay_id).status_code == 404
    assert Delay.objects.get(pk=delay_id).status == DelayStatus.PENDING


def test_accept_delay_needs_a_delay_id(seller_api: APIClient, owner: User, seller: User) -> None:
    part = part_of(owner, seller)

    response = seller_api.post(f"/api/orders/{part.order_id}/accept-delay/", {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["delay"]


# Cancelling and the seller's reliability: these orders are accepted through the real offer
# flow, so their history records the acceptance the reliability figure counts.


def accepted_orders(seller: User, owner_api: APIClient, owner: User, n: int) -> list[Assignment]:
    make_window(make_factory(owner), start=1, end=20, units_per_day=100)
    orders = [make_order(seller, quantity=300) for _ in range(n)]
    run_matching()
    parts = []
    for order in orders:
        offer = Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED)
        response = owner_api.post(f"/api/offers/{offer.pk}/accept/")
        assert response.status_code == 200, response.content
        offer.refresh_from_db()
        parts.append(offer)
    assert all(o.status == OrderStatus.ACCEPTED for o in Order.objects.filter(seller=seller))
    return parts


def offers_reliability(owner_api: APIClient) -> list[dict[str, Any]]:
    response = owner_api.get("/api/offers/")
    assert response.status_code == 200
    return [row["seller_reliability"] for row in response.json()["results"]]


def test_cancelling_while_a_delay_waits_is_without_penalty(
    owner_api: APIClient, owner: User, seller_api: APIClient, seller: User
) -> None:
    [part] = accepted_orders(seller, owner_api, owner, 1)
    delay_id = report(owner_api, part).json()["id"]

    response = seller_api.post(f"/api/orders/{part.order_id}/cancel/", {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    event = OrderEvent.objects.filter(order_id=part.order_id).last()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == (
        "cancel_after_delay",
        "accepted",
        "cancelled",
    )
    assert "no penalty" in event.note
    assert Delay.objects.get(pk=delay_id).status == DelayStatus.DECLINED
    part.refresh_from_db()
    assert part.status == AssignmentStatus.WITHDRAWN
    assert part.window.booked_units == 0
    assert owner.notifications.filter(kind="order_cancelled").count() == 1
    reliability = seller_reliability(seller_ids=[seller.pk])[seller.pk]
    assert (reliability.accepted_orders, reliability.cancelled_after_acceptance) == (1, 0)
    assert reliability.percent == 100
    assert offers_reliability(owner_api) == [
        {"accepted_orders": 1, "cancelled_after_acceptance": 0, "percent": 100}
    ]


def test_a_plain_cancel_of_an_accepted_order_counts_against_the_seller(
    owner_api: APIClient, owner: User, seller_api: APIClient, seller: User
) -> None:
    delayed, plain, kept = accepted_orders(seller, owner_api, owner, 3)
    report(owner_api, delayed)
    assert seller_api.post(f"/api/orders/{delayed.order_id}/cancel/").status_code == 200

    response = seller_api.post(f"/api/orders/{plain.order_id}/cancel/", {"note": "Changed mind"})

    assert response.status_code == 200, response.content
    event = OrderEvent.objects.filter(order_id=plain.order_id).last()
    assert event is not None
    assert (event.action, event.from_status, event.note) == ("cancel", "accepted", "Changed mind")
    reliability = seller_reliability(seller_ids=[seller.pk])[seller.pk]
    assert (reliability.accepted_orders, reliability.cancelled_after_acceptance) == (3, 1)
    assert reliability.percent == 67
    expected = {"accepted_orders": 3, "cancelled_after_acceptance": 1, "percent": 67}
    assert offers_reliability(owner_api) == [expected] * 3
    assert owner_api.get(f"/api/offers/{kept.pk}/").json()["seller_reliability"] == expected


def test_cancelling_an_order_not_yet_accepted_does_not_count(
    seller_api: APIClient, seller: User
) -> None:
    make_window(make_factory(), start=1, end=20)
    order = make_order(seller, quantity=300)
    run_matching()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OFFERED

    assert seller_api.post(f"/api/orders/{order.pk}/cancel/").status_code == 200

    reliability = seller_reliability(seller_ids=[seller.pk])[seller.pk]
    assert (reliability.accepted_orders, reliability.cancelled_after_acceptance) == (0, 0)
    assert reliability.percent is None
