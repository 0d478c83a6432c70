"""Row locks of the writes that touch several kinds of row, taken in one global order.

Two transactions that lock the same rows in opposite orders wait for each other for ever
(PostgreSQL then kills one: "deadlock detected"). Every write that locks more than one kind
of row therefore locks them in this order, skipping kinds it does not need but never going
back to an earlier kind; within a kind, rows are locked in id order:

1. the match run (``matching.MatchRun``) - only the run's own write locks it
2. orders (``orders.Order``)
3. assignments (``matching.Assignment``: offers and accepted parts) of those orders
4. factories (``factories.Factory``)
5. capabilities (``factories.FactoryCapability``)
6. capacity windows (``factories.CapacityWindow``) - ``capacity_window_book``/``hold``/
   ``release`` lock the window they change
7. delays (``production.Delay``) of those assignments
8. disputes (``production.Dispute``) of those assignments

The order is written here, in the core, as model labels (a label is not an import: the core
knows no app above it); each layer's helpers take the kinds it owns: ``matching/locks.py``
(orders with their assignments, an offer with its factory) and ``production/locks.py`` (a
delay with its part and order).

Who takes which (docs/architecture.md, "Locks"): the run's write 1, 2, 3, 4, 5, 6; an offer's
accept, decline and expiry, and a counter-offer's making, accept, reject and expiry 2, 3, 4, 6
(``offer_lock``; the counter row only under its assignment's lock); cancelling an order 2, 3, 6, 7
(matching withdraws the parts and frees their units, then production answers the pending
delays); a delay's answer 2, 3, 7 (``delay_lock``); a dispute's answer 2, 3, 8 and its
resolution 2, 3, 4, 8 (``dispute_lock``); moving a part to its standby factory 2, 3, 6, 7 and
keeping it 2, 3 (production/standby.py); milestones and delivery 2, 3; a
window's edit 4, 6. ``tests/matching/test_lock_order.py`` runs them at once on one order and
one window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)

# the global order, first to last ("app_label.ModelName")
LOCK_ORDER: tuple[str, ...] = (
    "matching.MatchRun",
    "orders.Order",
    "matching.Assignment",
    "factories.Factory",
    "factories.FactoryCapability",
    "factories.CapacityWindow",
    "production.Delay",
    "production.Dispute",
)


def rows_lock(
    model: type[ModelT], ids: Iterable[int], *, fields: Sequence[str] = ()
) -> dict[int, ModelT]:
    """Rows of one kind by id, locked until the transaction ends, in id order (``fields``:
    only those columns are read; the whole row is locked all the same)."""
    rows = (
        model._default_manager.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=set(ids))
        .order_by("pk")
    )
    if fields:
        rows = rows.only(*fields)
    return {row.pk: row for row in rows}
