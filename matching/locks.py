"""Row locks of the writes that touch several kinds of row, taken in one global order.

Two transactions that lock the same rows in opposite orders wait for each other for ever
(PostgreSQL then kills one: "deadlock detected"). Every write that locks more than one kind
of row therefore locks them in this order, skipping kinds it does not need but never going
back to an earlier kind; within a kind, rows are locked in id order:

1. the match run (``MatchRun``) - only the run's own write locks it
2. orders (``Order``)
3. delays (``Delay``) of those orders
4. assignments (``Assignment``: offers and accepted parts) of those orders
5. factories (``Factory``)
6. capabilities (``FactoryCapability``)
7. capacity windows (``CapacityWindow``) - ``capacity_window_book``/``hold``/``release``
   lock the window they change

Who takes which (docs/architecture.md, "Locks"): the run's write 1, 2, 4, 5, 6, 7; an offer's
accept, decline and expiry 2, 4, 5, 7 (``offer_lock``); cancelling an order 2, 3, 4, 7; a
delay's answer 2, 3, 4 (``delay_lock``); milestones and delivery 2, 4; a window's edit 5, 7.
``tests/matching/test_lock_order.py`` runs them at once on one order and one window.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

from factories.models import CapacityWindow, Factory, FactoryCapability
from matching.models import Assignment, MatchRun
from orders.models import Delay, Order

ModelT = TypeVar("ModelT", bound=models.Model)

# the global order, first to last
LOCK_ORDER: tuple[type[models.Model], ...] = (
    MatchRun,
    Order,
    Delay,
    Assignment,
    Factory,
    FactoryCapability,
    CapacityWindow,
)


def rows_lock(model: type[ModelT], ids: Iterable[int]) -> dict[int, ModelT]:
    """Rows of one kind by id, locked until the transaction ends, in id order."""
    rows = (
        model._default_manager.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=set(ids))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def _order_id_of(assignment_id: int) -> int:
    # an assignment never changes order: reading it unlocked is safe
    return Assignment.objects.values_list("order_id", flat=True).get(pk=assignment_id)


def order_parts_lock(order_id: int) -> tuple[Order, dict[int, Assignment]]:
    """An order and all its assignments (2, 4)."""
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(pk=order_id)
    parts = (
        Assignment.objects.select_for_update(no_key=True, of=("self",))
        .filter(order_id=order_id)
        .order_by("pk")
    )
    return order, {part.pk: part for part in parts.select_related("factory__owner")}


def offer_lock(offer_id: int) -> tuple[Assignment, Order]:
    """An offer about to be answered or expired: its order, every part of the order (the
    other offers it may withdraw) and the factory (whose expiry count it changes), in the
    global order (2, 4, 5). Windows are locked after, by the window services."""
    order, parts = order_parts_lock(_order_id_of(offer_id))
    offer = parts[offer_id]
    rows_lock(Factory, [offer.factory_id])
    return offer, order


def delay_lock(delay_id: int) -> tuple[Delay, Assignment, Order]:
    """A delay about to be answered, with its part and order (2, 3, 4)."""
    assignment_id = Delay.objects.values_list("assignment_id", flat=True).get(pk=delay_id)
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=_order_id_of(assignment_id)
    )
    delay = Delay.objects.select_for_update(no_key=True, of=("self",)).get(pk=delay_id)
    part = (
        Assignment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("factory__owner")
        .get(pk=assignment_id)
    )
    return delay, part, order
