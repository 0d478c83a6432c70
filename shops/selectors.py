"""Reads of the shops app: each SKU's demand and stock-out day, the lead time to plan it by,
and a seller's connections, SKUs, sales and drafted orders."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Min, QuerySet, Sum
from django.utils import timezone

from factories.models import FactoryCapability
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import OrderStatus
from shops.models import Replenishment, Sale, ShopConnection, Sku

# a drafted order in one of these states is still the SKU's replenishment under way
UNDER_WAY = (
    OrderStatus.DRAFT,
    OrderStatus.OPEN,
    OrderStatus.OFFERED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PRODUCTION,
)


@dataclass(frozen=True)
class Demand:
    units_per_day: Decimal  # sold a day over the recent days
    stock_left: int  # stock counted less the units sold since
    stock_out_on: dt.date | None  # the day the stock runs out at that rate (None: no sales)


def _sales_of(sku: Sku) -> QuerySet[Sale]:
    return Sale.objects.filter(connection__seller_id=sku.seller_id, sku_code=sku.code)


def sku_demand(*, sku: Sku, today: dt.date) -> Demand:
    """Units sold a day over the last ``SHOP_DEMAND_DAYS`` days (or since the first sale, at
    least ``SHOP_DEMAND_MIN_DAYS``), the stock left and the day it runs out."""
    now = timezone.now()
    sales = _sales_of(sku)
    since = now - dt.timedelta(days=settings.SHOP_DEMAND_DAYS)
    recent = sales.filter(sold_at__gte=since).aggregate(units=Sum("quantity"), first=Min("sold_at"))
    units = recent["units"] or 0
    first = recent["first"]
    days = settings.SHOP_DEMAND_DAYS
    if first is not None:
        days = max(min(days, (now - first).days + 1), settings.SHOP_DEMAND_MIN_DAYS)
    rate = (Decimal(units) / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sold = sales.filter(sold_at__gte=sku.stock_counted_at).aggregate(units=Sum("quantity"))
    left = sku.stock_on_hand - (sold["units"] or 0)
    if rate <= 0:
        return Demand(rate, left, None)
    return Demand(rate, left, today + dt.timedelta(days=max(int(left / rate), 0)))


def sku_lead_p90_days(*, sku: Sku) -> int:
    """The P90 lead time to plan the SKU by: that of the factory that made the order it is made
    like, else the middle of the category's learned figures, else ``SHOP_DEFAULT_LEAD_DAYS``."""
    if sku.made_like is not None:
        factory = (
            Assignment.objects.filter(order=sku.made_like, status=AssignmentStatus.ACCEPTED)
            .values_list("factory_id", flat=True)
            .first()
        )
        if factory is not None:
            own = FactoryCapability.objects.filter(
                factory_id=factory, category_id=sku.category_id, lead_p90_days__isnull=False
            ).values_list("lead_p90_days", flat=True)
            first = own.first()
            if first is not None:
                return first
    learned = [
        days
        for days in FactoryCapability.objects.filter(
            category_id=sku.category_id, lead_p90_days__isnull=False
        ).values_list("lead_p90_days", flat=True)
        if days is not None
    ]
    if learned:
        return statistics.median_high(learned)
    return int(settings.SHOP_DEFAULT_LEAD_DAYS)


def sku_waiting_replenishment(*, sku: Sku) -> Replenishment | None:
    return (
        Replenishment.objects.filter(sku=sku, order__status__in=UNDER_WAY).order_by("-pk").first()
    )


def shop_connection_list(*, seller: User) -> QuerySet[ShopConnection]:
    return ShopConnection.objects.filter(seller_id=seller.pk)


def sku_list(*, seller: User) -> QuerySet[Sku]:
    return Sku.objects.filter(seller_id=seller.pk).select_related("category")


def sale_list(*, seller: User) -> QuerySet[Sale]:
    return Sale.objects.filter(connection__seller_id=seller.pk).select_related("connection")


def replenishment_list(*, seller: User) -> QuerySet[Replenishment]:
    return Replenishment.objects.filter(sku__seller_id=seller.pk).select_related("sku", "order")
