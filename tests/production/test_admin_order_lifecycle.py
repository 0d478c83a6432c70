"""Staff carry orders through delivery from the order admin, under the API's rules."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderKind, OrderStatus, SampleDecision
from production.models import Delay, DelayStatus
from tests.admin_pages import listed, messages_of, pks
from tests.builders import make_assignment, make_factory, make_order, make_window

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
DELAYS = "/admin/production/delay/"


def act(client: Client, action: str, *orders: Order) -> TestResponse:
    return client.post(ORDERS, {"action": action, "_selected_action": [o.pk for o in orders]})


def accepted_order(**kwargs: Any) -> tuple[Order, Assignment]:
    order = make_order(**kwargs)
    part = make_assignment(order, make_window(make_factory()), status=AssignmentStatus.ACCEPTED)
    order.refresh_from_db()
    return order, part


def test_staff_confirm_delivery_of_a_shipped_order_only(staff_client: Client) -> None:
    shipped, part = accepted_order()
    Order.objects.filter(pk=shipped.pk).update(status=OrderStatus.SHIPPED)
    still_accepted, _ = accepted_order()

    response = act(staff_client, "confirm_delivery", shipped, still_accepted)

    assert messages_of(response)[0] == "1 order confirmed delivered."
    assert "cannot be confirmed delivered" in messages_of(response)[1]
    assert Order.objects.get(pk=shipped.pk).status == OrderStatus.DELIVERED
    part.refresh_from_db()
    assert part.delivered_on is not None and part.on_time is True
    assert Order.objects.get(pk=still_accepted.pk).status == OrderStatus.ACCEPTED


def test_staff_accept_a_pending_delay(staff_client: Client) -> None:
    order, part = accepted_order()
    later = part.planned_finish + dt.timedelta(days=4)
    delay = Delay.objects.create(
        assignment=part, previous_finish=part.planned_finish, new_finish=later, reason="Storm"
    )
    no_delay, _ = accepted_order()

    response = act(staff_client, "accept_delays", order, no_delay)

    assert messages_of(response)[0] == "1 order given their new finish dates."
    assert messages_of(response)[1] == f"#{no_delay.pk}: No delay waits for an answer."
    delay.refresh_from_db()
    part.refresh_from_db()
    assert delay.status == DelayStatus.ACCEPTED
    assert part.planned_finish == later


def test_staff_approve_a_delivered_sample(staff_client: Client) -> None:
    sample, _ = accepted_order(kind=OrderKind.SAMPLE)
    Order.objects.filter(pk=sample.pk).update(status=OrderStatus.DELIVERED)

    response = act(staff_client, "approve_samples", sample)

    assert messages_of(response) == ["1 order approved."]
    assert Order.objects.get(pk=sample.pk).sample_decision == SampleDecision.APPROVED


def test_staff_cancel_an_accepted_order_and_the_booked_units_are_freed(
    staff_client: Client,
) -> None:
    order, part = accepted_order()

    response = act(staff_client, "cancel_orders", order)

    assert messages_of(response) == ["1 order cancelled."]
    part.refresh_from_db()
    part.window.refresh_from_db()
    assert part.status == AssignmentStatus.WITHDRAWN
    assert part.window.booked_units == 0


def _delay(part: Assignment, reason: str) -> Delay:
    return Delay.objects.create(
        assignment=part,
        previous_finish=part.planned_finish,
        new_finish=part.planned_finish + dt.timedelta(days=4),
        reason=reason,
    )


def test_the_delay_list_searches_orders_factories_and_reasons(staff_client: Client) -> None:
    _, tees = accepted_order(title="Logo tees")
    _, totes = accepted_order(title="Canvas totes")
    storm = _delay(tees, "Typhoon closed the port")
    fabric = _delay(totes, "Fabric arrived late")
    Assignment.objects.filter(pk=totes.pk).update(factory=make_factory(name="Ningbo Bags"))

    assert listed(staff_client.get(DELAYS, {"q": "logo"})) == pks(storm)
    assert listed(staff_client.get(DELAYS, {"q": "ningbo"})) == pks(fabric)
    assert listed(staff_client.get(DELAYS, {"q": "typhoon"})) == pks(storm)
    assert listed(staff_client.get(DELAYS)) == pks(storm, fabric)
