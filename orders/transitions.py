"""The order state machine: every allowed change of an order's status, in one table.

Services change an order's status only through ``order_transition`` (one order) or
``order_transition_many`` (a match run's bulk write), which check this table and write an
``OrderEvent`` for each change. Anything that happens to an order without changing its
status (a milestone, a delay, a rating) is written with ``order_event_record``, so the
order's history is complete.

Who may act: ``seller`` (the order's seller), ``factory`` (the owner of a factory holding
one of its offers), ``system`` (match runs, expiry). Staff act for either side through the
admin with the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from marketplace.errors import Conflict
from marketplace.messages import Params
from marketplace.models import User
from orders.models import (
    EDITABLE_STATUSES,
    Order,
    OrderEvent,
    OrderKind,
    OrderStatus,
    SampleDecision,
)

S = OrderStatus


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    by: str  # seller, factory or system
    # past participle for messages: "This order is offered, so it cannot be <verb>."
    # (lazy: translated when the message is written)
    verb: str | Promise


TRANSITIONS: dict[str, Transition] = {
    "open": Transition((S.DRAFT,), S.OPEN, "seller", pgettext_lazy("order cannot be", "opened")),
    # a match run offered it to one or more factories
    "offer": Transition(
        (S.OPEN,), S.OFFERED, "system", pgettext_lazy("order cannot be", "offered")
    ),
    # an offer was declined, expired or could no longer stand: the order waits again
    "reopen": Transition(
        (S.OFFERED,), S.OPEN, "system", pgettext_lazy("order cannot be", "reopened")
    ),
    # the last of its offers was accepted
    "accept": Transition(
        (S.OFFERED,), S.ACCEPTED, "factory", pgettext_lazy("order cannot be", "accepted")
    ),
    # the seller took a factory's counter-offer (the last part waiting)
    "accept_counter": Transition(
        (S.OFFERED,),
        S.ACCEPTED,
        "seller",
        pgettext_lazy("order cannot be", "accepted on the counter-offer's terms"),
    ),
    # the seller said no to a counter-offer, or left it unanswered: the order waits again
    # (that factory may be offered it again)
    "reject_counter": Transition(
        (S.OFFERED,), S.OPEN, "seller", pgettext_lazy("order cannot be", "reopened")
    ),
    "expire_counter": Transition(
        (S.OFFERED,), S.OPEN, "system", pgettext_lazy("order cannot be", "reopened")
    ),
    # the offer for a part moved to a standby factory (production/standby.py) was declined
    # or expired: the quantity no accepted part covers is matched again
    "reopen_rest": Transition(
        (S.ACCEPTED, S.IN_PRODUCTION),
        S.OPEN,
        "system",
        pgettext_lazy("order cannot be", "reopened"),
    ),
    "start_production": Transition(
        (S.ACCEPTED,), S.IN_PRODUCTION, "factory", pgettext_lazy("order cannot be", "started")
    ),
    # the last of its parts was shipped
    "ship": Transition(
        (S.IN_PRODUCTION,), S.SHIPPED, "factory", pgettext_lazy("order cannot be", "shipped")
    ),
    "confirm_delivery": Transition(
        (S.SHIPPED,), S.DELIVERED, "seller", pgettext_lazy("order cannot be", "confirmed delivered")
    ),
    "cancel": Transition(
        (S.DRAFT, S.OPEN, S.OFFERED, S.ACCEPTED, S.IN_PRODUCTION),
        S.CANCELLED,
        "seller",
        pgettext_lazy("order cannot be", "cancelled"),
    ),
    # the seller would rather cancel than accept a factory's delay: no penalty
    "cancel_after_delay": Transition(
        (S.ACCEPTED, S.IN_PRODUCTION),
        S.CANCELLED,
        "seller",
        pgettext_lazy("order cannot be", "cancelled"),
    ),
}

# Actions that leave the status as it is, and the statuses they are allowed in.
ACTIONS_IN_PLACE: dict[str, tuple[str, ...]] = {
    "edit": EDITABLE_STATUSES,
    # a factory answers its offer with other terms (matching/counters.py)
    "counter": (S.OFFERED,),
    "delete": (S.DRAFT,),
    "post_milestone": (S.ACCEPTED, S.IN_PRODUCTION),
    "report_delay": (S.ACCEPTED, S.IN_PRODUCTION),
    "rate": (S.DELIVERED,),
    "approve_sample": (S.DELIVERED,),
    "reject_sample": (S.DELIVERED,),
    # a new order like this one (返单): a delivered bulk order or an approved sample
    "reorder": (S.DELIVERED,),
    # a complaint about a delivered part (production/disputes.py): opened by the seller up
    # to DISPUTE_WINDOW_DAYS after delivery, answered by the factory, decided by staff
    "open_dispute": (S.DELIVERED,),
    "answer_dispute": (S.DELIVERED,),
    "resolve_dispute": (S.DELIVERED,),
    # a part in trouble and its standby factory (production/standby.py): proposed by the
    # system, then moved there or kept by the seller
    "propose_standby": (S.ACCEPTED, S.IN_PRODUCTION),
    "switch_to_standby": (S.ACCEPTED, S.IN_PRODUCTION),
    "decline_standby": (S.ACCEPTED, S.IN_PRODUCTION),
}

# Order of actions in ``allowed_actions`` (what a user may do; system actions are left out).
ACTION_ORDER = (
    "edit",
    "open",
    "delete",
    "post_milestone",
    "report_delay",
    "confirm_delivery",
    "rate",
    "approve_sample",
    "reject_sample",
    "reorder",
    "open_dispute",
    "cancel",
)

# Cancelling from these statuses counts against the seller's reliability, unless the
# seller cancels in answer to a factory's delay.
COMMITTED_STATUSES = (S.ACCEPTED, S.IN_PRODUCTION)


def action_allowed(order: Order, action: str) -> bool:
    if action in TRANSITIONS:
        return order.status in TRANSITIONS[action].sources
    if action not in ACTIONS_IN_PLACE or order.status not in ACTIONS_IN_PLACE[action]:
        return False
    if action in ("approve_sample", "reject_sample"):
        return order.kind == OrderKind.SAMPLE and not order.sample_decision
    if action == "reorder":
        return order.kind == OrderKind.BULK or order.sample_decision == SampleDecision.APPROVED
    if action == "open_dispute":
        return dispute_window_open(order)
    return True


def dispute_deadline(order: Order) -> dt.date | None:
    """The last day the seller may open a dispute about the delivered order."""
    if order.delivered_at is None:
        return None
    delivered = timezone.localdate(order.delivered_at)
    return delivered + dt.timedelta(days=settings.DISPUTE_WINDOW_DAYS)


def dispute_window_open(order: Order) -> bool:
    deadline = dispute_deadline(order)
    return deadline is not None and timezone.localdate() <= deadline


def allowed_actions(order: Order) -> tuple[str, ...]:
    return tuple(action for action in ACTION_ORDER if action_allowed(order, action))


def not_allowed(order: Order, verb: str | Promise) -> Conflict:
    allowed = allowed_actions(order)
    return Conflict(
        _("This order is %(status)s, so it cannot be %(verb)s; allowed now: %(allowed)s.")
        % {
            "status": order.get_status_display().lower(),
            "verb": verb,
            "allowed": ", ".join(allowed) or _("nothing"),
        },
        current=order.status,
        allowed=allowed,
    )


def require_action(order: Order, action: str, verb: str | Promise) -> None:
    """409 unless ``action`` is allowed for the order now."""
    if not action_allowed(order, action):
        raise not_allowed(order, verb)


def order_event_record(
    *, order: Order, action: str, actor: User | None, params: Params | None = None
) -> OrderEvent:
    """A history line for something that did not change the order's status (``params``:
    what its text is rendered from, marketplace/messages.py)."""
    return OrderEvent.objects.create(
        order=order,
        actor=actor,
        action=action,
        from_status=order.status,
        to_status=order.status,
        params=params or {},
    )


def order_transition(
    *, order: Order, action: str, actor: User | None, params: Params | None = None
) -> OrderEvent:
    """Move a (locked) order along the table, or 409 naming what is allowed instead."""
    transition = TRANSITIONS[action]
    if order.status not in transition.sources:
        raise not_allowed(order, transition.verb)
    event = OrderEvent.objects.create(
        order=order,
        actor=actor,
        action=action,
        from_status=order.status,
        to_status=transition.target,
        params=params or {},
    )
    order.status = transition.target
    fields = ["status", "updated_at"]
    if action == "confirm_delivery":
        order.delivered_at = event.created_at
        fields.append("delivered_at")
    order.save(update_fields=fields)
    return event


def order_transition_many(
    *, order_ids: Iterable[int], action: str, params: Params | None = None, touch: bool = True
) -> list[int]:
    """A system transition of many (locked) orders at once: those in a source status move,
    each with its event. Returns the ids that moved. ``touch=False`` leaves updated_at
    alone (a match run's write keeps the version it read)."""
    transition = TRANSITIONS[action]
    moving = list(
        Order.objects.filter(pk__in=list(order_ids), status__in=transition.sources).values_list(
            "pk", "status"
        )
    )
    if not moving:
        return []
    ids = [pk for pk, _status in moving]
    changes: dict[str, object] = {"status": transition.target}
    if touch:
        changes["updated_at"] = timezone.now()
    Order.objects.filter(pk__in=ids).update(**changes)
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order_id=pk,
            action=action,
            from_status=status,
            to_status=transition.target,
            params=params or {},
        )
        for pk, status in moving
    )
    return ids
