"""A marketplace with a first user of each role who owns one of everything (the victims),
and a second user of the role under test (the attacker) who owns their own rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.utils import timezone

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import Notification, ProductCategory, Role, User
from matching.models import (
    Assignment,
    AssignmentStatus,
    MatchRun,
    PriceGuidance,
    WhatIf,
    WhatIfKind,
)
from orders.models import OrderKind
from production import services as production
from production.models import Delay, StandbySwitch
from shops.models import Replenishment, Sale, ShopConnection, Sku
from shops.services import shop_connection_create, sku_create, sku_replenish
from tests.builders import (
    make_assignment,
    make_factory,
    make_order,
    make_run,
    make_user,
    make_window,
)

ROLES = (Role.SELLER, Role.FACTORY_OWNER, Role.STAFF)


@dataclass
class World:
    victim_owner: User
    victim_seller: User
    factory: Factory
    capability: FactoryCapability
    window: CapacityWindow
    offer: Assignment  # proposed, waiting for the victim owner's answer
    part: Assignment  # accepted, with a milestone and a pending delay
    delay: Delay
    sample: Any  # the victim seller's sample order
    notifications: list[Notification]
    run: MatchRun
    what_if: WhatIf
    attacker: User
    shop: ShopConnection | None = None  # the victim seller's shop, its SKU, a sale, a draft
    sku: Sku | None = None
    sale: Sale | None = None
    replenishment: Replenishment | None = None
    guidance: PriceGuidance | None = None  # the latest run's advice on the victim's window
    standby: StandbySwitch | None = None  # a standby factory proposed for the victim's part
    own: dict[str, Any] = field(default_factory=dict)  # the attacker's own rows

    @property
    def victim_orders(self) -> set[int]:
        return {self.offer.order_id, self.part.order_id, self.sample.pk}


def _notify(user: User, title: str) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="test", params={"text_title": title, "text": title}
    )


def build_world(attacker_role: str) -> World:
    victim_owner = make_user(Role.FACTORY_OWNER)
    victim_seller = make_user(Role.SELLER)
    factory = make_factory(victim_owner)
    window = make_window(factory, units_per_day=200)
    offer = make_assignment(make_order(victim_seller, quantity=300), window)
    part = make_assignment(
        make_order(victim_seller, quantity=300), window, status=AssignmentStatus.ACCEPTED
    )
    production.milestone_post(part=part, actor=victim_owner, kind="materials_ready")
    delay = production.delay_report(
        part=part,
        actor=victim_owner,
        new_finish=part.planned_finish + dt.timedelta(days=3),
        reason="Dye shortage",
    )
    world = World(
        victim_owner=victim_owner,
        victim_seller=victim_seller,
        factory=factory,
        capability=factory.capabilities.get(),
        window=window,
        offer=offer,
        part=part,
        delay=delay,
        sample=make_order(victim_seller, kind=OrderKind.SAMPLE, quantity=50),
        notifications=[_notify(victim_seller, "Seller's own"), _notify(victim_owner, "Owner's")],
        run=make_run(),
        what_if=WhatIf.objects.create(
            kind=WhatIfKind.PRICE_CHANGE, parameters={"factory": factory.pk, "percent": 5}
        ),
        attacker=make_user(attacker_role),
    )
    world.own["notification"] = _notify(world.attacker, "Attacker's own")
    world.guidance = _guidance(world.run, window)
    standby_window = make_window(make_factory(), units_per_day=200)
    world.standby = StandbySwitch.objects.create(
        part=part,
        trigger="delay_past_due",
        trigger_date=delay.new_finish,
        window=standby_window,
        factory=standby_window.factory,
        quantity=part.quantity,
        unit_price=Decimal("10.00"),
        planned_finish=standby_window.end_date,
    )
    _add_shop(world)
    if attacker_role == Role.FACTORY_OWNER:
        own_factory = make_factory(world.attacker)
        own_window = make_window(own_factory)
        world.own |= {
            "factory": own_factory,
            "window": own_window,
            "capability": own_factory.capabilities.get(),
            "offer": make_assignment(make_order(quantity=100), own_window),
            "guidance": _guidance(world.run, own_window),
        }
    elif attacker_role == Role.SELLER:
        own_order = make_order(world.attacker, quantity=100)
        own_shop = shop_connection_create(seller=world.attacker, name="Own", platform="generic")
        world.own |= {
            "order": own_order,
            "assignment": make_assignment(own_order, make_window(make_factory())),
            "shop": own_shop,
            "sku": _sku(world.attacker, world.capability.category),
        }
    return world


def _guidance(run: MatchRun, window: CapacityWindow) -> PriceGuidance:
    return PriceGuidance.objects.create(
        run=run,
        factory=window.factory,
        window=window,
        current_unit_price=Decimal("10.00"),
        idle_units=1000,
        unit_price=Decimal("9.00"),
        orders=1,
        units=500,
        order_ids=[],
    )


def _sku(seller: User, category: ProductCategory) -> Sku:
    return sku_create(
        seller=seller,
        code="TEE",
        title="Tee",
        category=category,
        max_unit_price=Decimal("12.00"),
        ship_to_city="Hangzhou",
        ship_to_latitude=30.27,
        ship_to_longitude=120.15,
        stock_on_hand=10,
    )


def _add_shop(world: World) -> None:
    """The victim seller's shop with a SKU about to run out, its sales and its draft."""
    shop = shop_connection_create(seller=world.victim_seller, name="Victim's", platform="generic")
    sku = _sku(world.victim_seller, world.capability.category)
    world.sale = Sale.objects.create(
        connection=shop,
        platform_order_id="V1",
        sku_code=sku.code,
        quantity=5,
        sold_at=timezone.now() - dt.timedelta(hours=1),
    )
    world.shop, world.sku = shop, sku
    world.replenishment = sku_replenish(sku=sku, today=timezone.localdate())


SNAPSHOT_MODELS = (
    "marketplace.User",
    "marketplace.Notification",
    "factories.Factory",
    "factories.FactoryCapability",
    "factories.CapacityWindow",
    "orders.Order",
    "orders.OrderEvent",
    "production.Milestone",
    "production.Delay",
    "production.Dispute",
    "production.DisputePhoto",
    "production.StandbySwitch",
    "matching.Assignment",
    "matching.MatchRun",
    "shops.ShopConnection",
    "shops.Sku",
    "shops.Sale",
    "shops.WebhookDelivery",
    "shops.Replenishment",
)


def snapshot() -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of the tables an API call could change."""
    return {
        label: {row["id"]: row for row in apps.get_model(label).objects.values()}
        for label in SNAPSHOT_MODELS
    }
