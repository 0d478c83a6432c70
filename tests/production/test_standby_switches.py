"""production/standby.py: a part in trouble (a milestone overdue past the grace days, or a
delay past the due date) gets its standby factory proposed to the seller; the seller moves the
part there (the first window freed, the standby window held for a new offer) or keeps it.
Time is controlled with time_machine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from pytest_django import Settings

from factories.models import CapacityWindow
from marketplace.errors import Conflict
from marketplace.models import Notification, User
from matching.models import Assignment, AssignmentStatus
from matching.offers import offer_accept, offer_decline, offer_expire
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_cancel
from production.models import Delay, DelayStatus, StandbySwitch, StandbySwitchStatus
from production.services import delay_report, milestone_post
from production.standby import (
    standby_switch_accept,
    standby_switch_decline,
    standby_switches_propose,
)
from production.tasks import standby_switches_propose_task
from tests.builders import make_assignment, make_factory, make_order, make_window, run_matching

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The services' messages are read in English here (a page test may leave another
    language active)."""
    with translation.override("en"):
        yield


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def after(day: dt.date, n: int) -> dt.datetime:
    return noon(day + dt.timedelta(days=n))


def accepted_part(seller: User | None = None) -> Assignment:
    """An accepted part of 500 units planned over days 1 to 5 of a window of days 1 to 20."""
    part = make_assignment(
        make_order(seller), make_window(make_factory(), start=1, end=20), status="accepted"
    )
    part.refresh_from_db()
    return part


def standby_window(*, start: int = 1, end: int = 25, units_per_day: int = 100) -> CapacityWindow:
    return make_window(make_factory(), start=start, end=end, units_per_day=units_per_day)


def window_units(window_id: int) -> tuple[int, int, int]:
    window = CapacityWindow.objects.get(pk=window_id)
    return window.total_units, window.booked_units, window.offered_units


def proposed_when_late(part: Assignment) -> StandbySwitch:
    with time_machine.travel(after(part.planned_start, 2), tick=False):
        assert standby_switches_propose() == 1
    return StandbySwitch.objects.get(part=part)


def test_a_part_not_started_past_the_grace_days_gets_its_standby_proposed_to_the_seller() -> None:
    part = accepted_part()
    window = standby_window()

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        assert standby_switches_propose() == 1
        assert standby_switches_propose() == 0

    switch = StandbySwitch.objects.get()
    assert switch.part == part
    assert (switch.window_id, switch.factory_id) == (window.pk, window.factory_id)
    assert switch.quantity == 500
    assert switch.status == StandbySwitchStatus.PENDING
    assert (switch.trigger, switch.trigger_date) == ("milestone_overdue", part.planned_start)
    order = Order.objects.get(pk=part.order_id)
    assert switch.planned_finish <= order.due_date
    [note] = order.seller.notifications.filter(kind="standby_proposed")
    assert window.factory.name in note.message
    assert OrderEvent.objects.filter(order=order, action="standby_proposed").exists()
    # proposing moves no capacity
    assert window_units(window.pk)[1:] == (0, 0)
    assert window_units(part.window_id)[1:] == (500, 0)


def test_within_the_grace_day_nothing_is_proposed() -> None:
    part = accepted_part()
    standby_window()

    with time_machine.travel(after(part.planned_start, 1), tick=False):
        assert standby_switches_propose() == 0


def test_the_grace_is_the_reminders_setting(settings: Settings) -> None:
    settings.MILESTONE_REMINDER_GRACE_DAYS = 3
    part = accepted_part()
    standby_window()

    with time_machine.travel(after(part.planned_start, 3), tick=False):
        assert standby_switches_propose() == 0
    with time_machine.travel(after(part.planned_start, 4), tick=False):
        assert standby_switches_propose_task() == 1


def test_a_started_part_is_in_trouble_only_once_its_finish_is_past_the_grace() -> None:
    part = accepted_part()
    standby_window()
    milestone_post(part=part, actor=part.factory.owner, kind="materials_ready")
    milestone_post(part=part, actor=part.factory.owner, kind="production_started")

    with time_machine.travel(after(part.planned_start, 3), tick=False):
        assert standby_switches_propose() == 0
    with time_machine.travel(after(part.planned_finish, 2), tick=False):
        assert standby_switches_propose() == 1
    switch = StandbySwitch.objects.get()
    assert switch.trigger_date == part.planned_finish


