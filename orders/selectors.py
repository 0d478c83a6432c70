"""Reads for orders, scoped to their seller."""

from __future__ import annotations

from django.db.models import QuerySet

from marketplace.models import User
from orders.models import Order


def order_list(*, seller: User) -> QuerySet[Order]:
    return Order.objects.filter(seller_id=seller.pk).select_related("category")
