"""Standby factories: a part in trouble is offered to the runner-up factory, with the seller's
consent.

A part (an accepted ``Assignment``) is in trouble when a milestone is overdue past
``MILESTONE_REMINDER_GRACE_DAYS`` (the reminders' own test, ``overdue_milestone``) or when a
delay (waiting for the seller or accepted) moves its finish plus transport past the order's
due date. The periodic ``standby_switches_propose`` (beat, ``STANDBY_CHECK_EVERY_SECONDS``)
then looks for the part's **standby**: the best other factory window that could make the
part's quantity by the order's due date on the capacity free now. It is the solver's own
eligibility on a one-order problem (as the instant quote asks it, matching/quotes.py):
``category_capacity_load`` reads the free capacity, ``candidates_for_order`` keeps the
windows that take the whole quantity in time; the part's own factory, factories holding
another live part of the order and those that declined it or let it expire are left out. Of
those, the cheapest (unit price plus transport, with the reliability premium) wins. The
standby is computed when the trouble is noticed and kept on a ``StandbySwitch`` row, which
the seller is told about.

The seller answers on the order's page or the API:

- **switch** (``standby_switch_accept``): in one transaction, in the global lock order (the
  order and its parts 2, 3; the two windows 6 in id order; the part's pending delays 7), the
  standby window is checked again on the capacity free now, the first part becomes
  ``switched`` and its booked units are released, a new offer (``proposed``, the first
  part's run, expiring like a run's offer) holds the remaining quantity in the standby
  window with a conditional update (409 when the units went: nothing changes), a pending
  delay of the first part is closed as ``switched``, the history records it and both
  factories are told. The standby factory answers the offer like any other.
- **keep** (``standby_switch_decline``): the part stays; the same part is not proposed
  again.

Anything the state no longer allows (an answered switch, a part shipped or gone, an order
delivered or cancelled) is a 409.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from factories.models import Factory
from factories.services import capacity_window_hold_if_room, capacity_window_release
from marketplace.errors import Conflict
from marketplace.messages import Params
from marketplace.models import User
from marketplace.money import from_fen, to_fen
from marketplace.notifications import notification_create
from matching.locks import assignment_order_id, order_parts_lock
from matching.models import LIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus
from matching.offers import offer_expiry
from matching.selectors import category_capacity_load, order_histories, transport_params
from matching.solver.candidates import candidates_for_order, capable_windows_by_category
from matching.solver.problem import MatchingProblem, OrderData, Priority, SolverParams
from matching.solver.schedule import Job, schedule_window
from orders.models import Order, OrderStatus
from orders.transitions import action_allowed, order_event_record, require_action
from production.locks import part_lock
from production.models import (
    Delay,
    DelayStatus,
    StandbySwitch,
    StandbySwitchStatus,
    StandbyTrigger,
)
from production.services import overdue_milestone


@dataclasses.dataclass(frozen=True)
class StandbyChoice:
    """Where the standby would make the part: its window, price, transport and plan."""

    window_id: int
    factory_id: int
    unit_price_fen: int
    distance_km: float
    transport_days: int
    transport_cost_fen_per_unit: int
    planned_start: dt.date
    planned_finish: dt.date


def standby_find(*, part: Assignment, window_id: int | None = None) -> StandbyChoice | None:
    """The best other window that could make the part's whole quantity by the order's due
    date on the capacity free now (``window_id``: that window only), or None."""
    order = part.order
    first_day = timezone.localdate() + dt.timedelta(days=settings.MATCHING_LEAD_DAYS)
    factories, windows = category_capacity_load(
        category_ids={order.category_id}, first_day=first_day
    )
    if window_id is not None:
        windows = tuple(window for window in windows if window.id == window_id)
    holding = set(
        Assignment.objects.filter(order=order, status__in=LIVE_ASSIGNMENT_STATUSES).values_list(
            "factory_id", flat=True
        )
    )
    excluded = order_histories([order])[order.pk].excluded | holding | {part.factory_id}
    wanted = OrderData(
        id=order.pk,
        category_id=order.category_id,
        quantity=part.quantity,
        max_unit_price_fen=to_fen(order.max_unit_price),
        due_date=order.due_date,
        latitude=order.ship_to_latitude,
        longitude=order.ship_to_longitude,
        priority=Priority(order.priority),
        min_lot_quantity=part.quantity,
        excluded_factory_ids=frozenset(excluded),
    )
    problem = MatchingProblem(
        first_production_date=first_day,
        orders=(wanted,),
        factories=factories,
        windows=windows,
        transport=transport_params(),
        solver=SolverParams(
            reliability_premium_percent=settings.MATCHING_RELIABILITY_PREMIUM_PERCENT
        ),
    )
    capable = capable_windows_by_category(problem).get(order.category_id, [])
    candidates, _reason = candidates_for_order(problem, wanted, capable)
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda c: (
            c.unit_price_fen + c.transport_cost_fen_per_unit + c.cost_adjust_fen_per_unit,
            c.window.id,
        ),
    )
    job = Job(order_id=order.pk, quantity=part.quantity, latest_finish=best.latest_finish)
    planned = schedule_window(best.window, first_day, [job])[order.pk]
    return StandbyChoice(
        window_id=best.window.id,
        factory_id=best.factory.id,
        unit_price_fen=best.unit_price_fen,
        distance_km=best.distance_km,
        transport_days=best.transport_days,
        transport_cost_fen_per_unit=best.transport_cost_fen_per_unit,
        planned_start=planned.start,
        planned_finish=planned.finish,
    )


def part_trouble(*, part: Assignment, today: dt.date) -> tuple[str, dt.date] | None:
    """Why the part needs its standby (a ``StandbyTrigger`` and its date), or None: a
    milestone overdue past the grace days, or a delay whose new finish plus transport is
    after the order's due date."""
    overdue = overdue_milestone(part=part, today=today)
    if overdue is not None:
        return StandbyTrigger.MILESTONE_OVERDUE, overdue[1]
    delay = (
        Delay.objects.filter(
            assignment=part, status__in=(DelayStatus.PENDING, DelayStatus.ACCEPTED)
        )
        .order_by("-new_finish")
        .first()
    )
    if delay is not None:
        arrives = delay.new_finish + dt.timedelta(days=part.transport_days)
        if arrives > part.order.due_date:
            return StandbyTrigger.DELAY_PAST_DUE, delay.new_finish
    return None


