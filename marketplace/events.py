"""Domain events: a lower layer says what happened, the layers above do the work it causes.

An app never imports an app above it (docs/architecture.md, "Layers"); when a change in
``orders`` or ``factories`` must cause work in ``matching``, the lower app sends one of these
signals and the upper app's ``AppConfig.ready`` connects the handler. Signals run their
handlers synchronously, in the sender's transaction: a handler that must wait for the commit
(a Celery task) registers it with ``transaction.on_commit`` itself; a handler that refuses the
change raises (``ValidationError``, ``Conflict``) and the sender's transaction rolls back.
"""

from __future__ import annotations

from typing import cast

from django.db import models
from django.dispatch import Signal

from marketplace.models import User

# Open orders or free capacity changed, so a match run may place more. Sent by order and
# window writes; matching queues a run (on commit, after MATCHING_EVENT_DELAY_SECONDS).
matching_input_changed = Signal()

# An order is being cancelled, inside the cancel's transaction (kwargs: ``order``). Matching
# withdraws its offers and accepted parts and frees their units; each handler returns the
# users to tell (the owners of the factories that lost work).
order_cancelled = Signal()


def order_cancelled_send(*, order: models.Model) -> list[User]:
    """Send ``order_cancelled``; the users its handlers name, to be told."""
    answers = order_cancelled.send(sender=type(order), order=order)
    return [user for _receiver, users in answers for user in cast("list[User]", users)]


# An order is about to be edited (kwargs: ``order``), inside the edit's transaction. Matching
# raises ``Conflict`` when factories accepted parts of it (the seller cancels instead).
order_changing = Signal()

# A capacity window is about to change its days or units per day (kwargs: ``window``,
# ``start_date``, ``end_date``, ``units_per_day``), inside the edit's transaction. Matching
# raises ``ValidationError`` when accepted work could no longer be made on its planned days.
capacity_window_changing = Signal()
