"""Offers: the factory's answer (accept or decline), expiry, and auto-pause.

A match run's assignment is an offer to the factory's owner until ``expires_at``. While it
waits it holds its units in the window (``offered_units``). Accepting books them with a
conditional update that fails when they no longer fit (the owner may have shrunk the
window, or a concurrent accept took the last units): the answer is then 409 and nothing
changes. Declining or expiry frees the units, returns the order to open with that factory
excluded from its future matches, and queues a match run. Locks are taken in the order a
match run's write takes them (assignment, order, window, factory), so the two never
deadlock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from factories.models import CapacityWindow, Factory
from factories.probation import factory_probation
from factories.services import capacity_window_book, capacity_window_release, factory_pause
from marketplace.errors import Conflict
from marketplace.messages import Params
from marketplace.models import User
from marketplace.notifications import notification_create, stored_text_language
from matching.locks import offer_lock
from matching.messages import paused_text
from matching.models import (
    LIVE_ASSIGNMENT_STATUSES,
    WAITING_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    DeclineReason,
)
from matching.runs import match_run_request_on_change
from orders.models import Order, OrderStatus
from orders.transitions import order_event_record, order_transition


def offer_expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=settings.OFFER_EXPIRY_HOURS)


def offer_require_waiting(offer: Assignment, verb: str | Promise, now: dt.datetime) -> None:
    """409 unless the offer still waits for an answer."""
    if offer.status != AssignmentStatus.PROPOSED:
        raise Conflict(
            _("This offer is %(status)s, so it cannot be %(verb)s.")
            % {"status": offer.get_status_display().lower(), "verb": verb},
            current=offer.status,
            allowed=(),
        )
    if offer.is_expired_at(now):
        raise Conflict(
            _("This offer expired at %(when)s, so it cannot be %(verb)s.")
            % {"when": f"{timezone.localtime(offer.expires_at):%Y-%m-%d %H:%M}", "verb": verb},
            current="expired",
            allowed=(),
        )


def offer_require_within_probation(offer: Assignment, *, unit_price: Decimal | None = None) -> None:
    """409 when a factory on probation is offered more than its limits allow (an offer made
    before the limits applied, or a counter-offer at ``unit_price``): it declines instead."""
    probation = factory_probation(factory=Factory.objects.get(pk=offer.factory_id))
    price = offer.unit_price if unit_price is None else unit_price
    if probation is None or probation.allows(quantity=offer.quantity, unit_price=price):
        return
    raise Conflict(
        _(
            "Your factory is on probation: until %(needed)s orders are delivered on time "
            "without an upheld dispute it accepts at most %(units)s units and %(value)s CNY "
            "an order, and this offer is %(quantity)s units for %(total)s CNY. Decline it."
        )
        % {
            "needed": probation.needed,
            "units": f"{probation.max_units:,}",
            "value": f"{probation.max_value:,}",
            "quantity": f"{offer.quantity:,}",
            "total": f"{offer.quantity * price:,}",
        },
        current=offer.status,
        allowed=("decline",),
    )


def offer_units_book(*, offer: Assignment, hint: str, allowed: tuple[str, ...]) -> None:
    """Book the units a waiting offer holds in its window (a conditional update), or 409
    when they no longer fit (``hint``: what to do instead, ``allowed``: its action)."""
    if capacity_window_book(window_id=offer.window_id, units=offer.quantity, offered=True):
        return
    window = CapacityWindow.objects.get(pk=offer.window_id)
    free = max(window.total_units - window.booked_units, 0)
    raise Conflict(
        _(
            "The window has %(free)s unbooked units left and this offer needs %(needed)s: "
            "it can no longer be accepted."
        )
        % {"free": free, "needed": offer.quantity}
        + " "
        + hint,
        current=offer.status,
        allowed=allowed,
    )


def offer_window_load(offer: Assignment) -> float:
    """How full the offer's window is, as the factory sees it when it answers (the offer's
    own held units left out)."""
    return CapacityWindow.objects.get(pk=offer.window_id).load_besides(offer.quantity)


def order_part_accepted(
    *, order: Order, actor: User | None, actions: tuple[str, str], params: Params
) -> None:
    """A part of the (locked) order was accepted: the order is accepted (``actions[0]``)
    once no other part waits for an answer, else the history records the part
    (``actions[1]``)."""
    waiting = order.assignments.filter(status__in=WAITING_ASSIGNMENT_STATUSES).exists()
    if waiting or order.status != OrderStatus.OFFERED:
        order_event_record(order=order, action=actions[1], actor=actor, params=params)
    else:
        order_transition(order=order, action=actions[0], actor=actor, params=params)


@transaction.atomic
def offer_accept(*, offer: Assignment, actor: User | None) -> Assignment:
    """Book the offer's units and commit the factory; the order is accepted once every
    part of it is."""
    now = timezone.now()
    offer, order = offer_lock(offer.pk)
    offer_require_waiting(offer, pgettext_lazy("offer cannot be", "accepted"), now)
    offer_require_within_probation(offer)
    offer.window_load = offer_window_load(offer)
    offer_units_book(
        offer=offer,
        hint=_("Decline it (no capacity) so the order is matched elsewhere."),
        allowed=("decline",),
    )
    offer.status = AssignmentStatus.ACCEPTED
    offer.responded_at = now
    offer.promised_finish = offer.planned_finish
    offer.save(
        update_fields=["status", "responded_at", "promised_finish", "window_load", "updated_at"]
    )
    # an answer: the run of expired offers is broken
    Factory.objects.filter(pk=offer.factory_id).update(expired_offers_in_a_row=0)
    factory = offer.factory
    params = {
        "order": order.pk,
        "factory": factory.name,
        "quantity": offer.quantity,
        "date": offer.planned_finish.isoformat(),
    }
    order_part_accepted(order=order, actor=actor, actions=("accept", "accept_part"), params=params)
    notification_create(
        recipients=[order.seller],
        kind="offer_accepted",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return offer


@transaction.atomic
def offer_decline(
    *, offer: Assignment, actor: User | None, reason: str, note: str = ""
) -> Assignment:
    """The factory says no: the order goes back to open without this factory."""
    if reason not in DeclineReason.values:
        raise ValidationError(
            {
                "reason": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(DeclineReason.values)}
            }
        )
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why, when the reason is “other”.")})
    now = timezone.now()
    offer, order = offer_lock(offer.pk)
    offer_require_waiting(offer, pgettext_lazy("offer cannot be", "declined"), now)
    offer.status = AssignmentStatus.DECLINED
    offer.responded_at = now
    offer.decline_reason = reason
    offer.decline_note = note.strip()
    offer.window_load = offer_window_load(offer)
    offer.save(
        update_fields=[
            "status",
            "responded_at",
            "decline_reason",
            "decline_note",
            "window_load",
            "updated_at",
        ]
    )
    capacity_window_release(window_id=offer.window_id, units=offer.quantity, offered=True)
    Factory.objects.filter(pk=offer.factory_id).update(expired_offers_in_a_row=0)
    order_waits_again(
        order=order,
        actor=actor,
        params={
            "factory": offer.factory.name,
            "reason": offer.decline_reason,
            "note": offer.decline_note,
        },
    )
    return offer


def order_waits_again(
    *,
    order: Order,
    actor: User | None,
    params: Params,
    actions: tuple[str, str] = ("reopen", "offer_lost"),
    kind: str = "offer_lost",
) -> None:
    """One offer of the (locked) order was declined or expired, or its counter-offer was
    rejected or expired: its other unanswered offers and counter-offers are withdrawn (a
    split order is matched again as a whole remainder), the order waits again
    (``actions[0]``; ``actions[1]`` in the history when it was not offered), the seller is
    told (``kind``), and a run is queued."""
    for other in order.assignments.select_for_update(no_key=True, of=("self",)).filter(
        status__in=WAITING_ASSIGNMENT_STATUSES
    ):
        other.status = AssignmentStatus.SUPERSEDED
        other.save(update_fields=["status", "updated_at"])
        capacity_window_release(window_id=other.window_id, units=other.quantity, offered=True)
    if order.status == OrderStatus.OFFERED:
        order_transition(order=order, action=actions[0], actor=actor, params=params)
    elif order.status in (OrderStatus.ACCEPTED, OrderStatus.IN_PRODUCTION) and _uncovered(order):
        # the offer of a part moved to a standby factory (production/standby.py) was lost:
        # what no accepted part covers is matched again
        order_transition(order=order, action="reopen_rest", actor=actor, params=params)
    else:
        order_event_record(order=order, action=actions[1], actor=actor, params=params)
    notification_create(
        recipients=[order.seller],
        kind=kind,
        params={"order": order.pk, **params},
        order_id=order.pk,
        exclude=actor,
    )
    match_run_request_on_change()


def _uncovered(order: Order) -> bool:
    """Whether the order's accepted parts make less than its quantity."""
    accepted = order.assignments.filter(status=AssignmentStatus.ACCEPTED).aggregate(
        units=Sum("quantity")
    )["units"]
    return (accepted or 0) < order.quantity


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Expire every offer past its time (periodic). Returns how many expired."""
    now = now or timezone.now()
    due = Assignment.objects.filter(
        status=AssignmentStatus.PROPOSED, expires_at__lte=now
    ).values_list("pk", flat=True)
    expired = 0
    for pk in list(due):
        expired += offer_expire(offer_id=pk, now=now)
    return expired


@transaction.atomic
def offer_expire(*, offer_id: int, now: dt.datetime) -> bool:
    """Expire one offer if it still waits and its time is up (running twice is harmless)."""
    offer = Assignment.objects.filter(pk=offer_id).first()
    if offer is None:
        return False
    offer, order = offer_lock(offer.pk)
    if offer.status != AssignmentStatus.PROPOSED or not offer.is_expired_at(now):
        return False
    offer.status = AssignmentStatus.EXPIRED
    offer.save(update_fields=["status", "updated_at"])
    capacity_window_release(window_id=offer.window_id, units=offer.quantity, offered=True)
    Factory.objects.filter(pk=offer.factory_id).update(
        expired_offers_in_a_row=F("expired_offers_in_a_row") + 1
    )
    factory = Factory.objects.get(pk=offer.factory_id)
    notification_create(
        recipients=[factory.owner],
        kind="offer_expired",
        params={
            "order": order.pk,
            "quantity": offer.quantity,
            "hours": f"{settings.OFFER_EXPIRY_HOURS:g}",
        },
        order_id=order.pk,
    )
    limit = settings.FACTORY_AUTO_PAUSE_AFTER_EXPIRED
    if limit > 0 and factory.expired_offers_in_a_row >= limit:
        params = {"factory": factory.name, "count": factory.expired_offers_in_a_row}
        with stored_text_language():  # the factory's pause reason is stored as written
            reason = paused_text(params)
        if factory_pause(factory_id=factory.pk, reason=reason):
            notification_create(recipients=[factory.owner], kind="factory_paused", params=params)
    order_waits_again(order=order, actor=None, params={"factory": factory.name, "expired": True})
    return True


def assignment_withdraw_for_order(*, order: Order) -> list[Assignment]:
    """The order was cancelled: its offers and accepted parts are withdrawn and their
    units freed. Returns them."""
    withdrawn = []
    for assignment in Assignment.objects.select_for_update(no_key=True, of=("self",)).filter(
        order=order, status__in=LIVE_ASSIGNMENT_STATUSES
    ):
        offered = assignment.status in WAITING_ASSIGNMENT_STATUSES
        assignment.status = AssignmentStatus.WITHDRAWN
        assignment.save(update_fields=["status", "updated_at"])
        capacity_window_release(
            window_id=assignment.window_id, units=assignment.quantity, offered=offered
        )
        withdrawn.append(assignment)
    return withdrawn