def standby_switches_propose(*, today: dt.date | None = None) -> int:
    """Find the parts in trouble that have no standby proposed yet, and propose the standby
    of each that has one to its seller (periodic). Returns how many were proposed."""
    today = today or timezone.localdate()
    parts = (
        Assignment.objects.filter(
            status=AssignmentStatus.ACCEPTED,
            order__status__in=(OrderStatus.ACCEPTED, OrderStatus.IN_PRODUCTION),
            shipped_on__isnull=True,
            standby_switches__isnull=True,
        )
        .select_related("order", "factory")
        .order_by("pk")
    )
    proposed = 0
    for part in parts:
        trouble = part_trouble(part=part, today=today)
        if trouble is None:
            continue
        choice = standby_find(part=part)
        if choice is not None and standby_switch_propose(
            part_id=part.pk, trigger=trouble, choice=choice
        ):
            proposed += 1
    return proposed


def standby_switch_params(switch: StandbySwitch) -> Params:
    """What the history line and notifications of a standby proposal are rendered from."""
    return _params(switch, switch.part, switch.factory)


def _params(switch: StandbySwitch, part: Assignment, standby: Factory) -> Params:
    return {
        "order": part.order_id,
        "switch": switch.pk,
        "factory": part.factory.name,
        "standby": standby.name,
        "quantity": switch.quantity,
        "trigger": switch.trigger,
        "trouble_date": switch.trigger_date.isoformat(),
        "date": switch.planned_finish.isoformat(),
        "price": str(switch.unit_price),
    }


@transaction.atomic
def standby_switch_propose(
    *, part_id: int, trigger: tuple[str, dt.date], choice: StandbyChoice
) -> StandbySwitch | None:
    """Record the standby of a part in trouble and tell the seller (None when the part
    changed meanwhile or has a standby already)."""
    part, order = part_lock(part_id)
    if (
        part.status != AssignmentStatus.ACCEPTED
        or part.shipped_on is not None
        or part.standby_switches.exists()
        or not action_allowed(order, "propose_standby")
    ):
        return None
    switch = StandbySwitch.objects.create(
        part=part,
        trigger=trigger[0],
        trigger_date=trigger[1],
        window_id=choice.window_id,
        factory_id=choice.factory_id,
        quantity=part.quantity,
        unit_price=from_fen(choice.unit_price_fen),
        planned_finish=choice.planned_finish,
    )
    params = _params(switch, part, Factory.objects.get(pk=choice.factory_id))
    order_event_record(order=order, action="standby_proposed", actor=None, params=params)
    notification_create(
        recipients=[order.seller], kind="standby_proposed", params=params, order_id=order.pk
    )
    return switch


def _lock_pending(switch_id: int, action: str) -> tuple[StandbySwitch, Assignment, Order]:
    """The switch's order and its parts (2, 3), then the switch (under its part's lock);
    409 unless it still waits and the order allows ``action``."""
    part_id = StandbySwitch.objects.values_list("part_id", flat=True).get(pk=switch_id)
    order, parts = order_parts_lock(assignment_order_id(part_id))
    part = parts[part_id]
    switch = StandbySwitch.objects.select_related("factory__owner").get(pk=switch_id)
    if switch.status != StandbySwitchStatus.PENDING:
        raise Conflict(
            _("This standby proposal is answered already (%(status)s).")
            % {"status": switch.get_status_display().lower()},
            current=switch.status,
            allowed=(),
        )
    verb = (
        pgettext_lazy("order cannot be", "moved to a standby factory")
        if action == "switch_to_standby"
        else pgettext_lazy("order cannot be", "kept at its factory")
    )
    require_action(order, action, verb)
    return switch, part, order


