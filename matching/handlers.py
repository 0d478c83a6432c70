"""Matching's handlers of the domain events the layers below send (marketplace/events.py),
connected in ``MatchingConfig.ready``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from factories.models import CapacityWindow
from marketplace.errors import Conflict
from marketplace.events import CancelEffects
from matching.models import AssignmentStatus
from matching.offers import assignment_withdraw_for_order
from matching.runs import match_run_request_on_change
from matching.selectors import window_commitments
from matching.solver.problem import WindowData
from matching.solver.schedule import late_commitments
from orders.models import Order


def on_matching_input_changed(**kwargs: Any) -> None:
    """Orders or capacity changed: a run looks at them soon (queued on commit)."""
    match_run_request_on_change()


def on_order_changing(*, order: Order, **kwargs: Any) -> None:
    """An order with accepted parts cannot be edited; the seller cancels it instead."""
    if order.assignments.filter(status=AssignmentStatus.ACCEPTED).exists():
        raise Conflict(
            _(
                "Factories have accepted parts of this order, so it cannot be edited; cancel "
                "it instead."
            ),
            current=order.status,
            allowed=("cancel",),
        )


def on_order_cancelled(*, order: Order, **kwargs: Any) -> CancelEffects:
    """Withdraw the cancelled order's offers and parts, freeing their units; the factory
    owners who lost work are told by the cancel."""
    withdrawn = assignment_withdraw_for_order(order=order)
    return CancelEffects(told=[part.factory.owner for part in withdrawn])


def on_capacity_window_changing(
    *,
    window: CapacityWindow,
    start_date: dt.date,
    end_date: dt.date,
    units_per_day: int,
    **kwargs: Any,
) -> None:
    """Accepted orders in the window must still be produced on their planned days.
    (Unanswered offers do not hold the owner to anything: one that no longer fits cannot
    be accepted, and the next match run moves it.)"""
    changed = WindowData(
        id=window.pk,
        factory_id=window.factory_id,
        category_id=window.category_id,
        start_date=start_date,
        end_date=end_date,
        units_per_day=units_per_day,
        remaining_units=0,
        commitments=window_commitments(window_id=window.pk),
    )
    late = late_commitments(changed)
    if late:
        raise ValidationError(
            {
                "units_per_day": _(
                    "%(count)s accepted order(s) in this window would no longer be made on their "
                    "planned days; keep at least the current capacity on those days."
                )
                % {"count": len(late)}
            }
        )
