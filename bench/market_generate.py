"""A realistic synthetic marketplace for the ``market`` benchmark, as a ``MatchingProblem``.

No Django; numpy draws every column at once (``numpy.random.Generator``, one stream each
for categories, factories and orders, so the factories of a seed do not depend on the number
of orders), and only the problem's own dataclasses are built per row: a million orders x
50,000 factories take well under a minute. Deterministic for a seed. The shape follows the demo data
(``demo/data.py``): factories sit in China's manufacturing clusters and make what
their city is known for, sellers ship to the big cities, prices spread around a market
price per category. At benchmark scale the 20 demo categories are refined into product
lines (``t-shirts-3`` is a third kind of T-shirt, with its own market price), so that a
marketplace with 2,000 factories has about 200 categories, and their popularity is long
tailed (Zipf): a few product lines get most of the orders and most of the factories.

What is generated (see docs/benchmarks.md ("Marketplace") for the numbers):

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

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

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
# factories per chunk when drawing capabilities (bounds the Gumbel-key matrix)
PICK_CHUNK = 4096

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


def _log_uniform(
    rng: np.random.Generator, low: float, high: float, size: int, skew: float = 1.0
) -> FloatArray:
    """low..high, uniform on a log scale; skew > 1 favours the low end."""
    u = rng.random(size) ** skew
    result: FloatArray = np.exp(math.log(low) + (math.log(high) - math.log(low)) * u)
    return result


def _round_to(value: FloatArray, step: int | IntArray) -> IntArray:
    """Nearest multiple of ``step`` (half to even, as Python's round), at least ``step``."""
    result: IntArray = np.maximum(step, np.round(value / step).astype(np.int64) * step)
    return result


def _fen(cny: Decimal) -> int:
    return int(cny * 100)


def make_categories(rng: np.random.Generator, count: int) -> list[MarketCategory]:
    """``count`` product lines, round-robin over the demo categories; Zipf popularity by a
    random rank, so the popular lines are spread over the demo categories."""
    demo_slugs = sorted(DEMO_CATEGORIES)
    rounds = -(-count // len(demo_slugs))
    lines: list[tuple[str, int]] = []
    for round_index in range(rounds):
        order = rng.permutation(len(demo_slugs)).tolist()
        lines.extend((demo_slugs[i], round_index) for i in order)
    lines = lines[:count]
    ranks = rng.permutation(count)
    weights = 1.0 / (ranks + 1.0) ** ZIPF_EXPONENT
    popularity = (weights / weights.sum()).tolist()
    factors = np.exp(rng.normal(0.0, 0.25, size=count)).tolist()
    categories = []
    for index, (slug, round_index) in enumerate(lines):
        market, products = DEMO_CATEGORIES[slug]
        product = products[round_index % len(products)]
        series = round_index // len(products)
        name = product if series == 0 else f"{product}, series {series + 1}"
        factor = 1.0 if round_index == 0 else factors[index]
        categories.append(
            MarketCategory(
                id=index + 1,
                slug=f"{slug}-{round_index + 1}",
                name=name,
                demo_slug=slug,
                market_price_fen=max(1, round(_fen(market) * factor)),
                popularity=popularity[index],
            )
        )
    return categories


def _pick_capabilities(
    rng: np.random.Generator,
    city_of: IntArray,
    categories: list[MarketCategory],
) -> tuple[IntArray, IntArray]:
    """1-3 distinct product lines per factory (1: 50%, 2: 40%, 3: 10%) among its city's
    specialities, drawn without replacement with weight popularity x how typical the
    speciality is there. Gumbel top-k: the k largest of log(weight) + Gumbel noise are a
    draw without replacement, one pick after the other, by weight.

    Returns (factory index, category index) per capability, factory by factory, each
    factory's lines in the order drawn."""
    by_demo: dict[str, list[int]] = {}
    for index, category in enumerate(categories):
        by_demo.setdefault(category.demo_slug, []).append(index)
    wanted = rng.choice(np.array([1, 2, 3]), size=len(city_of), p=[0.5, 0.4, 0.1])
    factories: list[IntArray] = []
    picked: list[IntArray] = []
    ranks: list[IntArray] = []
    for city_index, city in enumerate(MANUFACTURING_CITIES):
        options = np.array(
            [i for slug, _ in city.specialities for i in by_demo.get(slug, [])], dtype=np.int64
        )
        if not len(options):
            continue
        log_weights = np.log(
            np.array(
                [
                    categories[i].popularity * weight
                    for slug, weight in city.specialities
                    for i in by_demo.get(slug, [])
                ]
            )
        )
        here = np.flatnonzero(city_of == city_index)
        top = min(3, len(options))
        for start in range(0, len(here), PICK_CHUNK):
            rows = here[start : start + PICK_CHUNK]
            keys = log_weights + rng.gumbel(size=(len(rows), len(options)))
            best = np.argpartition(-keys, top - 1, axis=1)[:, :top]
            best = np.take_along_axis(
                best, np.argsort(-np.take_along_axis(keys, best, axis=1), axis=1), axis=1
            )
            rank = np.broadcast_to(np.arange(top), best.shape)
            keep = rank < wanted[rows][:, None]
            factories.append(np.broadcast_to(rows[:, None], best.shape)[keep])
            picked.append(options[best[keep]])
            ranks.append(rank[keep])
    factory = np.concatenate(factories)
    order = np.lexsort((np.concatenate(ranks), factory))
    return factory[order], np.concatenate(picked)[order]


def _windows(
    rng: np.random.Generator, daily_output: IntArray, horizon_days: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """1-3 non-overlapping windows of 7-21 days within the horizon per capability (1: 25%,
    2: 50%, 3: 25%), the first starting in the first third, 2-14 days between two, each at
    30-100% of the daily output (a multiple of 10).

    Returns (capability index, first day, last day, units per day) per window, capability
    by capability, in order of time."""
    n = len(daily_output)
    count = rng.choice(np.array([1, 2, 2, 3]), size=n)
    day = rng.integers(0, max(0, horizon_days // 3) + 1, size=n)
    alive = np.ones(n, dtype=np.bool_)
    columns: list[tuple[IntArray, IntArray, IntArray, IntArray, IntArray]] = []
    for slot in range(3):
        length = rng.integers(7, 22, size=n)
        share = rng.uniform(0.3, 1.0, size=n)
        gap = rng.integers(2, 15, size=n)
        alive &= (slot < count) & (day < horizon_days)
        end = np.minimum(day + length, horizon_days) - 1
        units = np.minimum(daily_output, _round_to(daily_output * share, 10))
        rows = np.flatnonzero(alive)
        columns.append((rows, np.full(len(rows), slot), day[rows], end[rows], units[rows]))
        day = end + 1 + gap
    capability, slots, first, last, per_day = (
        np.concatenate([c[i] for c in columns]) for i in range(5)
    )
    order = np.lexsort((slots, capability))
    return capability[order], first[order], last[order], per_day[order]


def generate_market(config: MarketConfig) -> GeneratedMarket:
    """The instance of ``config``: the same seed and sizes always give the same problem."""
    if config.orders < 0 or config.factories < 1 or config.weeks < 1:
        raise ValueError("need orders >= 0, factories >= 1 and weeks >= 1")
    category_rng, factory_rng, order_rng = (
        np.random.Generator(np.random.PCG64(s))
        for s in np.random.SeedSequence(config.seed).spawn(3)
    )
    categories = make_categories(category_rng, config.category_count)
    first_day = config.today + dt.timedelta(days=config.lead_days)
    horizon_days = 7 * config.weeks
    factories, windows, factory_cities, factory_quality = _factories(
        factory_rng, config.factories, categories, first_day, horizon_days
    )
    orders, order_destinations = _orders(order_rng, config, categories)
    problem = MatchingProblem(
        first_production_date=first_day,
        orders=orders,
        factories=factories,
        windows=windows,
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


def _factories(
    rng: np.random.Generator,
    count: int,
    categories: list[MarketCategory],
    first_day: dt.date,
    horizon_days: int,
) -> tuple[
    tuple[FactoryData, ...],
    tuple[WindowData, ...],
    dict[int, ManufacturingCity],
    dict[int, Decimal],
]:
    """Factories in the manufacturing cities by weight, their capabilities and windows."""
    city_weights = np.array([city.weight for city in MANUFACTURING_CITIES], dtype=np.float64)
    city_of = rng.choice(len(MANUFACTURING_CITIES), size=count, p=city_weights / city_weights.sum())
    cap_factory, cap_category = _pick_capabilities(rng, city_of, categories)
    market = np.array([c.market_price_fen for c in categories], dtype=np.float64)
    cap_price = np.maximum(
        1, np.round(market[cap_category] * rng.uniform(0.75, 1.30, len(cap_factory)))
    ).astype(np.int64)
    cap_daily = _round_to(_log_uniform(rng, 100, 3000, len(cap_factory)), 10)
    w_cap, w_first, w_last, w_per_day = _windows(rng, cap_daily, horizon_days)
    n_windows = len(w_cap)
    w_days = w_last - w_first + 1
    booked = rng.random(n_windows) < BOOKED_WINDOW_SHARE
    booked_days = rng.integers(1, np.maximum(1, w_days // 2) + 1)
    booked_units = np.maximum(
        1, (w_per_day * booked_days * rng.uniform(0.5, 1.0, n_windows)).astype(np.int64)
    )
    booked_units = np.where(booked, booked_units, 0)
    quality = rng.integers(350, 501, size=count)
    min_quantity = rng.choice(np.array([50, 100, 100, 200, 300, 500]), size=count)
    max_quantity = _round_to(_log_uniform(rng, 20_000, 200_000, count), 1000)
    active = rng.random(count) >= INACTIVE_SHARE
    verified = rng.random(count) >= UNVERIFIED_SHARE

    days = [first_day + dt.timedelta(days=d) for d in range(horizon_days + 1)]
    category_id = [c.id for c in categories]
    owner = (cap_factory + 1).tolist()
    cap_category_id = [category_id[c] for c in cap_category.tolist()]
    capabilities: list[list[Capability]] = [[] for _ in range(count)]
    for f, c, price, daily in zip(
        cap_factory.tolist(),
        cap_category.tolist(),
        cap_price.tolist(),
        cap_daily.tolist(),
        strict=True,
    ):
        capabilities[f].append(Capability(category_id[c], price, daily))
    windows = tuple(
        WindowData(
            id=index + 1,
            factory_id=owner[cap],
            category_id=cap_category_id[cap],
            start_date=days[start],
            end_date=days[last],
            units_per_day=per_day,
            remaining_units=per_day * (last - start + 1) - units,
            commitments=(Commitment(days[start], days[start + booked_for - 1], units),)
            if units
            else (),
        )
        for index, (cap, start, last, per_day, units, booked_for) in enumerate(
            zip(
                *(
                    a.tolist()
                    for a in (w_cap, w_first, w_last, w_per_day, booked_units, booked_days)
                ),
                strict=True,
            )
        )
    )
    factory_cities: dict[int, ManufacturingCity] = {}
    factory_quality: dict[int, Decimal] = {}
    factories = []
    for index, (city, score, low, high, is_active, is_verified) in enumerate(
        zip(
            city_of.tolist(),
            quality.tolist(),
            min_quantity.tolist(),
            max_quantity.tolist(),
            active.tolist(),
            verified.tolist(),
            strict=True,
        )
    ):
        where = MANUFACTURING_CITIES[city]
        factories.append(
            FactoryData(
                id=index + 1,
                latitude=where.latitude,
                longitude=where.longitude,
                min_order_quantity=low,
                max_order_quantity=high,
                capabilities=tuple(capabilities[index]),
                active=is_active,
                verified=is_verified,
                # as Factory.quality_percent computes it from the 0..5 score
                quality_score=round(score / 5),
            )
        )
        factory_cities[index + 1] = where
        factory_quality[index + 1] = Decimal(score) / 100
    return tuple(factories), windows, factory_cities, factory_quality


def _orders(
    rng: np.random.Generator, config: MarketConfig, categories: list[MarketCategory]
) -> tuple[tuple[OrderData, ...], dict[int, City]]:
    """Orders of categories by popularity, shipped to the big cities by weight."""
    n = config.orders
    popularity = np.array([c.popularity for c in categories], dtype=np.float64)
    category = rng.choice(len(categories), size=n, p=popularity / popularity.sum())
    raw = _log_uniform(rng, 50, 20_000, n, skew=1.6)
    step = np.where(raw < 200, 10, np.where(raw < 2000, 50, 500))
    quantity = np.minimum(20_000, _round_to(raw, step))
    rush = rng.random(n) < RUSH_SHARE
    due_in = np.where(rush, rng.integers(7, 22, size=n), rng.integers(7, 57, size=n))
    weights = np.array([weight for _, weight in DESTINATIONS], dtype=np.float64)
    destination = rng.choice(len(DESTINATIONS), size=n, p=weights / weights.sum())
    split = (quantity >= SPLIT_FROM) & (rng.random(n) < SPLIT_SHARE)
    lot = np.where(
        split,
        np.minimum(quantity, _round_to(quantity * rng.uniform(0.1, 0.5, n), 50)),
        1,
    )
    market = np.array([c.market_price_fen for c in categories], dtype=np.float64)
    max_price = np.maximum(1, np.round(market[category] * rng.uniform(0.70, 1.45, n))).astype(
        np.int64
    )
    age = np.minimum(60, rng.exponential(7.0, n).astype(np.int64))

    due_dates = [config.today + dt.timedelta(days=d) for d in range(57)]
    category_id = [c.id for c in categories]
    places = [city for city, _ in DESTINATIONS]
    columns: list[list[Any]] = [
        a.tolist() for a in (category, quantity, max_price, due_in, destination, rush, age)
    ]
    columns += [split.tolist(), lot.tolist()]
    orders = tuple(
        OrderData(
            id=index + 1,
            category_id=category_id[c],
            quantity=q,
            max_unit_price_fen=p,
            due_date=due_dates[d],
            latitude=places[where].latitude,
            longitude=places[where].longitude,
            priority=Priority.RUSH if is_rush else Priority.NORMAL,
            age_days=days_waiting,
            allow_split=may_split,
            min_lot_quantity=lot_size,
        )
        for index, (c, q, p, d, where, is_rush, days_waiting, may_split, lot_size) in enumerate(
            zip(*columns, strict=True)
        )
    )
    order_destinations = dict(zip(range(1, n + 1), (places[d] for d in columns[4]), strict=True))
    return orders, order_destinations