@transaction.atomic
def standby_switch_accept(*, switch: StandbySwitch, actor: User | None) -> StandbySwitch:
    """The seller moves the part to its standby: the first part is withdrawn and its units
    freed, the standby factory is offered the quantity (409 when its window has no room
    left for it now)."""
    switch, part, order = _lock_pending(switch.pk, "switch_to_standby")
    choice = _standby_still_free(switch, part)
    _move_units(part, choice, no_room=_no_room(switch, part))
    _close_pending_delays(part)
    offer = _offer_to_standby(part, order, choice)
    part.status = AssignmentStatus.SWITCHED
    part.save(update_fields=["status", "updated_at"])
    switch.status = StandbySwitchStatus.SWITCHED
    switch.offer = offer
    switch.decided_at = offer.created_at
    switch.decided_by = actor
    switch.planned_finish = choice.planned_finish
    switch.save(update_fields=["status", "offer", "decided_at", "decided_by", "planned_finish"])
    standby = Factory.objects.select_related("owner").get(pk=choice.factory_id)
    params = _params(switch, part, standby)
    order_event_record(order=order, action="standby_switched", actor=actor, params=params)
    for recipient, kind in (
        (part.factory.owner, "standby_part_withdrawn"),
        (standby.owner, "standby_offer"),
        (order.seller, "standby_switched"),
    ):
        notification_create(
            recipients=[recipient], kind=kind, params=params, order_id=order.pk, exclude=actor
        )
    return switch


def _no_room(switch: StandbySwitch, part: Assignment) -> Conflict:
    return Conflict(
        _(
            "%(factory)s no longer has room to make %(quantity)s units by the due date; "
            "keep the part or wait for the next proposal."
        )
        % {"factory": switch.factory.name, "quantity": f"{part.quantity:,}"},
        current=switch.status,
        allowed=("decline_standby",),
    )


def _standby_still_free(switch: StandbySwitch, part: Assignment) -> StandbyChoice:
    """The standby window on the capacity free now; 409 when the part shipped or left
    ``accepted``, or the window has no room for it any more."""
    if part.shipped_on is not None:
        raise Conflict(
            _("The part has shipped, so it cannot be moved to the standby factory."),
            current="shipped",
            allowed=("decline_standby",),
        )
    if part.status != AssignmentStatus.ACCEPTED:
        raise Conflict(
            _("The part is %(status)s now, so it cannot be moved to the standby factory.")
            % {"status": part.get_status_display().lower()},
            current=part.status,
            allowed=("decline_standby",),
        )
    choice = standby_find(part=part, window_id=switch.window_id)
    if choice is None:
        raise _no_room(switch, part)
    return choice


def _move_units(part: Assignment, choice: StandbyChoice, *, no_room: Conflict) -> None:
    """The windows in id order (6): the standby's is held only if it still has the room,
    the first part's booked units are released."""
    for window_id in sorted({part.window_id, choice.window_id}):
        if window_id == choice.window_id:
            if not capacity_window_hold_if_room(window_id=window_id, units=part.quantity):
                raise no_room
        else:
            capacity_window_release(window_id=window_id, units=part.quantity)


def _close_pending_delays(part: Assignment) -> None:
    """A delay of the first part waiting for the seller is closed with it (7)."""
    for delay in Delay.objects.select_for_update(no_key=True, of=("self",)).filter(
        assignment=part, status=DelayStatus.PENDING
    ):
        delay.status = DelayStatus.SWITCHED
        delay.decided_at = timezone.now()
        delay.save(update_fields=["status", "decided_at"])


def _offer_to_standby(part: Assignment, order: Order, choice: StandbyChoice) -> Assignment:
    """The new offer to the standby factory: the part's quantity, in the first part's run,
    expiring like a run's offer."""
    return Assignment.objects.create(
        run_id=part.run_id,
        order=order,
        factory_id=choice.factory_id,
        window_id=choice.window_id,
        quantity=part.quantity,
        unit_price=from_fen(choice.unit_price_fen),
        distance_km=round(choice.distance_km, 1),
        transport_days=choice.transport_days,
        transport_cost=from_fen(choice.transport_cost_fen_per_unit * part.quantity),
        planned_start=choice.planned_start,
        planned_finish=choice.planned_finish,
        status=AssignmentStatus.PROPOSED,
        expires_at=offer_expiry(timezone.now()),
    )


@transaction.atomic
def standby_switch_decline(*, switch: StandbySwitch, actor: User | None) -> StandbySwitch:
    """The seller keeps the part where it is; it is not proposed again."""
    switch, part, order = _lock_pending(switch.pk, "decline_standby")
    switch.status = StandbySwitchStatus.DECLINED
    switch.decided_at = timezone.now()
    switch.decided_by = actor
    switch.save(update_fields=["status", "decided_at", "decided_by"])
    params = _params(switch, part, switch.factory)
    order_event_record(order=order, action="standby_declined", actor=actor, params=params)
    return switch
