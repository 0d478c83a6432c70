"""Counter-offers: a factory answers its offer with other terms, the seller takes or leaves
them.

The factory owner asks a higher unit price and/or a later finish than the offer
(``COUNTER_MAX_PRICE_INCREASE_PERCENT`` above its price, ``COUNTER_MAX_EXTRA_DAYS`` after its
finish at most), with a note. The assignment is then ``countered``: it keeps holding its units
in the window (as offered units) and no match run moves it, until the seller answers:

- accept: the units are booked exactly as an accepted offer's (``offer_units_book``, a
  conditional update; 409 when they no longer fit, nothing changes) and the part is accepted
  on the counter's terms (its unit price, its finish);
- reject, or no answer within ``COUNTER_EXPIRY_HOURS``: the units are freed and the order
  waits again. That factory is not excluded: the next run may offer it the order again, at
  the factory's capability price (a counter never changes a capability: the owner updates
  the price there if it should hold for later orders).

Every write locks like an offer's answer (``offer_lock``: order, its assignments, the factory,
then the window through the window services), so counters, offers' answers and a run's write
never deadlock. The ``Counter`` row is written only under its assignment's lock.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from factories.models import Factory
from factories.services import capacity_window_release
from marketplace.errors import Conflict
from marketplace.messages import Params
from marketplace.models import User
from marketplace.notifications import notification_create
from matching.locks import offer_lock
from matching.models import Assignment, AssignmentStatus, Counter
from matching.offers import (
    offer_require_waiting,
    offer_require_within_probation,
    offer_units_book,
    order_part_accepted,
    order_waits_again,
)
from orders.transitions import order_event_record, require_action

CENT = Decimal("0.01")
NOTE_MAX_LENGTH = 2000


def counter_limits(offer: Assignment) -> tuple[Decimal, dt.date]:
    """The highest unit price and the latest finish a counter to this offer may ask."""
    raise_by = Decimal(settings.COUNTER_MAX_PRICE_INCREASE_PERCENT) / 100
    highest = (offer.unit_price * (1 + raise_by)).quantize(CENT, rounding=ROUND_DOWN)
    latest = offer.planned_finish + dt.timedelta(days=settings.COUNTER_MAX_EXTRA_DAYS)
    return highest, latest


def counter_validate(
    *, offer: Assignment, unit_price: Decimal, planned_finish: dt.date, note: str
) -> None:
    """400 with a message per field unless the terms ask more and/or later, within limits."""
    highest, latest = counter_limits(offer)
    errors: dict[str, str] = {}
    if unit_price < offer.unit_price:
        errors["unit_price"] = _(
            "A counter-offer cannot ask less than the offer's %(price)s CNY a unit."
        ) % {"price": offer.unit_price}
    elif unit_price > highest:
        errors["unit_price"] = _(
            "At most %(price)s CNY a unit (%(percent)s%% above the offer's %(offer)s CNY)."
        ) % {
            "price": highest,
            "percent": settings.COUNTER_MAX_PRICE_INCREASE_PERCENT,
            "offer": offer.unit_price,
        }
    if planned_finish < offer.planned_finish:
        errors["planned_finish"] = _(
            "A counter-offer cannot finish before the offer's %(date)s."
        ) % {"date": offer.planned_finish.isoformat()}
    elif planned_finish > latest:
        errors["planned_finish"] = _(
            "At most %(days)s days after the offer's finish: %(date)s at the latest."
        ) % {"days": settings.COUNTER_MAX_EXTRA_DAYS, "date": latest.isoformat()}
    if not errors and (unit_price, planned_finish) == (offer.unit_price, offer.planned_finish):
        errors["unit_price"] = _(
            "Ask a higher unit price or a later finish (or both); to take the offer as it "
            "is, accept it."
        )
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("At most %(count)s characters.") % {"count": NOTE_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)


def _terms(offer: Assignment, counter: Counter) -> Params:
    """What history lines and notifications of a counter are rendered from."""
    return {
        "order": offer.order_id,
        "factory": offer.factory.name,
        "quantity": offer.quantity,
        "price": str(counter.unit_price),
        "offer_price": str(counter.offer_unit_price),
        "date": counter.planned_finish.isoformat(),
        "offer_date": counter.offer_finish.isoformat(),
    }


@transaction.atomic
def counter_create(
    *,
    offer: Assignment,
    actor: User | None,
    unit_price: Decimal | None = None,
    planned_finish: dt.date | None = None,
    note: str = "",
) -> Counter:
    """The factory answers its waiting offer with a higher unit price and/or a later
    finish; the seller is told and has ``COUNTER_EXPIRY_HOURS`` to answer."""
    now = timezone.now()
    offer, order = offer_lock(offer.pk)
    verb = pgettext_lazy("offer cannot be", "countered")
    offer_require_waiting(offer, verb, now)
    require_action(order, "counter", verb)
    note = note.strip()
    price = offer.unit_price if unit_price is None else unit_price
    finish = planned_finish or offer.planned_finish
    counter_validate(offer=offer, unit_price=price, planned_finish=finish, note=note)
    offer_require_within_probation(offer, unit_price=price)
    counter = Counter.objects.create(
        assignment=offer,
        unit_price=price,
        planned_finish=finish,
        offer_unit_price=offer.unit_price,
        offer_finish=offer.planned_finish,
        note=note,
        created_by=actor,
        expires_at=now + dt.timedelta(hours=settings.COUNTER_EXPIRY_HOURS),
    )
    offer.status = AssignmentStatus.COUNTERED
    offer.responded_at = now
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    # an answer: the run of expired offers is broken
    Factory.objects.filter(pk=offer.factory_id).update(expired_offers_in_a_row=0)
    params = {**_terms(offer, counter), "note": note}
    order_event_record(order=order, action="counter", actor=actor, params=params)
    notification_create(
        recipients=[order.seller],
        kind="counter_made",
        params={**params, "until": counter.expires_at.isoformat()},
        order_id=order.pk,
        exclude=actor,
    )
    return counter


def _waiting_counter(offer: Assignment, verb: str | Promise, now: dt.datetime) -> Counter:
    """The offer's counter-offer, or 409 unless it still waits for the seller."""
    counter = offer.counter_offer
    if offer.status != AssignmentStatus.COUNTERED or counter is None:
        raise Conflict(
            _("This offer is %(status)s, so no counter-offer of it can be %(verb)s.")
            % {"status": offer.get_status_display().lower(), "verb": verb},
            current=offer.status,
            allowed=(),
        )
    if counter.is_expired_at(now):
        raise Conflict(
            _("This counter-offer expired at %(when)s, so it cannot be %(verb)s.")
            % {"when": f"{timezone.localtime(counter.expires_at):%Y-%m-%d %H:%M}", "verb": verb},
            current="expired",
            allowed=(),
        )
    return counter


