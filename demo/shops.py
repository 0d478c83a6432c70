"""A demo shop (``seed_demo --lifecycle``): the first seller's Tmall store with four weeks of
sales of two SKUs, one of them about to run out, so the shops page has an order drafted for
approval. The sales are written as rows (as if received); the shop, the SKUs and the draft
through the shops' services."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from marketplace.models import ProductCategory, User
from shops.models import Platform, Sale
from shops.services import replenishments_propose, shop_connection_create, sku_create

# code, title, units sold a day (mean), stock on hand
SKUS = (
    ("TEE-WHITE-M", "白色圆领T恤 M码", 40, 100),
    ("TEE-BLACK-L", "黑色圆领T恤 L码", 15, 4_000),
)
DEMAND_DAYS = 28


def demo_shop_create(*, seller: User, category: ProductCategory, seed: int = 2026) -> int:
    """The shop, its sales and SKUs; returns how many orders were drafted."""
    rng = random.Random(seed)
    shop = shop_connection_create(seller=seller, name="天猫旗舰店", platform=Platform.SHOPIFY)
    now = timezone.now()
    sales = []
    for day in range(DEMAND_DAYS, 0, -1):
        for code, _title, per_day, _stock in SKUS:
            units = max(0, round(rng.gauss(per_day, per_day / 4)))
            if units:
                sales.append(
                    Sale(
                        connection=shop,
                        platform_order_id=f"TM{now:%y%m}{day:02d}{code[-1]}{rng.randint(0, 99999)}",
                        sku_code=code,
                        quantity=units,
                        sold_at=now - dt.timedelta(days=day, hours=rng.randint(0, 12)),
                    )
                )
    Sale.objects.bulk_create(sales, ignore_conflicts=True)
    for code, title, _per_day, stock in SKUS:
        sku_create(
            seller=seller,
            code=code,
            title=title,
            category=category,
            max_unit_price=Decimal("18.00"),
            ship_to_city="杭州",
            ship_to_latitude=30.2741,
            ship_to_longitude=120.1551,
            lot_size=100,
            stock_on_hand=stock,
        )
    return replenishments_propose(seller=seller)