def test_a_delay_whose_delivery_misses_the_due_date_proposes_the_standby() -> None:
    part = accepted_part()
    standby_window()
    order = Order.objects.get(pk=part.order_id)
    # finishing 2 days before the due date arrives after it (4 transport days)
    late = order.due_date - dt.timedelta(days=2)
    delay_report(part=part, actor=part.factory.owner, new_finish=late, reason="Fabric late")

    assert standby_switches_propose() == 1

    switch = StandbySwitch.objects.get()
    assert (switch.trigger, switch.trigger_date) == ("delay_past_due", late)


def test_a_delay_that_still_arrives_by_the_due_date_proposes_nothing() -> None:
    part = accepted_part()
    standby_window()
    order = Order.objects.get(pk=part.order_id)
    in_time = order.due_date - dt.timedelta(days=part.transport_days)
    delay_report(part=part, actor=part.factory.owner, new_finish=in_time, reason="Fabric late")

    assert standby_switches_propose() == 0


def test_without_a_factory_that_could_make_it_in_time_nothing_is_proposed() -> None:
    part = accepted_part()
    standby_window(units_per_day=10)  # 250 units: too few

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        assert standby_switches_propose() == 0
        assert not StandbySwitch.objects.exists()
        assert not Notification.objects.filter(kind="standby_proposed").exists()


def test_a_factory_that_declined_the_order_is_never_its_standby() -> None:
    part = accepted_part()
    declined = standby_window()
    Assignment.objects.create(
        run=part.run,
        order=part.order,
        factory=declined.factory,
        window=declined,
        quantity=500,
        unit_price=part.unit_price,
        distance_km=1200,
        transport_days=4,
        transport_cost=part.transport_cost,
        planned_start=declined.start_date,
        planned_finish=declined.start_date,
        status=AssignmentStatus.DECLINED,
    )
    other = standby_window()

    switch = proposed_when_late(part)

    assert switch.factory_id == other.factory_id


def test_the_cheapest_standby_wins() -> None:
    part = accepted_part()
    dear = standby_window()
    dear.factory.capabilities.update(unit_price="11.50")
    cheap = standby_window()
    cheap.factory.capabilities.update(unit_price="9.00")

    switch = proposed_when_late(part)

    assert switch.factory_id == cheap.factory_id
    assert str(switch.unit_price) == "9.00"


def test_switching_frees_the_first_window_and_offers_the_quantity_to_the_standby() -> None:
    part = accepted_part()
    window = standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        switched = standby_switch_accept(switch=switch, actor=order.seller)

    part.refresh_from_db()
    assert part.status == AssignmentStatus.SWITCHED
    assert switched.status == StandbySwitchStatus.SWITCHED
    offer = switched.offer
    assert offer is not None
    assert (offer.status, offer.quantity, offer.window_id) == ("proposed", 500, window.pk)
    assert offer.expires_at is not None
    assert offer.planned_finish + dt.timedelta(days=offer.transport_days) <= order.due_date
    # the first window's units are free again, the standby's are held by the offer
    assert window_units(part.window_id) == (2000, 0, 0)
    assert window_units(window.pk) == (2500, 0, 500)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED
    assert OrderEvent.objects.filter(order=order, action="standby_switched").exists()
    assert part.factory.owner.notifications.filter(kind="standby_part_withdrawn").exists()
    assert window.factory.owner.notifications.filter(kind="standby_offer").exists()
    # the seller acted: no notification of their own act
    assert not order.seller.notifications.filter(kind="standby_switched").exists()


def test_the_standby_accepting_books_its_units_and_the_order_stays_accepted() -> None:
    part = accepted_part()
    window = standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)
    with time_machine.travel(after(part.planned_start, 2), tick=False):
        offer = standby_switch_accept(switch=switch, actor=order.seller).offer
        assert offer is not None
        offer_accept(offer=offer, actor=window.factory.owner)

    assert window_units(window.pk) == (2500, 500, 0)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED
    assert [p.factory_id for p in order.assignments.filter(status="accepted")] == [
        window.factory_id
    ]


def test_a_pending_delay_of_the_first_part_is_closed_by_the_switch() -> None:
    part = accepted_part()
    standby_window()
    order = Order.objects.get(pk=part.order_id)
    late = order.due_date - dt.timedelta(days=1)
    delay = delay_report(part=part, actor=part.factory.owner, new_finish=late, reason="Late")
    assert standby_switches_propose() == 1

    standby_switch_accept(switch=StandbySwitch.objects.get(), actor=order.seller)

    delay.refresh_from_db()
    assert delay.status == DelayStatus.SWITCHED
    assert not Delay.objects.filter(status=DelayStatus.PENDING).exists()