def _owner(offer: Assignment) -> User:
    return offer.factory.owner


@transaction.atomic
def counter_accept(*, assignment: Assignment, actor: User | None) -> Assignment:
    """The seller takes the counter-offer: the units are booked as in an accepted offer
    (409 when they no longer fit) and the part is accepted on the counter's terms."""
    now = timezone.now()
    offer, order = offer_lock(assignment.pk)
    counter = _waiting_counter(offer, pgettext_lazy("counter cannot be", "accepted"), now)
    offer_units_book(
        offer=offer,
        hint=_("Reject the counter-offer so the order is matched again."),
        allowed=("reject_counter",),
    )
    offer.status = AssignmentStatus.ACCEPTED
    offer.unit_price = counter.unit_price
    offer.planned_finish = counter.planned_finish
    offer.promised_finish = counter.planned_finish
    offer.save(
        update_fields=["status", "unit_price", "planned_finish", "promised_finish", "updated_at"]
    )
    counter.answered_at = now
    counter.save(update_fields=["answered_at"])
    params = _terms(offer, counter)
    order_part_accepted(
        order=order, actor=actor, actions=("accept_counter", "accept_counter"), params=params
    )
    notification_create(
        recipients=[_owner(offer)],
        kind="counter_accepted",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return offer


@transaction.atomic
def counter_reject(*, assignment: Assignment, actor: User | None, note: str = "") -> Assignment:
    """The seller leaves the counter-offer: the units are freed and the order is matched
    again, that factory included."""
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("At most %(count)s characters.") % {"count": NOTE_MAX_LENGTH}}
        )
    now = timezone.now()
    offer, order = offer_lock(assignment.pk)
    counter = _waiting_counter(offer, pgettext_lazy("counter cannot be", "rejected"), now)
    params = {**_terms(offer, counter), "note": note.strip()}
    _counter_close(offer, counter, AssignmentStatus.COUNTER_REJECTED, now)
    order_waits_again(
        order=order,
        actor=actor,
        params=params,
        actions=("reject_counter", "reject_counter"),
        kind="counter_lapsed",
    )
    notification_create(
        recipients=[_owner(offer)],
        kind="counter_rejected",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return offer


def _counter_close(offer: Assignment, counter: Counter, status: str, now: dt.datetime) -> None:
    offer.status = status
    offer.save(update_fields=["status", "updated_at"])
    counter.answered_at = now
    counter.save(update_fields=["answered_at"])
    capacity_window_release(window_id=offer.window_id, units=offer.quantity, offered=True)


def counters_expire(*, now: dt.datetime | None = None) -> int:
    """Expire every counter-offer past its time (periodic, with the offers). Returns how
    many expired."""
    now = now or timezone.now()
    due = Counter.objects.filter(
        assignment__status=AssignmentStatus.COUNTERED, expires_at__lte=now
    ).values_list("assignment_id", flat=True)
    return sum(counter_expire(assignment_id=pk, now=now) for pk in list(due))


@transaction.atomic
def counter_expire(*, assignment_id: int, now: dt.datetime) -> bool:
    """Expire one counter-offer if it still waits and its time is up (running twice is
    harmless): the order is matched again, that factory included; both sides are told."""
    if not Assignment.objects.filter(pk=assignment_id).exists():
        return False
    offer, order = offer_lock(assignment_id)
    counter = offer.counter_offer
    if offer.status != AssignmentStatus.COUNTERED or counter is None:
        return False
    if not counter.is_expired_at(now):
        return False
    params = {**_terms(offer, counter), "hours": f"{settings.COUNTER_EXPIRY_HOURS:g}"}
    _counter_close(offer, counter, AssignmentStatus.COUNTER_EXPIRED, now)
    order_waits_again(
        order=order,
        actor=None,
        params=params,
        actions=("expire_counter", "expire_counter"),
        kind="counter_lapsed",
    )
    notification_create(
        recipients=[_owner(offer)], kind="counter_expired", params=params, order_id=order.pk
    )
    return True
