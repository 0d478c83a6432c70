"""production.services.milestone_reminders_send (periodic): a factory whose part is late (not
started after its planned start, or not shipped after its planned finish, by the grace
days) is reminded once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from pytest_django import Settings

from marketplace.models import Notification
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from production.services import milestone_post, milestone_reminders_send
from production.tasks import milestone_reminders_send_task
from tests.builders import make_assignment, make_factory, make_order, make_window

pytestmark = pytest.mark.django_db


def accepted_part() -> Assignment:
    part = make_assignment(
        make_order(), make_window(make_factory(), start=1, end=20), status=AssignmentStatus.ACCEPTED
    )
    part.refresh_from_db()
    return part


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def after(day: dt.date, n: int) -> dt.datetime:
    return noon(day + dt.timedelta(days=n))


def reminders(part: Assignment) -> list[Notification]:
    return list(part.factory.owner.notifications.filter(kind__startswith="reminder_"))


def post(part: Assignment, *kinds: str) -> None:
    for kind in kinds:
        milestone_post(
            part=part, actor=part.factory.owner, kind=kind, carrier="SF", tracking_number="1"
        )


def test_a_part_not_started_two_days_after_its_planned_start_is_reminded_once() -> None:
    part = accepted_part()

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        assert milestone_reminders_send() == 1
        assert milestone_reminders_send() == 0

    [reminder] = reminders(part)
    assert reminder.order_id == part.order_id
    assert "Production started" in reminder.title
    assert part.planned_start.isoformat() in reminder.message
    assert reminder.recipient == part.factory.owner
    # the seller is not reminded
    assert not Order.objects.get(pk=part.order_id).seller.notifications.exists()


def test_within_the_grace_day_there_is_no_reminder() -> None:
    part = accepted_part()

    with time_machine.travel(after(part.planned_start, 1), tick=False):
        assert milestone_reminders_send() == 0

    assert reminders(part) == []


def test_the_grace_is_a_setting(settings: Settings) -> None:
    settings.MILESTONE_REMINDER_GRACE_DAYS = 3
    part = accepted_part()

    with time_machine.travel(after(part.planned_start, 3), tick=False):
        assert milestone_reminders_send() == 0
    with time_machine.travel(after(part.planned_start, 4), tick=False):
        assert milestone_reminders_send() == 1


def test_a_started_part_is_not_reminded_to_start() -> None:
    part = accepted_part()
    post(part, "materials_ready", "production_started")

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        assert milestone_reminders_send() == 0

    assert reminders(part) == []


def test_a_part_not_shipped_after_its_planned_finish_is_reminded_to_ship() -> None:
    part = accepted_part()
    post(part, "materials_ready", "production_started")

    with time_machine.travel(after(part.planned_finish, 2), tick=False):
        assert milestone_reminders_send() == 1
        assert milestone_reminders_send() == 0

    [reminder] = reminders(part)
    assert "Shipped" in reminder.title
    assert part.planned_finish.isoformat() in reminder.message


def test_a_late_start_then_a_late_shipment_are_two_reminders() -> None:
    part = accepted_part()

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        assert milestone_reminders_send() == 1
    with time_machine.travel(after(part.planned_finish, 2), tick=False):
        assert milestone_reminders_send() == 1
        assert milestone_reminders_send() == 0

    assert len(reminders(part)) == 2


def test_a_shipped_part_gets_no_reminder() -> None:
    part = accepted_part()
    post(part, "materials_ready", "production_started", "quality_passed", "shipped")
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.SHIPPED

    with time_machine.travel(after(part.planned_finish, 10), tick=False):
        assert milestone_reminders_send() == 0

    assert reminders(part) == []


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.DELIVERED])
def test_a_finished_order_gets_no_reminder(status: str) -> None:
    part = accepted_part()
    Order.objects.filter(pk=part.order_id).update(status=status)

    with time_machine.travel(after(part.planned_finish, 10), tick=False):
        assert milestone_reminders_send() == 0


def test_an_offer_not_accepted_gets_no_reminder() -> None:
    part = make_assignment(make_order(), make_window(make_factory(), start=1, end=20))

    with time_machine.travel(after(part.planned_start, 5), tick=False):
        assert milestone_reminders_send() == 0


def test_the_periodic_task_sends_them() -> None:
    first = accepted_part()
    second = accepted_part()

    with time_machine.travel(after(first.planned_start, 2), tick=False):
        assert milestone_reminders_send_task() == 2
        assert milestone_reminders_send_task() == 0

    assert len(reminders(first)) == len(reminders(second)) == 1
