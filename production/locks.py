"""Production's row locks, in the global order of ``marketplace/locks.py``: delays come
last, after the part and the order they belong to."""

from __future__ import annotations

from factories.models import Factory
from marketplace.locks import rows_lock
from matching.locks import assignment_order_id
from matching.models import Assignment
from orders.models import Order
from production.models import Delay, Dispute


def part_lock(part_id: int) -> tuple[Assignment, Order]:
    """An accepted part and its order (2, 3), for milestones, ratings and delivery."""
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=assignment_order_id(part_id)
    )
    part = (
        Assignment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("factory__owner")
        .get(pk=part_id)
    )
    return part, order


def delay_lock(delay_id: int) -> tuple[Delay, Assignment, Order]:
    """A delay about to be answered, with its part and order (2, 3, 7)."""
    assignment_id = Delay.objects.values_list("assignment_id", flat=True).get(pk=delay_id)
    part, order = part_lock(assignment_id)
    delay = Delay.objects.select_for_update(no_key=True, of=("self",)).get(pk=delay_id)
    return delay, part, order


def dispute_lock(
    dispute_id: int, *, with_factory: bool = False
) -> tuple[Dispute, Assignment, Order]:
    """A dispute about to be answered or resolved, with its part and order (2, 3, 8), and
    the part's factory (4) when its scores and probation will change."""
    assignment_id = Dispute.objects.values_list("assignment_id", flat=True).get(pk=dispute_id)
    part, order = part_lock(assignment_id)
    if with_factory:
        rows_lock(Factory, [part.factory_id])
    dispute = Dispute.objects.select_for_update(no_key=True, of=("self",)).get(pk=dispute_id)
    return dispute, part, order
