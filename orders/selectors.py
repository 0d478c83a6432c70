"""Reads for orders, scoped to their seller."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from marketplace.models import User
from orders.models import Order, OrderEvent, OrderStatus
from orders.transitions import COMMITTED_STATUSES


def order_list(*, seller: User) -> QuerySet[Order]:
    return Order.objects.filter(seller_id=seller.pk).select_related("category")


@dataclass(frozen=True)
class SellerReliability:
    """How often a seller kept orders a factory had accepted (shown on offers)."""

    accepted_orders: int
    cancelled_after_acceptance: int

    @property
    def percent(self) -> int | None:
        """Share of accepted orders not cancelled by the seller; None without a record."""
        if not self.accepted_orders:
            return None
        kept = self.accepted_orders - self.cancelled_after_acceptance
        return round(100 * kept / self.accepted_orders)


def seller_reliability(*, seller_ids: Iterable[int]) -> dict[int, SellerReliability]:
    """Per seller: orders that reached acceptance, and those the seller then cancelled
    (a cancellation in answer to a factory's delay does not count)."""
    ids = list(set(seller_ids))
    accepted = dict(
        OrderEvent.objects.filter(order__seller_id__in=ids, to_status=OrderStatus.ACCEPTED)
        .values("order__seller_id")
        .annotate(n=Count("order_id", distinct=True))
        .values_list("order__seller_id", "n")
    )
    cancelled = dict(
        OrderEvent.objects.filter(
            order__seller_id__in=ids, action="cancel", from_status__in=COMMITTED_STATUSES
        )
        .values("order__seller_id")
        .annotate(n=Count("order_id", distinct=True))
        .values_list("order__seller_id", "n")
    )
    return {
        seller_id: SellerReliability(accepted.get(seller_id, 0), cancelled.get(seller_id, 0))
        for seller_id in ids
    }


def order_history(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor")