def test_when_the_standby_window_filled_meanwhile_switching_is_409_and_nothing_changes() -> None:
    part = accepted_part()
    window = standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)
    # another order takes the standby window's room
    make_assignment(make_order(quantity=2400), window, status="accepted", quantity=2400)

    with (
        time_machine.travel(after(part.planned_start, 2), tick=False),
        pytest.raises(Conflict, match="no longer has room"),
    ):
        standby_switch_accept(switch=switch, actor=order.seller)

    part.refresh_from_db()
    assert part.status == AssignmentStatus.ACCEPTED
    assert window_units(part.window_id) == (2000, 500, 0)
    assert window_units(window.pk) == (2500, 2400, 0)
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.PENDING


def test_declining_keeps_the_part_and_it_is_not_proposed_again() -> None:
    part = accepted_part()
    standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)

    standby_switch_decline(switch=switch, actor=order.seller)

    part.refresh_from_db()
    assert part.status == AssignmentStatus.ACCEPTED
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.DECLINED
    assert OrderEvent.objects.filter(order=order, action="standby_declined").exists()
    with time_machine.travel(after(part.planned_start, 3), tick=False):
        assert standby_switches_propose() == 0


def test_an_answered_proposal_cannot_be_answered_again() -> None:
    part = accepted_part()
    standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)
    standby_switch_decline(switch=switch, actor=order.seller)

    with pytest.raises(Conflict, match="answered already"):
        standby_switch_accept(switch=switch, actor=order.seller)
    with pytest.raises(Conflict, match="answered already"):
        standby_switch_decline(switch=switch, actor=order.seller)


def test_a_part_that_shipped_meanwhile_cannot_be_moved() -> None:
    part = accepted_part()
    standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)
    Assignment.objects.filter(pk=part.pk).update(shipped_on=part.planned_finish)

    with pytest.raises(Conflict, match="shipped"):
        standby_switch_accept(switch=switch, actor=order.seller)
    # keeping it is still an answer
    assert standby_switch_decline(switch=switch, actor=order.seller).status == "declined"


def test_cancelling_the_order_closes_its_waiting_standby_proposal() -> None:
    part = accepted_part()
    window = standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)
    order_cancel(order=order, actor=order.seller)

    switch.refresh_from_db()
    assert (switch.status, switch.decided_by) == (StandbySwitchStatus.CLOSED, None)
    assert switch.decided_at is not None
    for answer in (standby_switch_accept, standby_switch_decline):
        with pytest.raises(Conflict) as caught:
            answer(switch=switch, actor=order.seller)
        assert caught.value.current == StandbySwitchStatus.CLOSED
    assert window_units(window.pk) == (2500, 0, 0)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_cancelling_leaves_an_answered_proposal_as_it_was() -> None:
    part = accepted_part()
    standby_window()
    switch = standby_switch_decline(switch=proposed_when_late(part), actor=None)
    order = Order.objects.get(pk=part.order_id)

    order_cancel(order=order, actor=order.seller)

    assert StandbySwitch.objects.get(pk=switch.pk).status == StandbySwitchStatus.DECLINED


@pytest.mark.parametrize("lost", ["declined", "expired"])
def test_when_the_standby_loses_the_offer_the_order_is_matched_again_without_either(
    lost: str,
) -> None:
    part = accepted_part()
    window = standby_window()
    switch = proposed_when_late(part)
    order = Order.objects.get(pk=part.order_id)
    offer = standby_switch_accept(switch=switch, actor=order.seller).offer
    assert offer is not None
    third = standby_window()
    third.factory.capabilities.update(unit_price="11.90")  # the dearest: chosen only if alone

    if lost == "declined":
        offer_decline(offer=offer, actor=window.factory.owner, reason="no_capacity")
    else:
        assert offer.expires_at is not None
        assert offer_expire(offer_id=offer.pk, now=offer.expires_at + dt.timedelta(minutes=1))

    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert OrderEvent.objects.filter(order=order, action="reopen_rest").exists()
    assert window_units(window.pk)[1:] == (0, 0)
    assert window_units(part.window_id)[1:] == (0, 0)

    run_matching()

    [new] = Assignment.objects.filter(order=order, status=AssignmentStatus.PROPOSED)
    assert new.factory_id == third.factory_id
    order.refresh_from_db()
    assert order.status == OrderStatus.OFFERED
