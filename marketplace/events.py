"""Domain events: a lower layer says what happened, the layers above do the work it causes.

An app never imports an app above it (docs/architecture.md, "Layers"); when a change in
``orders`` or ``factories`` must cause work in ``matching``, the lower app sends one of these
signals and the upper app's ``AppConfig.ready`` connects the handler. Signals run their
handlers synchronously, in the sender's transaction: a handler that must wait for the commit
(a Celery task) registers it with ``transaction.on_commit`` itself; a handler that refuses the
change raises (``ValidationError``, ``Conflict``) and the sender's transaction rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from django.db import models
from django.dispatch import Signal

from marketplace.models import User

# Open orders or free capacity changed, so a match run may place more. Sent by order and
# window writes; matching queues a run (on commit, after MATCHING_EVENT_DELAY_SECONDS).
matching_input_changed = Signal()

# An order is being cancelled, inside the cancel's transaction (kwargs: ``order``). Matching
# withdraws its offers and accepted parts and frees their units; production then answers the
# delays that waited (the seller cancelled instead of accepting them). Each handler returns
# a ``CancelEffects``.
order_cancelled = Signal()


@dataclass(frozen=True)
class CancelEffects:
    """What a cancellation did above the orders layer."""

    told: list[User] = field(default_factory=list)  # to be told (they lost work)
    answered_delay: bool = False  # the cancel answers a delay the factory reported


def order_cancelled_send(*, order: models.Model) -> CancelEffects:
    """Send ``order_cancelled``; what its handlers did, together."""
    answers = order_cancelled.send(sender=type(order), order=order)
    effects = [cast("CancelEffects", effect) for _receiver, effect in answers]
    return CancelEffects(
        told=[user for effect in effects for user in effect.told],
        answered_delay=any(effect.answered_delay for effect in effects),
    )


# An order is about to be edited (kwargs: ``order``), inside the edit's transaction. Matching
# raises ``Conflict`` when factories accepted parts of it (the seller cancels instead).
order_changing = Signal()

# A capacity window is about to change its days or units per day (kwargs: ``window``,
# ``start_date``, ``end_date``, ``units_per_day``), inside the edit's transaction. Matching
# raises ``ValidationError`` when accepted work could no longer be made on its planned days.
capacity_window_changing = Signal()
