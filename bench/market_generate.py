"""A realistic synthetic marketplace for the ``market`` benchmark, as a ``MatchingProblem``.

Pure Python (no Django), deterministic for a seed. The shape follows the demo data
(``demo/data.py``): factories sit in China's manufacturing clusters and make what
their city is known for, sellers ship to the big cities, prices spread around a market
price per category. At benchmark scale the 20 demo categories are refined into product
lines (``t-shirts-3`` is a third kind of T-shirt, with its own market price), so that a
marketplace with 2,000 factories has about 200 categories, and their popularity is long
tailed (Zipf): a few product lines get most of the orders and most of the factories.

What is generated (see docs/benchmarks-market.md for the numbers):

- categories: ``max(20, factories // 10)`` product lines; popularity ``1 / rank**0.9``;
- factories: a city by cluster weight, 1-3 capabilities among the product lines of the
  city's specialities (chosen by popularity), unit price 0.75-1.30 x the market price,
  daily output 100-3,000, order quantity range like the demo; 8% unverified, 4% inactive;
- windows: 1-3 per capability over the W weeks from the first production date, 7-21 days
  each at 30-100% of the daily output; a quarter of them already carry booked work (one
  earlier offer from the window's first day);
- orders: a category by popularity, 50-20,000 units (log-uniform, skewed to small),
  maximum unit price 0.70-1.45 x the market price, due 1-8 weeks out (rush orders, 10%,
  due in 1-3 weeks), shipped to a big city, waiting 0-60 days; 30% of the orders of
  1,000 units or more may be split, in lots of 10-50% of the order.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from bench.geography import DESTINATIONS, MANUFACTURING_CITIES, City, ManufacturingCity
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    SolverParams,
    WindowData,
)

T = TypeVar("T")

# Dates are relative to this day unless the caller passes another (the database bench
# passes today), so that a seed always gives the same instance.
DEFAULT_TODAY = dt.date(2026, 3, 2)
ZIPF_EXPONENT = 0.9
FACTORIES_PER_CATEGORY = 10
RUSH_SHARE = 0.10
BOOKED_WINDOW_SHARE = 0.25
UNVERIFIED_SHARE = 0.08
INACTIVE_SHARE = 0.04
# orders of at least SPLIT_FROM units allow splitting with this probability
SPLIT_FROM = 1000
SPLIT_SHARE = 0.3


# fmt: off
# Ex-factory market price per unit (CNY) of each demo category, and its product lines.
DEMO_CATEGORIES: dict[str, tuple[Decimal, tuple[str, ...]]] = {
    "t-shirts": (Decimal("18"), ("Cotton crew-neck T-shirt", "Oversized graphic tee",
                                 "Organic cotton T-shirt", "Pique polo shirt")),
    "hoodies": (Decimal("45"), ("Fleece pullover hoodie", "Zip-up hoodie",
                                "Crew-neck sweatshirt")),
    "dresses": (Decimal("60"), ("Floral midi dress", "Linen summer dress",
                                "Knitted sweater dress", "Silk slip dress")),
    "jeans": (Decimal("50"), ("Slim-fit stretch jeans", "Wide-leg denim", "Kids' denim jeans")),
    "sportswear": (Decimal("40"), ("Yoga leggings", "Running shorts", "Tracksuit set",
                                   "Cycling jersey")),
    "bedding": (Decimal("120"), ("Cotton duvet cover set", "Microfiber sheet set",
                                 "Silk pillowcase pair")),
    "towels": (Decimal("12"), ("Bamboo bath towel", "Cotton hand towel", "Hotel face towel",
                               "Beach towel")),
    "curtains": (Decimal("80"), ("Blackout curtain panel", "Sheer voile curtain",
                                 "Linen-look curtain")),
    "sneakers": (Decimal("85"), ("Canvas low-top sneaker", "Lightweight running shoe",
                                 "Chunky platform sneaker", "Kids' light-up sneaker")),
    "slippers": (Decimal("10"), ("EVA slide slipper", "Plush winter slipper", "Hotel slipper")),
    "leather-shoes": (Decimal("110"), ("Men's oxford shoe", "Women's leather loafer",
                                       "Chelsea boot")),
    "backpacks": (Decimal("45"), ("Laptop backpack", "School backpack",
                                  "Roll-top travel backpack")),
    "handbags": (Decimal("65"), ("PU leather tote handbag", "Crossbody mini bag",
                                 "Woven straw handbag")),
    "tote-bags": (Decimal("8"), ("Printed canvas tote", "Recycled cotton shopper",
                                 "Promotional tote bag")),
    "phone-cases": (Decimal("6"), ("Clear TPU phone case", "Magnetic silicone case",
                                   "Shockproof phone case")),
    "charging-cables": (Decimal("5"), ("Braided USB-C cable 1 m", "USB-C to Lightning cable",
                                       "3-in-1 charging cable")),
    "earphone-cases": (Decimal("4"), ("Silicone earbud case", "Leather earphone pouch",
                                      "Cartoon earbud cover")),
    "ceramic-mugs": (Decimal("9"), ("Custom logo ceramic mug", "Matte glaze coffee mug",
                                    "Stoneware travel mug")),
    "storage-boxes": (Decimal("15"), ("Foldable fabric storage box", "Stackable plastic bin",
                                      "Bamboo drawer organizer")),
    "kitchen-utensils": (Decimal("12"), ("Silicone spatula set", "Stainless steel ladle",
                                         "Bamboo cooking utensil set")),
}
# fmt: on


@dataclass(frozen=True)
class MarketCategory:
    """One product line: a refinement of a demo category with its own market price."""

    id: int
    slug: str
    name: str
    demo_slug: str
    market_price_fen: int
    # share of the orders (all categories sum to 1)
    popularity: float


@dataclass(frozen=True)
class MarketConfig:
    orders: int
    factories: int
    weeks: int = 8
    seed: int = 0
    # None: max(20, factories // 10)
    categories: int | None = None
    today: dt.date = DEFAULT_TODAY
    # production starts this many days after today (settings.MATCHING_LEAD_DAYS)
    lead_days: int = 1
    time_limit_seconds: float = 20.0
    workers: int = 2

    @property
    def category_count(self) -> int:
        if self.categories is not None:
            return max(1, self.categories)
        return max(20, self.factories // FACTORIES_PER_CATEGORY)


@dataclass(frozen=True)
class GeneratedMarket:
    config: MarketConfig
    problem: MatchingProblem
    categories: tuple[MarketCategory, ...]
    # factory id -> its city; order id -> where it ships to (for the database rows)
    factory_cities: dict[int, ManufacturingCity]
    order_destinations: dict[int, City]
    # factory id -> quality score on the database's 0..5 scale (problem holds round(x*20))
    factory_quality: dict[int, Decimal]


def _log_uniform(rng: random.Random, low: float, high: float, skew: float = 1.0) -> float:
    """low..high, uniform on a log scale; skew > 1 favours the low end."""
    return math.exp(math.log(low) + (math.log(high) - math.log(low)) * rng.random() ** skew)


def _round_to(value: float, step: int) -> int:
    return max(step, int(round(value / step)) * step)


def _fen(cny: Decimal) -> int:
    return int(cny * 100)


def _pick_distinct(
    rng: random.Random, options: Sequence[T], weights: Sequence[float], k: int
) -> list[T]:
    pool = list(zip(options, weights, strict=True))
    picked: list[T] = []
    while pool and len(picked) < k:
        index = rng.choices(range(len(pool)), weights=[w for _, w in pool], k=1)[0]
        picked.append(pool.pop(index)[0])
    return picked


def make_categories(rng: random.Random, count: int) -> list[MarketCategory]:
    """``count`` product lines, round-robin over the demo categories; Zipf popularity by a
    random rank, so the popular lines are spread over the demo categories."""
    demo_slugs = sorted(DEMO_CATEGORIES)
    rounds = -(-count // len(demo_slugs))
    lines: list[tuple[str, int]] = []
    for round_index in range(rounds):
        order = list(demo_slugs)
        rng.shuffle(order)
        lines.extend((slug, round_index) for slug in order)
    lines = lines[:count]
    ranks = list(range(count))
    rng.shuffle(ranks)
    weights = [1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in ranks]
    total = sum(weights)
    categories = []
    for index, ((slug, round_index), weight) in enumerate(zip(lines, weights, strict=True)):
        market, products = DEMO_CATEGORIES[slug]
        product = products[round_index % len(products)]
        series = round_index // len(products)
        name = product if series == 0 else f"{product}, series {series + 1}"
        factor = 1.0 if round_index == 0 else math.exp(rng.gauss(0.0, 0.25))
        categories.append(
            MarketCategory(
                id=index + 1,
                slug=f"{slug}-{round_index + 1}",
                name=name,
                demo_slug=slug,
                market_price_fen=max(1, round(_fen(market) * factor)),
                popularity=weight / total,
            )
        )
    return categories


def _windows(
    rng: random.Random,
    first_day: dt.date,
    horizon_days: int,
    daily_output: int,
) -> list[tuple[dt.date, dt.date, int]]:
    """1-3 non-overlapping windows of 7-21 days within the horizon."""
    count = rng.choice((1, 2, 2, 3))
    day = rng.randint(0, max(0, horizon_days // 3))
    windows = []
    for _ in range(count):
        length = rng.randint(7, 21)
        if day >= horizon_days:
            break
        end = min(day + length, horizon_days) - 1
        units = min(daily_output, _round_to(daily_output * rng.uniform(0.3, 1.0), 10))
        windows.append(
            (first_day + dt.timedelta(days=day), first_day + dt.timedelta(days=end), units)
        )
        day = end + 1 + rng.randint(2, 14)
    return windows


def generate_market(config: MarketConfig) -> GeneratedMarket:
    """The instance of ``config``: the same seed and sizes always give the same problem."""
    if config.orders < 0 or config.factories < 1 or config.weeks < 1:
        raise ValueError("need orders >= 0, factories >= 1 and weeks >= 1")
    rng = random.Random(config.seed)
    categories = make_categories(rng, config.category_count)
    by_demo: dict[str, list[MarketCategory]] = {}
    for category in categories:
        by_demo.setdefault(category.demo_slug, []).append(category)
    first_day = config.today + dt.timedelta(days=config.lead_days)
    horizon_days = 7 * config.weeks

    factories: list[FactoryData] = []
    windows: list[WindowData] = []
    factory_cities: dict[int, ManufacturingCity] = {}
    factory_quality: dict[int, Decimal] = {}
    city_weights = [city.weight for city in MANUFACTURING_CITIES]
    for factory_id in range(1, config.factories + 1):
        city = rng.choices(MANUFACTURING_CITIES, weights=city_weights, k=1)[0]
        options = [
            (category, weight)
            for slug, weight in city.specialities
            for category in by_demo.get(slug, [])
        ]
        picked = _pick_distinct(
            rng,
            [category for category, _ in options],
            [category.popularity * weight for category, weight in options],
            rng.choices((1, 2, 3), weights=(5, 4, 1), k=1)[0],
        )
        capabilities = []
        for category in picked:
            price = max(1, round(category.market_price_fen * rng.uniform(0.75, 1.30)))
            daily_output = _round_to(_log_uniform(rng, 100, 3000), 10)
            capabilities.append(Capability(category.id, price, daily_output))
            for start, end, units_per_day in _windows(rng, first_day, horizon_days, daily_output):
                days = (end - start).days + 1
                total = units_per_day * days
                commitments: tuple[Commitment, ...] = ()
                if rng.random() < BOOKED_WINDOW_SHARE:
                    booked_days = rng.randint(1, max(1, days // 2))
                    units = max(1, int(units_per_day * booked_days * rng.uniform(0.5, 1.0)))
                    commitments = (
                        Commitment(start, start + dt.timedelta(days=booked_days - 1), units),
                    )
                windows.append(
                    WindowData(
                        id=len(windows) + 1,
                        factory_id=factory_id,
                        category_id=category.id,
                        start_date=start,
                        end_date=end,
                        units_per_day=units_per_day,
                        remaining_units=total - sum(c.units for c in commitments),
                        commitments=commitments,
                    )
                )
        quality = Decimal(rng.randint(350, 500)) / 100
        factories.append(
            FactoryData(
                id=factory_id,
                latitude=city.latitude,
                longitude=city.longitude,
                min_order_quantity=rng.choice((50, 100, 100, 200, 300, 500)),
                max_order_quantity=_round_to(_log_uniform(rng, 20_000, 200_000), 1000),
                capabilities=tuple(capabilities),
                active=rng.random() >= INACTIVE_SHARE,
                verified=rng.random() >= UNVERIFIED_SHARE,
                # as Factory.quality_percent computes it from the 0..5 score
                quality_score=round(float(quality) * 20),
            )
        )
        factory_cities[factory_id] = city
        factory_quality[factory_id] = quality

    orders: list[OrderData] = []
    order_destinations: dict[int, City] = {}
    destinations = [city for city, _ in DESTINATIONS]
    destination_weights = [weight for _, weight in DESTINATIONS]
    popularity = [category.popularity for category in categories]
    chosen_categories = rng.choices(categories, weights=popularity, k=config.orders)
    for order_id, category in enumerate(chosen_categories, start=1):
        quantity = _log_uniform(rng, 50, 20_000, skew=1.6)
        step = 10 if quantity < 200 else 50 if quantity < 2000 else 500
        quantity = min(20_000, _round_to(quantity, step))
        rush = rng.random() < RUSH_SHARE
        due_in = rng.randint(7, 21) if rush else rng.randint(7, 56)
        destination = rng.choices(destinations, weights=destination_weights, k=1)[0]
        split = quantity >= SPLIT_FROM and rng.random() < SPLIT_SHARE
        lot = min(quantity, _round_to(quantity * rng.uniform(0.1, 0.5), 50)) if split else 1
        orders.append(
            OrderData(
                id=order_id,
                category_id=category.id,
                quantity=quantity,
                max_unit_price_fen=max(
                    1, round(category.market_price_fen * rng.uniform(0.70, 1.45))
                ),
                due_date=config.today + dt.timedelta(days=due_in),
                latitude=destination.latitude,
                longitude=destination.longitude,
                priority=Priority.RUSH if rush else Priority.NORMAL,
                age_days=min(60, int(rng.expovariate(1 / 7))),
                allow_split=split,
                min_lot_quantity=lot,
            )
        )
        order_destinations[order_id] = destination

    problem = MatchingProblem(
        first_production_date=first_day,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        solver=SolverParams(
            time_limit_seconds=config.time_limit_seconds,
            workers=config.workers,
            random_seed=config.seed,
        ),
    )
    return GeneratedMarket(
        config=config,
        problem=problem,
        categories=tuple(categories),
        factory_cities=factory_cities,
        order_destinations=order_destinations,
        factory_quality=factory_quality,
    )
