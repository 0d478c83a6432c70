"""The one evaluator of the ``market`` benchmark: feasibility check and objective.

Every method's assignment is checked and scored here, never by the method's own claim.
The rules are those of docs/matching.md, implemented again here (day by day) rather than
taken from the solver's candidate filters, so that a bug in the solver shows up as a
rejected solution:

- each order at most once, whole, into an existing window of its category; an order that
  allows splitting may instead be made in parts by several windows (one part per window),
  each part at least the order's lot size, the parts adding up to the whole order;
- the window's factory is active and verified, has a capability for the category whose
  unit price is at most the order's maximum, and takes the order's (or part's) quantity
  (its minimum to maximum order quantity), or, pooling (拼单): a whole order that allows
  pooling and is below the factory's minimum is a pooled part of the window's one lot, and
  the pooled parts of a window add up to at least the factory's minimum and at most its
  maximum (``SolverParams.pooling`` on);
- the new units of a window stay within its remaining (unbooked) units;
- run day by day, earliest deadline first, on the window's free profile (booked work keeps
  its days; production starts at the first production date), every order finishes by its
  latest finish (due date minus transport days).

The objective (maximised) is ``10_000 * weighted_units - cost_fen`` where weighted units
are ``units * priority_weight`` (``matching.solver.model.priority_weight``: 1,000 per
unit, 4,000 for rush, plus the age in days up to 100) and the cost is production plus
transport in fen. One weighted unit is worth 10,000 fen, and a unit weighs at least 1,000,
so a matched unit is worth at least 10,000,000 fen (100,000 CNY, the unit price cap): more
units first, then lower cost.

This module also enumerates every eligible (order, window) pair, with the same rules, as
numpy arrays: the greedy and HiGHS methods and the LP bound work on them. Any pair that a
feasible solution can use is in that set, so the LP bound holds for the whole problem.

``python -m bench.market_score DIR`` scores a ``--dump`` directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matching.solver.geo import haversine_km, transport_for
from matching.solver.model import priority_weight
from matching.solver.problem import (
    FactoryData,
    MatchingProblem,
    OrderData,
    TransportParams,
    WindowData,
)
from matching.solver.serialize import problem_from_data

# fen per weighted unit in the scalar objective
UNIT_VALUE = 10_000


@dataclass(frozen=True)
class Placement:
    """One line of a method's answer (and of ``<method>.json`` in a dump)."""

    order_id: int
    window_id: int
    quantity: int


