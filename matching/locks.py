"""Matching's row locks, in the global order of ``marketplace/locks.py``: an order with its
assignments (2, 3), and an offer about to be answered with its order, the order's other
parts and its factory (2, 3, 4)."""

from __future__ import annotations

from factories.models import Factory
from marketplace.locks import rows_lock
from matching.models import Assignment
from orders.models import Order


def assignment_order_id(assignment_id: int) -> int:
    """The order of an assignment, read without a lock: an assignment never changes order."""
    return Assignment.objects.values_list("order_id", flat=True).get(pk=assignment_id)


def order_parts_lock(order_id: int) -> tuple[Order, dict[int, Assignment]]:
    """An order and all its assignments (2, 3)."""
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
    global order (2, 3, 4). Windows are locked after, by the window services."""
    order, parts = order_parts_lock(assignment_order_id(offer_id))
    offer = parts[offer_id]
    rows_lock(Factory, [offer.factory_id])
    return offer, order
