"""Demo data: factories in China's manufacturing clusters, their idle capacity, and orders.

``demo_data_create`` plans everything with one ``random.Random(seed)`` (so a seed
always gives the same data, relative to today) and writes it through the
services, in one transaction, without queuing a match run per row.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from bench.geography import DESTINATIONS, MANUFACTURING_CITIES, ManufacturingCity
from factories.models import Factory
from factories.services import (
    capability_create,
    capacity_window_create,
    factory_create,
    factory_verify,
)
from marketplace.models import ProductCategory, Role, User
from marketplace.services import user_create
from orders.services import order_create

DEMO_PASSWORD = "demo-pass-2026"
STAFF_USERNAME = "staff"
# seed_demo treats the data as present when this user exists
MARKER_USERNAME = "seller01"
SELLER_COUNT = 20
FACTORIES_PER_OWNER = 3
ADMIN_URL = "http://127.0.0.1:8000/admin/"
API_URL = "http://127.0.0.1:8000/api/"

CENT = Decimal("0.01")
T = TypeVar("T")


class DemoDataError(Exception):
    """The database is not ready for demo data (not migrated, or names already taken)."""


# Ex-factory market price per unit (CNY) of each leaf category.
MARKET_PRICE: dict[str, Decimal] = {
    "t-shirts": Decimal("18"),
    "hoodies": Decimal("45"),
    "dresses": Decimal("60"),
    "jeans": Decimal("50"),
    "sportswear": Decimal("40"),
    "bedding": Decimal("120"),
    "towels": Decimal("12"),
    "curtains": Decimal("80"),
    "sneakers": Decimal("85"),
    "slippers": Decimal("10"),
    "leather-shoes": Decimal("110"),
    "backpacks": Decimal("45"),
    "handbags": Decimal("65"),
    "tote-bags": Decimal("8"),
    "phone-cases": Decimal("6"),
    "charging-cables": Decimal("5"),
    "earphone-cases": Decimal("4"),
    "ceramic-mugs": Decimal("9"),
    "storage-boxes": Decimal("15"),
    "kitchen-utensils": Decimal("12"),
}

# fmt: off
PRODUCTS: dict[str, tuple[str, ...]] = {
    "t-shirts": ("Cotton crew-neck T-shirt", "Oversized graphic tee", "Organic cotton T-shirt",
                 "Pique polo shirt"),
    "hoodies": ("Fleece pullover hoodie", "Zip-up hoodie", "Crew-neck sweatshirt"),
    "dresses": ("Floral midi dress", "Linen summer dress", "Knitted sweater dress",
                "Silk slip dress"),
    "jeans": ("Slim-fit stretch jeans", "Wide-leg denim", "Kids' denim jeans"),
    "sportswear": ("Yoga leggings", "Running shorts", "Tracksuit set", "Cycling jersey"),
    "bedding": ("Cotton duvet cover set", "Microfiber sheet set", "Silk pillowcase pair"),
    "towels": ("Bamboo bath towel", "Cotton hand towel", "Hotel face towel", "Beach towel"),
    "curtains": ("Blackout curtain panel", "Sheer voile curtain", "Linen-look curtain"),
    "sneakers": ("Canvas low-top sneaker", "Lightweight running shoe", "Chunky platform sneaker",
                 "Kids' light-up sneaker"),
    "slippers": ("EVA slide slipper", "Plush winter slipper", "Hotel slipper"),
    "leather-shoes": ("Men's oxford shoe", "Women's leather loafer", "Chelsea boot"),
    "backpacks": ("Laptop backpack", "School backpack", "Roll-top travel backpack"),
    "handbags": ("PU leather tote handbag", "Crossbody mini bag", "Woven straw handbag"),
    "tote-bags": ("Printed canvas tote", "Recycled cotton shopper", "Promotional tote bag"),
    "phone-cases": ("Clear TPU phone case", "Magnetic silicone case", "Shockproof phone case"),
    "charging-cables": ("Braided USB-C cable 1 m", "USB-C to Lightning cable",
                        "3-in-1 charging cable"),
    "earphone-cases": ("Silicone earbud case", "Leather earphone pouch", "Cartoon earbud cover"),
    "ceramic-mugs": ("Custom logo ceramic mug", "Matte glaze coffee mug", "Stoneware travel mug"),
    "storage-boxes": ("Foldable fabric storage box", "Stackable plastic bin",
                      "Bamboo drawer organizer"),
    "kitchen-utensils": ("Silicone spatula set", "Stainless steel ladle",
                         "Bamboo cooking utensil set"),
}
# fmt: on
VARIANTS = (
    "custom logo",
    "private label",
    "spring collection",
    "restock",
    "promo batch",
    "new colourway",
    "trial batch",
    "holiday edition",
    "export packing",
)
NOTES = (
    "",
    "",
    "",
    "",
    "Custom logo printing on every unit.",
    "Individual poly bags, 50 units per carton.",
    "Pre-production sample required before mass production.",
    "Recycled packaging preferred.",
    "Third-party inspection (SGS) before shipment.",
    "Barcode labels supplied by us.",
)

FACTORY_TYPE = {
    "apparel": "Garment",
    "textiles": "Home Textile",
    "shoes": "Footwear",
    "bags": "Bags & Luggage",
    "electronics-accessories": "Electronic Technology",
    "home-goods": "Household Products",
}
CERTIFICATIONS = {
    "apparel": ("BSCI", "OEKO-TEX Standard 100", "WRAP", "GRS", "Sedex"),
    "textiles": ("OEKO-TEX Standard 100", "GOTS", "BSCI"),
    "shoes": ("BSCI", "SATRA", "Sedex"),
    "bags": ("BSCI", "GRS", "Sedex"),
    "electronics-accessories": ("CE", "RoHS", "FCC", "REACH"),
    "home-goods": ("LFGB", "FDA food contact", "BSCI"),
}
# fmt: off
BRAND_HEADS = (
    "Xin", "Heng", "Jin", "Hua", "Yong", "Rui", "Tian", "Hong", "Lian", "Jia",
    "Ming", "Zhong", "Bao", "Sheng", "Fu", "Kai", "Long", "Mei", "Ding", "Hai",
)
BRAND_TAILS = (
    "hui", "da", "feng", "xing", "yuan", "tai", "fa", "he", "yang", "li",
    "teng", "chang", "cheng", "kang", "rong", "shun",
)
# fmt: on
OWNER_COMPANY_SUFFIXES = ("Industrial Group", "Manufacturing Co., Ltd.", "Holdings")
SELLER_COMPANIES = (
    "Blue Harbor Trading",
    "Lotus Lane E-commerce",
    "Northwind Apparel",
    "Red Lantern Home",
    "Summit Outdoor Supply",
    "Pearl River Goods",
    "Jade Garden Living",
    "Urban Thread Co.",
    "Silk Road Select",
    "Bamboo Leaf Store",
    "Golden Panda Retail",
    "Cloud Nine Kids",
    "Harbor Light Gifts",
    "Maple & Tea",
    "Evergreen Sports",
    "Moonlight Boutique",
    "Peak Performance Gear",
    "Happy Home Mart",
    "Starlight Accessories",
    "Riverbend Merch",
)


# --- Plans (pure Python: what to create) ---------------------------------------


@dataclass
class CapabilityPlan:
    slug: str
    unit_price: Decimal
    daily_output: int
    # (start, end, units_per_day)
    windows: list[tuple[dt.date, dt.date, int]]


@dataclass
class FactoryPlan:
    city: ManufacturingCity
    capabilities: list[CapabilityPlan]
    min_order_quantity: int
    max_order_quantity: int
    verified: bool
    active: bool
    quality_score: Decimal
    on_time_rate: Decimal
    owner_index: int = 0
    brand: str = ""
    name: str = ""
    description: str = ""
    certifications: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoLogin:
    what: str
    username: str
    note: str = ""


@dataclass
class DemoSummary:
    categories: int = 0
    cities: int = 0
    owners: int = 0
    factories: int = 0
    verified: int = 0
    active: int = 0
    capabilities: int = 0
    windows: int = 0
    window_units: int = 0
    sellers: int = 0
    orders: int = 0
    open_orders: int = 0
    drafts: int = 0
    rush: int = 0
    staff_created: bool = True
    logins: list[DemoLogin] = field(default_factory=list)


def _weighted(rng: random.Random, options: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(options, weights=weights, k=1)[0]


def _log_uniform(rng: random.Random, low: float, high: float, skew: float = 1.0) -> float:
    """low..high, uniform on a log scale; skew > 1 favours the low end."""
    return math.exp(math.log(low) + (math.log(high) - math.log(low)) * rng.random() ** skew)


def _round_to(value: float, step: int) -> int:
    return max(step, int(round(value / step)) * step)


def _price(market: Decimal, rng: random.Random, spread: float) -> Decimal:
    factor = Decimal(str(rng.uniform(1 - spread, 1 + spread)))
    return max(CENT, (market * factor).quantize(CENT))


def _pick_distinct(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    pool = dict(weights)
    picked: list[str] = []
    while pool and len(picked) < k:
        slug = _weighted(rng, list(pool), list(pool.values()))
        picked.append(slug)
        del pool[slug]
    return picked


def _plan_windows(
    rng: random.Random, today: dt.date, daily_output: int
) -> list[tuple[dt.date, dt.date, int]]:
    """1-3 non-overlapping windows, 4-8 weeks in total, starting within two weeks."""
    count = rng.choice((1, 2, 2, 3))
    total_days = rng.randint(28, 56)
    lengths = [7] * count
    for _ in range(total_days - 7 * count):
        lengths[rng.randrange(count)] += 1
    windows = []
    start = today + dt.timedelta(days=rng.randint(1, 14))
    for length in lengths:
        end = start + dt.timedelta(days=length - 1)
        units = min(daily_output, _round_to(daily_output * rng.uniform(0.3, 1.0), 10))
        windows.append((start, end, units))
        start = end + dt.timedelta(days=rng.randint(2, 10))
    return windows


def _plan_factories(
    rng: random.Random, count: int, parents: dict[str, str], today: dt.date
) -> list[FactoryPlan]:
    cities = list(MANUFACTURING_CITIES)
    # every city once (as far as the count goes), then by weight
    chosen = cities[:count] + rng.choices(
        cities, weights=[c.weight for c in cities], k=max(0, count - len(cities))
    )
    plans = []
    for city in chosen:
        slugs = _pick_distinct(rng, dict(city.specialities), rng.choices((1, 2, 3), (3, 5, 2))[0])
        capabilities = []
        for slug in slugs:
            daily_output = _round_to(_log_uniform(rng, 100, 3000), 10)
            capabilities.append(
                CapabilityPlan(
                    slug=slug,
                    unit_price=_price(MARKET_PRICE[slug], rng, 0.30),
                    daily_output=daily_output,
                    windows=_plan_windows(rng, today, daily_output),
                )
            )
        plans.append(
            FactoryPlan(
                city=city,
                capabilities=capabilities,
                min_order_quantity=rng.choice((50, 100, 100, 200, 300, 500)),
                max_order_quantity=_round_to(_log_uniform(rng, 20_000, 200_000), 1000),
                verified=rng.random() < 0.90,
                active=rng.random() < 0.95,
                quality_score=Decimal(str(rng.uniform(3.5, 5.0))).quantize(CENT),
                on_time_rate=Decimal(str(rng.uniform(0.80, 0.99))).quantize(Decimal("0.001")),
            )
        )
    # owners run a few plants each, in neighbouring cities
    plans.sort(key=lambda p: (p.city.province, p.city.name))
    owners = max(1, math.ceil(count / FACTORIES_PER_OWNER))
    shuffled = [head + tail for head in BRAND_HEADS for tail in BRAND_TAILS]
    rng.shuffle(shuffled)
    brands = [
        shuffled[n % len(shuffled)] + (f" {n // len(shuffled) + 1}" if n >= len(shuffled) else "")
        for n in range(owners)
    ]
    used: Counter[str] = Counter()
    for index, plan in enumerate(plans):
        plan.owner_index = index * owners // count
        plan.brand = brands[plan.owner_index]
        group = parents[plan.capabilities[0].slug]
        kind = "Ceramics" if plan.capabilities[0].slug == "ceramic-mugs" else FACTORY_TYPE[group]
        base = f"{plan.city.name} {plan.brand} {kind}"
        used[base] += 1
        plan.name = f"{base} Co., Ltd." + (f" (Plant {used[base]})" if used[base] > 1 else "")
        makes = ", ".join(PRODUCTS[c.slug][0].lower() + "s" for c in plan.capabilities)
        plan.description = (
            f"{kind} maker in {plan.city.name}, {plan.city.province}. Makes {makes}. "
            f"{rng.randint(40, 800)} workers, OEM and ODM, {rng.randint(3, 30)} years in business."
        )
        pool = sorted(
            {"ISO 9001"}.union(*(CERTIFICATIONS[parents[c.slug]] for c in plan.capabilities))
        )
        plan.certifications = sorted(rng.sample(pool, rng.randint(0, min(3, len(pool)))))
    return plans


# --- Writing -------------------------------------------------------------------


# small orders that may share a lot with others to reach a factory's minimum (拼单)
POOLING_BELOW = 500
POOLING_SHARE = 0.5


def demo_data_present() -> bool:
    return User.objects.filter(username=MARKER_USERNAME).exists()


def demo_logins(*, factory_owner: str = "owner01") -> list[DemoLogin]:
    owned = Factory.objects.filter(owner__username=factory_owner).count()
    return [
        DemoLogin("Admin (staff)", STAFF_USERNAME, f"at {ADMIN_URL}"),
        DemoLogin("Factory owner", factory_owner, f"owns {owned} factories; API at {API_URL}"),
        DemoLogin("Seller", MARKER_USERNAME, f"posts orders; API at {API_URL}"),
    ]


def _leaf_categories() -> dict[str, ProductCategory]:
    found = {
        c.slug: c
        for c in ProductCategory.objects.select_related("parent").filter(slug__in=MARKET_PRICE)
    }
    missing = sorted(set(MARKET_PRICE) - set(found))
    if missing:
        raise DemoDataError(
            f"Product categories missing: {', '.join(missing)}. They are created by the "
            "migration marketplace.0002_seed_categories; run `manage.py migrate` first."
        )
    return found


def _username(prefix: str, n: int) -> str:
    return f"{prefix}{n:02d}"


def demo_data_create(*, seed: int = 2026, factories: int = 60, orders: int = 400) -> DemoSummary:
    """Create the demo data (the caller checks ``demo_data_present()`` first)."""
    if factories < 1 or orders < 0:
        raise DemoDataError("Need at least one factory and a non-negative number of orders.")
    categories = _leaf_categories()
    parents = {slug: c.parent.slug if c.parent else slug for slug, c in categories.items()}
    rng = random.Random(seed)
    today = timezone.localdate()
    factory_plans = _plan_factories(rng, factories, parents, today)
    owner_count = factory_plans[-1].owner_index + 1

    usernames = [_username("owner", n + 1) for n in range(owner_count)]
    usernames += [_username("seller", n + 1) for n in range(SELLER_COUNT)]
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise DemoDataError(
            f"Demo usernames already taken: {', '.join(taken)} (but {MARKER_USERNAME} is not); "
            "use a fresh database."
        )

    # A run per row is not wanted: the services that have no request_match switch
    # (capability_create, factory_verify) ask for runs only when this is on.
    with override_settings(MATCHING_AUTO_RUN_ON_CHANGE=False), transaction.atomic():
        return _write(rng, today, categories, parents, factory_plans, owner_count, orders)


def _write(
    rng: random.Random,
    today: dt.date,
    categories: dict[str, ProductCategory],
    parents: dict[str, str],
    factory_plans: list[FactoryPlan],
    owner_count: int,
    order_count: int,
) -> DemoSummary:
    summary = DemoSummary()
    created_users: list[User] = []

    def new_user(username: str, role: str, company: str, *, is_superuser: bool = False) -> User:
        # password None: hashing one password 40 times would take seconds, so all
        # demo users get the same hash below
        user = user_create(
            username=username,
            password=None,  # type: ignore[arg-type]
            role=role,
            email=f"{username}@example.com",
            company_name=company,
            is_superuser=is_superuser,
        )
        created_users.append(user)
        return user

    staff = User.objects.filter(username=STAFF_USERNAME).first()
    summary.staff_created = staff is None
    if staff is None:
        new_user(STAFF_USERNAME, Role.STAFF, "Marketplace operations", is_superuser=True)

    owners = []
    for n in range(owner_count):
        brand = next(p.brand for p in factory_plans if p.owner_index == n)
        company = f"{brand} {rng.choice(OWNER_COMPANY_SUFFIXES)}"
        owners.append(new_user(_username("owner", n + 1), Role.FACTORY_OWNER, company))

    groups = sorted(set(parents.values()))
    sellers = []
    seller_focus: list[list[str]] = []
    for n in range(SELLER_COUNT):
        company = SELLER_COMPANIES[n % len(SELLER_COMPANIES)]
        sellers.append(new_user(_username("seller", n + 1), Role.SELLER, company))
        seller_focus.append(rng.sample(groups, rng.choice((1, 2, 2))))

    User.objects.filter(pk__in=[u.pk for u in created_users]).update(
        password=make_password(DEMO_PASSWORD)
    )

    supply: Counter[str] = Counter()
    verified_ids: list[int] = []
    stats: list[Factory] = []
    for plan in factory_plans:
        factory = factory_create(
            owner=owners[plan.owner_index],
            name=plan.name,
            city=plan.city.name,
            province=plan.city.province,
            latitude=plan.city.latitude,
            longitude=plan.city.longitude,
            description=plan.description,
            min_order_quantity=plan.min_order_quantity,
            max_order_quantity=plan.max_order_quantity,
            certifications=plan.certifications,
            active=plan.active,
        )
        for capability in plan.capabilities:
            category = categories[capability.slug]
            capability_create(
                factory=factory,
                category=category,
                unit_price=capability.unit_price,
                daily_output=capability.daily_output,
            )
            supply[capability.slug] += 1
            summary.capabilities += 1
            for start, end, units_per_day in capability.windows:
                window = capacity_window_create(
                    factory=factory,
                    category=category,
                    start_date=start,
                    end_date=end,
                    units_per_day=units_per_day,
                    request_match=False,
                )
                summary.windows += 1
                summary.window_units += window.total_units
        if plan.verified:
            verified_ids.append(factory.pk)
        summary.active += plan.active
        factory.quality_score, factory.on_time_rate = plan.quality_score, plan.on_time_rate
        stats.append(factory)

    factory_verify(factories=Factory.objects.filter(pk__in=verified_ids))
    # Quality and punctuality come from order history (no service sets them yet):
    # demo factories get a plausible record directly.
    Factory.objects.bulk_update(stats, ["quality_score", "on_time_rate"])
    # ... and have traded long enough to be past probation, except the last one: a new
    # factory whose owner's dashboard shows its limits (factories/probation.py)
    Factory.objects.filter(pk__in=[f.pk for f in stats[:-1]]).update(
        probation_ended_at=timezone.now()
    )

    slugs = sorted(categories)
    # its own stream, so the rest of the demo is drawn as before pooling existed
    pooling_rng = random.Random(len(factory_plans) * 7919 + order_count)
    destinations = [d for d, _ in DESTINATIONS]
    destination_weights = [w for _, w in DESTINATIONS]
    for _ in range(order_count):
        n = rng.randrange(SELLER_COUNT)
        focus = seller_focus[n]
        pool = [s for s in slugs if parents[s] in focus] if rng.random() < 0.75 else slugs
        slug = _weighted(rng, pool, [supply[s] + 0.3 for s in pool])
        quantity = _log_uniform(rng, 50, 20_000, skew=1.6)
        step = 10 if quantity < 200 else 50 if quantity < 2000 else 500
        too_soon = rng.random() < 0.06
        destination = _weighted(rng, destinations, destination_weights)
        rush = rng.random() < 0.15
        draft = rng.random() < 0.03
        quantity = min(20_000, _round_to(quantity, step))
        # big batches may often be shared by several factories, in lots of a quarter
        splittable = quantity >= 2000 and rng.random() < 0.3
        order_create(
            seller=sellers[n],
            title=f"{rng.choice(PRODUCTS[slug])}, {rng.choice(VARIANTS)}",
            category=categories[slug],
            quantity=quantity,
            max_unit_price=_price(MARKET_PRICE[slug], rng, 0.40),
            due_date=today
            + dt.timedelta(days=rng.randint(2, 4) if too_soon else rng.randint(5, 60)),
            ship_to_city=destination.name,
            ship_to_latitude=destination.latitude,
            ship_to_longitude=destination.longitude,
            notes=rng.choice(NOTES),
            priority="rush" if rush else "normal",
            allow_split=splittable,
            min_lot_quantity=quantity // 4 if splittable else 1,
            allows_pooling=quantity < POOLING_BELOW and pooling_rng.random() < POOLING_SHARE,
            draft=draft,
            request_match=False,
        )
        summary.orders += 1
        summary.rush += rush
        summary.drafts += draft

    summary.categories = len(categories)
    summary.cities = len({p.city.name for p in factory_plans})
    summary.owners = len(owners)
    summary.factories = len(factory_plans)
    summary.verified = len(verified_ids)
    summary.sellers = len(sellers)
    summary.open_orders = summary.orders - summary.drafts
    summary.logins = demo_logins(factory_owner=owners[0].username)
    return summary