class InfeasibleAssignment(ValueError):
    """The assignment breaks a rule; ``kind`` names which one."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


@dataclass(frozen=True)
class MarketScore:
    matched_orders: int
    matched_units: int
    total_units: int
    weighted_units: int
    production_cost_fen: int
    transport_cost_fen: int

    @property
    def cost_fen(self) -> int:
        return self.production_cost_fen + self.transport_cost_fen

    @property
    def objective(self) -> int:
        return UNIT_VALUE * self.weighted_units - self.cost_fen


@dataclass(frozen=True)
class PairTerms:
    """What an order costs and must meet in one factory."""

    unit_price_fen: int
    transport_days: int
    transport_cost_fen_per_unit: int
    latest_finish: dt.date


def pair_terms(
    order: OrderData, factory: FactoryData, unit_price_fen: int, transport: TransportParams
) -> PairTerms:
    distance = haversine_km(factory.latitude, factory.longitude, order.latitude, order.longitude)
    days, cost = transport_for(distance, transport)
    return PairTerms(unit_price_fen, days, cost, order.due_date - dt.timedelta(days=days))


def free_profile(window: WindowData, first_production_date: dt.date) -> tuple[dt.date, list[int]]:
    """The window's first usable day and the units free on each usable day from it.

    Booked work fills the line day by day from its planned start, in order of (start,
    finish); days before the first production date are gone.
    """
    free = [window.units_per_day] * max(0, (window.end_date - window.start_date).days + 1)
    for booked in sorted(window.commitments, key=lambda c: (c.start, c.finish)):
        left = booked.units
        day = max(0, (booked.start - window.start_date).days)
        while left > 0 and day < len(free):
            used = min(left, free[day])
            free[day] -= used
            left -= used
            day += 1
    first = max(window.start_date, first_production_date)
    return first, free[(first - window.start_date).days :]


def part_range(order: OrderData, factory: FactoryData) -> tuple[int, int]:
    """Smallest and largest units of ``order`` one factory may make (empty: smallest > largest).

    A whole order is all or nothing within the factory's minimum and maximum; a part of a
    splittable order is at least its lot size and the factory's minimum, at most the
    factory's maximum.
    """
    if not order.allow_split:
        fits = factory.min_order_quantity <= order.quantity <= factory.max_order_quantity
        return (order.quantity, order.quantity) if fits else (1, 0)
    smallest = max(order.min_lot_quantity, factory.min_order_quantity, 1)
    return smallest, min(order.quantity, factory.max_order_quantity)


def evaluate_market(
    problem: MatchingProblem, placements: Iterable[Placement], *, pool_minimums: bool = True
) -> MarketScore:
    """Score ``placements`` after checking every rule; raise ``InfeasibleAssignment``.

    ``pool_minimums=False``: pooled parts (拼单) need not reach the factory's minimum
    together (the season's accepted parts: a factory may accept part of a pool)."""
    orders = {o.id: o for o in problem.orders}
    windows = {w.id: w for w in problem.windows}
    factories = {f.id: f for f in problem.factories}
    made: dict[int, int] = defaultdict(int)  # units placed per order
    used: set[tuple[int, int]] = set()  # (order, window)
    by_window: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    pooled: dict[int, int] = defaultdict(int)  # pooled units per window
    weighted = production = transport = 0
    for placement in placements:
        order = orders.get(placement.order_id)
        window = windows.get(placement.window_id)
        if order is None:
            raise InfeasibleAssignment("unknown_order", f"order {placement.order_id}")
        if window is None:
            raise InfeasibleAssignment("unknown_window", f"window {placement.window_id}")
        if (order.id, window.id) in used or (order.id in made and not order.allow_split):
            raise InfeasibleAssignment("assigned_twice", f"order {order.id}")
        used.add((order.id, window.id))
        if window.category_id != order.category_id:
            raise InfeasibleAssignment(
                "wrong_category",
                f"order {order.id} (category {order.category_id}) in window {window.id} "
                f"(category {window.category_id})",
            )
        factory = factories.get(window.factory_id)
        if factory is None or not (factory.active and factory.verified):
            raise InfeasibleAssignment(
                "factory_unavailable",
                f"window {window.id}: factory {window.factory_id} is missing, inactive or "
                "unverified",
            )
        capability = factory.capability_for(window.category_id)
        if capability is None:
            raise InfeasibleAssignment(
                "not_capable", f"factory {factory.id} has no capability {window.category_id}"
            )
        if capability.unit_price_fen > order.max_unit_price_fen:
            raise InfeasibleAssignment(
                "price_above_max",
                f"order {order.id}: factory {factory.id} asks {capability.unit_price_fen} fen, "
                f"the order pays at most {order.max_unit_price_fen}",
            )
        units = placement.quantity
        if not order.allow_split and units != order.quantity:
            raise InfeasibleAssignment(
                "wrong_quantity",
                f"order {order.id} may not be split: {order.quantity} units, placed {units}",
            )
        if order.allow_split and units < order.min_lot_quantity:
            raise InfeasibleAssignment(
                "part_below_lot",
                f"order {order.id}: a part of {units} units, its lot is {order.min_lot_quantity}",
            )
        if (
            problem.solver.pooling
            and order.allows_pooling
            and not order.allow_split
            and units < factory.min_order_quantity
        ):
            pooled[window.id] += units
        elif not factory.min_order_quantity <= units <= factory.max_order_quantity:
            raise InfeasibleAssignment(
                "quantity_out_of_range",
                f"order {order.id}: {units} units, factory {factory.id} takes "
                f"{factory.min_order_quantity}..{factory.max_order_quantity}",
            )
        terms = pair_terms(order, factory, capability.unit_price_fen, problem.transport)
        by_window[window.id].append((terms.latest_finish, order.id, units))
        made[order.id] += units
        weighted += units * priority_weight(order, problem.solver)
        production += units * terms.unit_price_fen
        transport += units * terms.transport_cost_fen_per_unit
    for order_id, units in made.items():
        if units != orders[order_id].quantity:
            raise InfeasibleAssignment(
                "wrong_quantity",
                f"order {order_id}: parts add up to {units} of {orders[order_id].quantity} units",
            )
    for window_id, units in pooled.items():
        units += windows[window_id].pooled_units  # the pool's booked units
        factory = factories[windows[window_id].factory_id]
        if pool_minimums and not factory.min_order_quantity <= units <= factory.max_order_quantity:
            raise InfeasibleAssignment(
                "pool_out_of_range",
                f"window {window_id}: a pool of {units} units, factory {factory.id} takes "
                f"{factory.min_order_quantity}..{factory.max_order_quantity}",
            )
    for window_id, jobs in by_window.items():
        check_window(windows[window_id], jobs, problem.first_production_date)
    return MarketScore(
        matched_orders=len(made),
        matched_units=sum(made.values()),
        total_units=sum(o.quantity for o in problem.orders),
        weighted_units=weighted,
        production_cost_fen=production,
        transport_cost_fen=transport,
    )


def check_window(
    window: WindowData, jobs: list[tuple[dt.date, int, int]], first_production_date: dt.date
) -> None:
    """Remaining units, then a day-by-day earliest-deadline-first run of the new orders.

    ``jobs``: (latest finish, order id, quantity). EDF meets every deadline on one line
    whenever any order of the work does, so a late order here means no schedule exists.
    """
    new_units = sum(quantity for _, _, quantity in jobs)
    if new_units > window.remaining_units:
        raise InfeasibleAssignment(
            "over_capacity",
            f"window {window.id}: {new_units} new units, {window.remaining_units} remaining",
        )
    first, free = free_profile(window, first_production_date)
    day = 0
    for latest_finish, order_id, quantity in sorted(jobs):
        left = quantity
        while left > 0:
            if day >= len(free):
                raise InfeasibleAssignment(
                    "late",
                    f"order {order_id} is not finished by the end of window {window.id} "
                    f"({window.end_date})",
                )
            used = min(left, free[day])
            free[day] -= used
            left -= used
            if left > 0:
                day += 1
        finish = first + dt.timedelta(days=day)
        if finish > latest_finish:
            raise InfeasibleAssignment(
                "late",
                f"order {order_id} finishes in window {window.id} on {finish}, after its "
                f"latest finish {latest_finish}",
            )


# --- Every eligible pair, as arrays ----------------------------------------------------


@dataclass(frozen=True)
class PairTable:
    """Every eligible (order, window) pair; indexes are positions in the problem's tuples.

    Day indexes count from the first production date. ``due_day`` is the last day index on
    which the order may be produced in the window (its latest finish, or the window's end
    when that comes first). ``cumfree[w, t]`` is the free units of window ``w`` on days
    ``0..t`` (index ``t + 1`` in the array: column 0 is zero) and ``capacity[w]`` its
    remaining units.
    """

    order: np.ndarray  # int32, index into problem.orders
    window: np.ndarray  # int32, index into problem.windows
    quantity: np.ndarray  # int64: the order's whole quantity
    # units the pair may make when used: the whole quantity (smallest == largest == quantity)
    # or, for a splittable order, a part (largest also capped by the room in the window)
    smallest: np.ndarray  # int64
    largest: np.ndarray  # int64
    split: np.ndarray  # bool: the order allows splitting
    unit_price_fen: np.ndarray  # int64
    transport_fen: np.ndarray  # int64 per unit
    due_day: np.ndarray  # int32
    cumfree: np.ndarray  # int64 [windows, days + 1]
    capacity: np.ndarray  # int64 [windows]
    end_day: np.ndarray  # int32 [windows]
    unit_weight: np.ndarray  # int64 [orders]: priority_weight

    def __len__(self) -> int:
        return len(self.order)

    @property
    def unit_value(self) -> np.ndarray:
        """Objective value of one unit made by the pair (fen)."""
        return UNIT_VALUE * self.unit_weight[self.order] - self.unit_price_fen - self.transport_fen

    @property
    def value(self) -> np.ndarray:
        """Objective value of the whole order made by the pair (fen)."""
        return self.quantity * self.unit_value


def window_arrays(problem: MatchingProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cumfree, capacity, end day) of every window; see ``PairTable``."""
    fpd = problem.first_production_date
    last = max([(w.end_date - fpd).days for w in problem.windows], default=0)
    days = max(last + 1, 1)
    cumfree = np.zeros((len(problem.windows), days + 1), dtype=np.int64)
    end_day = np.full(len(problem.windows), -1, dtype=np.int32)
    for index, window in enumerate(problem.windows):
        first, free = free_profile(window, fpd)
        offset = (first - fpd).days
        row = np.zeros(days, dtype=np.int64)
        if free and offset + len(free) > 0:
            start = max(offset, 0)
            row[start : offset + len(free)] = free[start - offset :]
        cumfree[index, 1:] = np.cumsum(row)
        end_day[index] = (window.end_date - fpd).days
    capacity = np.array([w.remaining_units for w in problem.windows], dtype=np.int64)
    return cumfree, capacity, end_day


@dataclass
class PairSource:
    """What the eligible pairs of any category are built from (``eligible_pairs``,
    ``category_pair_chunks``): the windows' day arrays, the usable windows and the orders
    of each category, and a cache of transport terms."""

    problem: MatchingProblem
    cumfree: np.ndarray
    capacity: np.ndarray
    end_day: np.ndarray
    first_day: np.ndarray
    factories: dict[int, FactoryData]
    # usable windows per category: active, verified, capable factory
    windows_by_category: dict[int, list[int]]
    orders_by_category: dict[int, list[int]]
    transport_cache: dict[tuple[float, float, float, float], tuple[int, int]]

    @classmethod
    def of(cls, problem: MatchingProblem) -> PairSource:
        fpd = problem.first_production_date
        cumfree, capacity, end_day = window_arrays(problem)
        factories = {f.id: f for f in problem.factories}
        by_category: dict[int, list[int]] = defaultdict(list)
        for index, window in enumerate(problem.windows):
            factory = factories.get(window.factory_id)
            if factory is None or not (factory.active and factory.verified):
                continue
            if factory.capability_for(window.category_id) is not None:
                by_category[window.category_id].append(index)
        orders_by_category: dict[int, list[int]] = defaultdict(list)
        for index, order in enumerate(problem.orders):
            orders_by_category[order.category_id].append(index)
        first_day = np.array(
            [(max(w.start_date, fpd) - fpd).days for w in problem.windows], dtype=np.int32
        )
        return cls(
            problem,
            cumfree,
            capacity,
            end_day,
            first_day,
            factories,
            dict(by_category),
            dict(orders_by_category),
            {},
        )

    @property
    def categories(self) -> list[int]:
        """The categories with both usable windows and orders, by id."""
        return sorted(c for c in self.windows_by_category if c in self.orders_by_category)

    def cells(self, category_id: int) -> int:
        """Orders x usable windows of a category: the work of building its pairs."""
        return len(self.orders_by_category.get(category_id, ())) * len(
            self.windows_by_category.get(category_id, ())
        )

    def transport(self, order: OrderData, factory: FactoryData) -> tuple[int, int]:
        key = (factory.latitude, factory.longitude, order.latitude, order.longitude)
        if key not in self.transport_cache:
            distance = haversine_km(*key)
            self.transport_cache[key] = transport_for(distance, self.problem.transport)
        return self.transport_cache[key]


# the columns of one chunk of pairs, as ``PairTable`` holds them (the day arrays apart):
# order, window, quantity, smallest, largest, split, unit price, transport, due day
PairChunk = tuple[np.ndarray, ...]
CHUNK_KINDS = (np.int32, np.int32, np.int64, np.int64, np.int64, bool, np.int64, np.int64, np.int32)


def category_pair_chunks(
    source: PairSource, category_id: int, chunk: int = 2048, max_cells: int = 4_000_000
) -> Iterator[PairChunk]:
    """The eligible pairs of one category, a chunk of its orders at a time (at most
    ``chunk`` orders and ``max_cells`` order-window cells), by order then window."""
    problem = source.problem
    fpd = problem.first_production_date
    window_ids = source.windows_by_category.get(category_id)
    order_ids = source.orders_by_category.get(category_id)
    if not window_ids or not order_ids:
        return
    cumfree, capacity, end_day = source.cumfree, source.capacity, source.end_day
    horizon = cumfree.shape[1] - 1
    first_day = source.first_day
    w = np.array(window_ids, dtype=np.int32)
    wfactories = [source.factories[problem.windows[i].factory_id] for i in window_ids]
    price = np.array(
        [f.capability_for(category_id).unit_price_fen for f in wfactories],  # type: ignore[union-attr]
        dtype=np.int64,
    )
    fmin = np.array([f.min_order_quantity for f in wfactories], dtype=np.int64)
    fmax = np.array([f.max_order_quantity for f in wfactories], dtype=np.int64)
    # transport depends on (factory place, order place): one row per order place
    places: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}
    step = max(1, min(chunk, max_cells // max(len(w), 1)))
    for start in range(0, len(order_ids), step):
        rows = order_ids[start : start + step]
        chunk_orders = [problem.orders[i] for i in rows]
        quantity = np.array([o.quantity for o in chunk_orders], dtype=np.int64)[:, None]
        split = np.array([o.allow_split for o in chunk_orders], dtype=bool)[:, None]
        lot = np.array([o.min_lot_quantity for o in chunk_orders], dtype=np.int64)[:, None]
        max_price = np.array([o.max_unit_price_fen for o in chunk_orders], dtype=np.int64)
        due = np.array([(o.due_date - fpd).days for o in chunk_orders], dtype=np.int64)
        tdays = np.empty((len(rows), len(w)), dtype=np.int64)
        tcost = np.empty((len(rows), len(w)), dtype=np.int64)
        for r, order in enumerate(chunk_orders):
            place = (order.latitude, order.longitude)
            if place not in places:
                pairs = [source.transport(order, f) for f in wfactories]
                places[place] = (
                    np.array([p[0] for p in pairs], dtype=np.int64),
                    np.array([p[1] for p in pairs], dtype=np.int64),
                )
            tdays[r], tcost[r] = places[place]
        latest = due[:, None] - tdays  # last production day index
        last = np.minimum(latest, end_day[w][None, :])
        room = np.minimum(
            cumfree[w[None, :], np.clip(last, -1, horizon - 1) + 1], capacity[w][None, :]
        )
        # a whole order, or the smallest and largest part of a splittable one
        smallest = np.where(split, np.maximum(np.maximum(lot, fmin[None, :]), 1), quantity)
        largest = np.where(split, np.minimum(quantity, fmax[None, :]), quantity)
        # a pooling order below the factory's minimum may be a pooled part (拼单)
        pooling = np.array(
            [problem.solver.pooling and o.allows_pooling for o in chunk_orders], dtype=bool
        )[:, None]
        in_range = np.where(
            split,
            smallest <= largest,
            (pooling | (fmin[None, :] <= quantity)) & (quantity <= fmax[None, :]),
        )
        ok = (
            (price[None, :] <= max_price[:, None])
            & in_range
            & (last >= first_day[w][None, :])
            & (room >= smallest)
        )
        r_index, w_index = np.nonzero(ok)
        yield (
            np.array(rows, dtype=np.int32)[r_index],
            w[w_index],
            quantity[r_index, 0],
            smallest[r_index, w_index],
            np.where(
                split[r_index, 0],
                np.minimum(largest, room)[r_index, w_index],
                quantity[r_index, 0],
            ),
            split[r_index, 0],
            price[w_index],
            tcost[r_index, w_index],
            last[r_index, w_index].astype(np.int32),
        )


def eligible_pairs(
    problem: MatchingProblem,
    chunk: int = 2048,
    categories: Iterable[int] | None = None,
    source: PairSource | None = None,
) -> PairTable:
    """Every pair an order could use if it were alone (the five filters of docs/matching.md):
    the whole order, or for a splittable order its smallest part, fits in the window.

    Vectorised per category over orders x windows, in chunks of orders; ``categories``:
    only the pairs of these categories (the others' orders and windows then have none).
    """
    source = PairSource.of(problem) if source is None else source
    wanted = source.windows_by_category if categories is None else categories
    parts = [
        part for category_id in wanted for part in category_pair_chunks(source, category_id, chunk)
    ]
    columns = (
        [np.concatenate([p[i] for p in parts]) for i in range(len(CHUNK_KINDS))]
        if parts
        else [np.zeros(0, dtype=kind) for kind in CHUNK_KINDS]
    )
    del parts
    # sort by order, then window: deterministic and grouped
    sort = np.lexsort((columns[1], columns[0]))
    order_col, window_col, quantity, smallest, largest, split, price, transport_fen, due_day = (
        column[sort] for column in columns
    )
    return PairTable(
        order=order_col,
        window=window_col,
        quantity=quantity,
        smallest=smallest,
        largest=largest,
        split=split,
        unit_price_fen=price,
        transport_fen=transport_fen,
        due_day=due_day,
        cumfree=source.cumfree,
        capacity=source.capacity,
        end_day=source.end_day,
        unit_weight=np.array(
            [priority_weight(o, problem.solver) for o in problem.orders], dtype=np.int64
        ),
    )


# --- Dumps ------------------------------------------------------------------------------


def placements_to_data(placements: Sequence[Placement]) -> list[dict[str, int]]:
    return [
        {"order_id": p.order_id, "window_id": p.window_id, "quantity": p.quantity}
        for p in sorted(placements, key=lambda p: p.order_id)
    ]


def placements_from_data(data: Sequence[dict[str, int]]) -> list[Placement]:
    return [Placement(int(d["order_id"]), int(d["window_id"]), int(d["quantity"])) for d in data]


def score_dump(directory: Path) -> list[dict[str, object]]:
    """Score every ``<method>.json`` of a dump against its ``instance.json``."""
    problem = problem_from_data(json.loads((directory / "instance.json").read_text()))
    rows: list[dict[str, object]] = []
    for path in sorted(directory.glob("*.json")):
        if path.name in ("instance.json", "bound.json"):
            continue
        placements = placements_from_data(json.loads(path.read_text()))
        try:
            score = evaluate_market(problem, placements)
        except InfeasibleAssignment as error:
            rows.append({"method": path.stem, "feasible": False, "error": str(error)})
            continue
        rows.append(
            {
                "method": path.stem,
                "feasible": True,
                "matched_orders": score.matched_orders,
                "matched_units": score.matched_units,
                "production_cost": score.production_cost_fen / 100,
                "transport_cost": score.transport_cost_fen / 100,
                "objective": score.objective,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.market_score",
        description="Check and score the assignments of a `market --dump DIR` directory.",
    )
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    rows = score_dump(args.directory)
    for row in rows:
        print(json.dumps(row))
    return 0 if all(row["feasible"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
