"""The eligible (order, window) pairs of a problem as a column table of numpy arrays.

The same pairs, fields and unmatched reasons as ``candidates.find_candidates`` (see
docs/matching.md, "Eligibility and reason codes"), built block by block: the orders of one
category against the capable windows of that category, every filter one array operation on
the block (orders x windows), the great-circle distance computed once per (order, factory)
of the block. Big blocks are cut into chunks of orders so that no temporary holds more than
``CHUNK_CELLS`` cells. Nothing here builds an object per pair; ``to_candidates`` turns the
rows a caller needs back into ``Candidate`` objects.

Rows come category by category (ascending category id), and within a category by order, then
window (the order of ``problem.orders`` and ``problem.windows``): every order's rows are
contiguous, and a component (always within one category) lists its rows in the order
``find_candidates`` does. ``by_order=True`` sorts all rows by order, then window, which is
``find_candidates``' order, at the cost of a sort and a copy of each column. Dates are day
numbers (``datetime.date.toordinal``). Components of the order-window graph come from label
propagation with pointer jumping (``components``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from matching.solver.candidates import REASONS, Candidate
from matching.solver.geo import EARTH_RADIUS_KM
from matching.solver.problem import (
    Capability,
    MatchingProblem,
    PackedPairs,
    Priority,
    UnmatchedReason,
)
from matching.solver.schedule import free_per_day

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
Int16Array = npt.NDArray[np.int16]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# at most this many (order, window) cells in one chunk of a category block
CHUNK_CELLS = 1 << 19
# reason_code of an order that kept at least one pair
HAS_PAIRS = -1
# a factory's probation limit when it has none
NO_LIMIT = np.iinfo(np.int64).max
# Above this many order-window cells (``order_window_cells``: 38 million at 100,000 orders x
# 10,000 factories, 240 million at 300,000 x 25,000, 1.3 billion at 1,000,000 x 50,000) a
# market is too large for every pair at once (300,000 x 25,000 have 35 million, and a
# ``solve`` on them ran out of 14 GB): unless the problem sets its own cap
# (``SolverParams.max_windows_per_order``), each order keeps ``CAPPED_WINDOWS_PER_ORDER``
# pairs (``some_per_order``), and the bound is every order in its best window
# (``windows_per_order``, ``model.solve``).
CAP_CELLS = 100_000_000
CAPPED_WINDOWS_PER_ORDER = 16


@dataclass(frozen=True)
class CandidateArrays:
    """One row per eligible pair; indices point into ``problem.orders``, ``problem.windows``
    and ``problem.factories``. Money per unit in fen, dates as day numbers
    (``date.toordinal``). Narrow types, 48 bytes a pair (a million orders can have hundreds
    of millions of pairs): int32, int16 for day counts, float64 distances. Cast money to
    int64 before multiplying it by units."""

    order: Int32Array
    window: Int32Array
    factory: Int32Array
    unit_price_fen: Int32Array
    distance_km: FloatArray
    transport_days: Int16Array
    transport_cost_fen_per_unit: Int32Array
    latest_finish: Int32Array
    usable_days: Int16Array
    cost_adjust_fen_per_unit: Int32Array
    # the smallest and largest quantity of the order the window's factory may make
    # (``candidates.part_range``)
    min_units: Int32Array
    max_units: Int32Array
    # the most new units the window can make by the pair's due day (its latest finish, or
    # the window's end when that is earlier): free units up to it, capped by the window's
    # remaining units (``free_until``; the bound's chain and a part's largest size)
    room: Int32Array
    # the order is below the factory's minimum and may be made there only in a pool (拼单)
    # whose pooled units reach it (``candidates.poolable``, ``model.add_pool_minimums``)
    pooled: BoolArray
    # per order (index into problem.orders): HAS_PAIRS, or the index into
    # ``candidates.REASONS`` of the furthest filter any of its windows passed
    reason_code: IntArray

    def __len__(self) -> int:
        return int(self.order.shape[0])

    def unmatched(self, problem: MatchingProblem) -> dict[int, UnmatchedReason]:
        """Order id -> reason, for every order without pairs (as ``find_candidates``)."""
        return {
            problem.orders[int(i)].id: REASONS[int(self.reason_code[i])]
            for i in np.flatnonzero(self.reason_code != HAS_PAIRS)
        }


def _libm(function: Any, arguments: int = 1) -> Any:
    """``function`` of ``math`` element by element (C's libm, as ``geo.haversine_km``
    calls it): numpy's own loops for sin, arcsin and power are vectorised differently on
    some processors (AVX-512) and may differ from libm in the last bit."""
    ufunc = np.frompyfunc(function, arguments, 1)
    return lambda *x: np.asarray(ufunc(*x), dtype=np.float64)


_sin, _asin, _cos, _pow = _libm(math.sin), _libm(math.asin), _libm(math.cos), _libm(math.pow, 2)


def haversine_km_arrays(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """``geo.haversine_km`` on arrays (broadcast), bit for bit: the same operations in the
    same order, the transcendental ones through libm (``_libm``; Python's ``x ** 2`` is
    libm's ``pow``); +, -, *, / and the square root are exact in both."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = np.radians(lon2 - lon1)
    a = _pow(_sin(d_phi / 2), 2.0) + _cos(phi1) * _cos(phi2) * _pow(_sin(d_lambda / 2), 2.0)
    result: FloatArray = 2 * EARTH_RADIUS_KM * _asin(np.minimum(1.0, np.sqrt(a)))
    return result


@dataclass(frozen=True)
class _Tables:
    """The problem's orders, factories and capable windows as arrays."""

    fpd: int
    # orders
    o_cat: IntArray
    o_qty: IntArray
    o_maxp: IntArray
    o_due: IntArray
    o_lat: FloatArray
    o_lon: FloatArray
    o_split: BoolArray
    o_lot: IntArray
    o_pref: IntArray  # preferred factory id or -1
    o_p90: BoolArray  # planned against the factories' P90 delay (rush, rush_plans_p90)
    o_restricted: BoolArray  # has exclusions or a required factory
    o_pool: BoolArray  # may be pooled below a factory's minimum (and pooling is on)
    # factories
    f_id: IntArray
    f_lat: FloatArray
    f_lon: FloatArray
    f_min: IntArray
    f_max: IntArray
    f_rel: IntArray
    f_units: IntArray  # probation: most units of an order (NO_LIMIT: none)
    f_value: IntArray  # probation: most value of an order, fen (NO_LIMIT: none)
    # capable windows (index into problem.windows) and their data
    w_index: IntArray
    w_cat: IntArray
    w_factory: IntArray  # index into problem.factories
    w_price: IntArray
    w_first: IntArray  # first usable day
    w_end: IntArray
    w_upd: IntArray
    w_remaining: IntArray
    w_slip50: IntArray  # the factory's learned delay in the category, days (Capability)
    w_slip90: IntArray
    # free-unit prefix sums of windows with booked work: concatenated, by offset (-1: none)
    w_prefix_at: IntArray
    prefix: IntArray


def _tables(problem: MatchingProblem) -> _Tables:
    orders, factories = problem.orders, problem.factories
    fpd = problem.first_production_date
    n = len(orders)
    factory_index = {f.id: i for i, f in enumerate(factories)}
    capability_of: dict[tuple[int, int], Capability] = {}
    for i, f in enumerate(factories):
        if f.active and f.verified:
            for capability in reversed(f.capabilities):  # the first one wins, as capability_for
                capability_of[(i, capability.category_id)] = capability
    w_rows: list[tuple[int, int, int, int, int, int, int, int, int, int]] = []
    prefix_parts: list[IntArray] = []
    prefix_at: list[int] = []
    offset = 0
    for wi, window in enumerate(problem.windows):
        fi = factory_index.get(window.factory_id)
        if fi is None:
            continue
        found = capability_of.get((fi, window.category_id))
        if found is None:
            continue
        first = max(window.start_date, fpd).toordinal()
        w_rows.append(
            (
                wi,
                window.category_id,
                fi,
                found.unit_price_fen,
                first,
                window.end_date.toordinal(),
                window.units_per_day,
                window.remaining_units,
                max(found.slip_p50_days, 0),
                max(found.slip_p90_days, 0),
            )
        )
        if window.commitments:
            free = np.asarray(free_per_day(window, fpd), dtype=np.int64)
            part = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(free)))
            prefix_parts.append(part)
            prefix_at.append(offset)
            offset += len(part)
        else:
            prefix_at.append(-1)
    w = np.array(w_rows, dtype=np.int64).reshape(-1, 10)

    def ints(values: list[int]) -> IntArray:
        return np.array(values, dtype=np.int64)

    def floats(values: list[float]) -> FloatArray:
        return np.array(values, dtype=np.float64)

    return _Tables(
        fpd=fpd.toordinal(),
        o_cat=ints([o.category_id for o in orders]),
        o_qty=ints([o.quantity for o in orders]),
        o_maxp=ints([o.max_unit_price_fen for o in orders]),
        o_due=ints([o.due_date.toordinal() for o in orders]),
        o_lat=floats([o.latitude for o in orders]),
        o_lon=floats([o.longitude for o in orders]),
        o_split=np.array([o.allow_split for o in orders], dtype=np.bool_).reshape(n),
        o_lot=ints([o.min_lot_quantity for o in orders]),
        o_pref=ints(
            [-1 if o.preferred_factory_id is None else o.preferred_factory_id for o in orders]
        ),
        o_p90=np.array(
            [o.priority == Priority.RUSH and problem.solver.rush_plans_p90 for o in orders],
            dtype=np.bool_,
        ).reshape(n),
        o_restricted=np.array(
            [bool(o.excluded_factory_ids) or o.required_factory_id is not None for o in orders],
            dtype=np.bool_,
        ).reshape(n),
        o_pool=np.array(
            [problem.solver.pooling and o.allows_pooling and not o.allow_split for o in orders],
            dtype=np.bool_,
        ).reshape(n),
        f_id=ints([f.id for f in factories]),
        f_lat=floats([f.latitude for f in factories]),
        f_lon=floats([f.longitude for f in factories]),
        f_min=ints([f.min_order_quantity for f in factories]),
        f_max=ints([f.max_order_quantity for f in factories]),
        f_rel=ints([f.reliability_percent for f in factories]),
        f_units=ints(
            [NO_LIMIT if f.max_order_units is None else f.max_order_units for f in factories]
        ),
        f_value=ints(
            [
                NO_LIMIT if f.max_order_value_fen is None else f.max_order_value_fen
                for f in factories
            ]
        ),
        w_index=w[:, 0].copy(),
        w_cat=w[:, 1].copy(),
        w_factory=w[:, 2].copy(),
        w_price=w[:, 3].copy(),
        w_first=w[:, 4].copy(),
        w_end=w[:, 5].copy(),
        w_upd=w[:, 6].copy(),
        w_remaining=w[:, 7].copy(),
        w_slip50=w[:, 8].copy(),
        w_slip90=w[:, 9].copy(),
        w_prefix_at=ints(prefix_at),
        prefix=np.concatenate(prefix_parts) if prefix_parts else np.zeros(0, dtype=np.int64),
    )


def _allowed(problem: MatchingProblem, t: _Tables, oi: IntArray, wc: IntArray) -> BoolArray:
    """Filter 1 for each (order, window) of a chunk: exclusions and required factories."""
    allowed = np.ones((len(oi), len(wc)), dtype=np.bool_)
    w_fid = t.f_id[t.w_factory[wc]]
    for row in np.flatnonzero(t.o_restricted[oi]):
        order = problem.orders[int(oi[row])]
        if order.required_factory_id is not None:
            allowed[row] &= w_fid == order.required_factory_id
        if order.excluded_factory_ids:
            excluded = np.array(sorted(order.excluded_factory_ids), dtype=np.int64)
            allowed[row] &= ~np.isin(w_fid, excluded)
    return allowed


@dataclass(frozen=True)
class _Geography:
    """Distance, transport days and cost between every order place and every factory of
    one category block (places by ``place_of`` per order of the block, factories by
    ``per_window`` per capable window): computed once per block, not per chunk."""

    place_of: IntArray
    per_window: IntArray
    distance: FloatArray  # [place, factory]
    days: IntArray
    cost: IntArray


def _geography(problem: MatchingProblem, t: _Tables, oi: IntArray, wc: IntArray) -> _Geography:
    transport = problem.transport
    factories, per_window = np.unique(t.w_factory[wc], return_inverse=True)
    where_to = np.empty(len(oi), dtype=np.complex128)
    where_to.real, where_to.imag = t.o_lat[oi], t.o_lon[oi]
    places, place_of = np.unique(where_to, return_inverse=True)
    distance = haversine_km_arrays(
        t.f_lat[factories][None, :],
        t.f_lon[factories][None, :],
        places.real[:, None],
        places.imag[:, None],
    )
    days = transport.handling_days + np.ceil(distance / transport.km_per_day).astype(np.int64)
    cost = transport.cost_base_fen_per_unit + np.ceil(
        distance * transport.cost_fen_per_unit_per_100km / 100
    ).astype(np.int64)
    return _Geography(place_of.reshape(-1), per_window.reshape(-1), distance, days, cost)


def _chunk(
    problem: MatchingProblem,
    t: _Tables,
    oi: IntArray,
    wc: IntArray,
    geography: _Geography | None = None,
    places: IntArray | None = None,
) -> tuple[dict[str, Any], IntArray]:
    """The kept pairs of orders ``oi`` x capable windows ``wc`` (one category), and the
    furthest stage each order reached (6: it kept a pair).

    Filters 1-4 (cheap: order and window data) run on the whole orders x windows matrix;
    transport, dates and room only on the pairs that pass them, as flat arrays.
    ``geography`` (with each order's place in it, ``places``): the block's, when the block
    is cut into chunks."""
    col = np.s_[None, :]
    row = np.s_[:, None]
    qty = t.o_qty[oi][row]
    split = t.o_split[oi][row]
    wf = t.w_factory[wc]
    f_min, f_max = t.f_min[wf][col], t.f_max[wf][col]
    price_ok = t.w_price[wc][col] <= t.o_maxp[oi][row]
    qty_ok = np.where(
        split,
        np.maximum(np.maximum(t.o_lot[oi][row], f_min), 1) <= np.minimum(qty, f_max),
        (f_min <= qty) & (qty <= f_max),
    )
    # below the factory's minimum, a pooling order passes filter 3 as a pooled pair
    pool_ok = ~qty_ok & t.o_pool[oi][row] & (qty < f_min) & (qty <= f_max)
    qty_ok = qty_ok | pool_ok
    # probation: the whole order within the factory's units and value (at its price)
    probation_ok = (qty <= t.f_units[wf][col]) & (qty * t.w_price[wc][col] <= t.f_value[wf][col])
    stage = np.where(price_ok, np.where(qty_ok, np.where(probation_ok, 4, 3), 2), 1).astype(np.int8)
    if t.o_restricted[oi].any():
        stage[~_allowed(problem, t, oi, wc)] = 0
    reached = stage.max(axis=1).astype(np.int64) if len(wc) else np.zeros(len(oi), np.int64)
    r, c = np.nonzero(stage == 4)
    pooled = pool_ok[r, c]
    del stage, price_ok, qty_ok, probation_ok, pool_ok
    # distance per (order place, factory of the block): few places and factories repeat
    if geography is None or places is None:
        geography = _geography(problem, t, oi, wc)
        places = geography.place_of
    distance_pf, days_pf, cost_pf = geography.distance, geography.days, geography.cost
    # the pairs that passed filters 1-4, flat
    o, w, f = oi[r], wc[c], wf[c]
    place, factory = places[r], geography.per_window[c]
    transport_days = days_pf[place, factory]
    latest = t.o_due[o] - transport_days - np.where(t.o_p90[o], t.w_slip90[w], t.w_slip50[w])
    usable = np.maximum(0, np.minimum(t.w_end[w], latest) - t.w_first[w] + 1)
    at = t.w_prefix_at[w]
    booked = at >= 0
    room = usable * t.w_upd[w]
    if booked.any():
        room[booked] = t.prefix[at[booked] + usable[booked]]
    smallest = np.where(t.o_split[o], np.maximum(np.maximum(t.o_lot[o], t.f_min[f]), 1), t.o_qty[o])
    largest = np.where(t.o_split[o], np.minimum(t.o_qty[o], t.f_max[f]), t.o_qty[o])
    days_ok = usable > 0
    room = np.minimum(room, t.w_remaining[w])
    room_ok = days_ok & (room >= smallest)
    np.maximum.at(reached, r, 4 + days_ok.astype(np.int64) + room_ok)
    keep = np.flatnonzero(room_ok)
    o, w, f = o[keep], w[keep], f[keep]
    place, factory = place[keep], factory[keep]
    price = t.w_price[w]
    percent = problem.solver.reliability_premium_percent
    premium = price * percent * (100 - t.f_rel[f])
    bonus = np.where(t.o_pref[o] == t.f_id[f], t.o_maxp[o], 0)
    kept = {
        "order": o,
        "window": t.w_index[w],
        "factory": f,
        "unit_price_fen": price,
        "distance_km": distance_pf[place, factory],
        "transport_days": transport_days[keep],
        "transport_cost_fen_per_unit": cost_pf[place, factory],
        "latest_finish": latest[keep],
        "usable_days": usable[keep],
        "cost_adjust_fen_per_unit": premium // 10_000 - bonus,
        "min_units": smallest[keep],
        "max_units": largest[keep],
        "room": room[keep],
        "pooled": pooled[keep],
    }
    return kept, reached


# the columns and their types
FIELDS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "window": np.int32,
    "factory": np.int32,
    "unit_price_fen": np.int32,
    "distance_km": np.float64,
    "transport_days": np.int16,
    "transport_cost_fen_per_unit": np.int32,
    "latest_finish": np.int32,
    "usable_days": np.int16,
    "cost_adjust_fen_per_unit": np.int32,
    "min_units": np.int32,
    "max_units": np.int32,
    "room": np.int32,
    "pooled": np.bool_,
}


def some_per_order(kept: dict[str, Any], most: int) -> IntArray:
    """The rows of a chunk's ``kept`` pairs (by order, then window) to keep when each order
    keeps at most ``most`` pairs, still by order, then window: by cost per unit (price,
    transport, cost adjustment; then the lowest window), its ``most // 2`` cheapest and the
    rest spread evenly over its dearer ones (every ``stride``-th, from an offset that varies
    by order). Capacity, not cost, decides most of the objective: the cheapest windows of
    orders of one category are mostly the same few, which could not take them all, so the
    spread shows each window to some of the orders. Each order also keeps its most valuable
    pair (lowest price plus transport, ``bound.unit_value``) when it is not among those (one
    more than ``most`` then): every order's best window, with capacity ignored, is then among
    the pairs kept, and so is the bound it gives (``model.best_windows_values``)."""
    order = kept["order"]
    if len(order) == 0:
        return np.zeros(0, dtype=np.int64)
    cost = (
        kept["unit_price_fen"].astype(np.int64)
        + kept["transport_cost_fen_per_unit"]
        + kept["cost_adjust_fen_per_unit"]
    )
    window = kept["window"]
    span = int(cost.max() - cost.min()) + 1
    row = np.cumsum(np.concatenate(([0], order[1:] != order[:-1])))
    if len(order) < 1 << 21 and span < 1 << 21 and int(window.max()) < 1 << 21:
        # one int64 key (order row, cost, window): one sort instead of three
        by_cost = np.argsort((row << 42) | ((cost - cost.min()) << 21) | window)
    else:
        by_cost = np.lexsort((window, cost, order))
    starts = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
    count = np.diff(np.append(starts, len(order)))
    rank = np.arange(len(order)) - np.repeat(starts, count)
    cheapest = most // 2
    spread = most - cheapest
    # per order (repeated per pair): how far apart the spread ones are, and the first
    stride = np.repeat(np.maximum((count - cheapest) // max(spread, 1), 1), count)
    offset = np.repeat(np.arange(len(count)), count) % stride
    beyond = rank - cheapest - offset
    keep = (rank < cheapest) | (
        (beyond >= 0) & (beyond % stride == 0) & (beyond // stride < spread)
    )
    value_cost = kept["unit_price_fen"].astype(np.int64) + kept["transport_cost_fen_per_unit"]
    # every order's rows are contiguous: its most valuable row, the first of the lowest
    lowest = np.repeat(np.minimum.reduceat(value_cost, starts), count)
    most_valuable = np.flatnonzero(value_cost == lowest)
    firsts = most_valuable[np.diff(row[most_valuable], prepend=-1) != 0]
    return np.union1d(by_cost[keep], firsts)


def build_candidate_arrays(
    problem: MatchingProblem,
    chunk_cells: int = CHUNK_CELLS,
    *,
    by_order: bool = False,
    max_windows_per_order: int | None = None,
) -> CandidateArrays:
    """Every eligible pair of ``problem`` and the reason of every order without one; rows by
    category, then order, then window, or (``by_order``) by order, then window.

    ``max_windows_per_order``: each order keeps only that many pairs at most, its cheapest
    and some spread over the dearer ones (``some_per_order``; for a market too large for
    every pair: a million orders have about 190 million). The unmatched reasons are those
    of every pair."""
    t = _tables(problem)
    n = len(problem.orders)
    reached = np.zeros(n, dtype=np.int64)
    parts: list[dict[str, Any]] = []
    order_cats, order_by_cat = np.unique(t.o_cat, return_inverse=True)
    order_sorted = np.argsort(order_by_cat, kind="stable")
    order_starts = np.searchsorted(order_by_cat[order_sorted], np.arange(len(order_cats) + 1))
    window_sorted = np.argsort(t.w_cat, kind="stable")
    w_cat_sorted = t.w_cat[window_sorted]
    for k, category in enumerate(order_cats):
        oi = order_sorted[order_starts[k] : order_starts[k + 1]]
        lo, hi = np.searchsorted(w_cat_sorted, [category, category + 1])
        wc = window_sorted[lo:hi]
        if not len(wc):
            continue
        step = max(1, chunk_cells // len(wc))
        geography = _geography(problem, t, oi, wc) if len(oi) > step else None
        for start in range(0, len(oi), step):
            chunk = oi[start : start + step]
            places = None if geography is None else geography.place_of[start : start + step]
            kept, got = _chunk(problem, t, chunk, wc, geography, places)
            reached[chunk] = got
            if max_windows_per_order is not None:
                keep = some_per_order(kept, max_windows_per_order)
                kept = {name: column[keep] for name, column in kept.items()}
            parts.append({name: kept[name].astype(FIELDS[name]) for name in FIELDS})
    # Each part holds whole orders, sorted by order then window: a stable sort by order
    # alone puts every row in (order, window) order. One column at a time, to bound memory.
    rows = None
    if by_order and parts:
        rows = np.argsort(np.concatenate([p["order"] for p in parts]), kind="stable")
    columns: dict[str, Any] = {}
    for name, dtype in FIELDS.items():
        if not parts:
            columns[name] = np.zeros(0, dtype=dtype)
            continue
        column = np.concatenate([p.pop(name) for p in parts])
        columns[name] = column if rows is None else column[rows]
        del column
    reason = np.where(reached == 6, HAS_PAIRS, reached).astype(np.int64)
    return CandidateArrays(**columns, reason_code=reason)


def to_candidates(
    problem: MatchingProblem, arrays: CandidateArrays, rows: IntArray | None = None
) -> list[Candidate]:
    """The ``Candidate`` objects of ``rows`` (all rows when None), in that order."""
    if rows is None:
        rows = np.arange(len(arrays), dtype=np.int64)
    dates: dict[int, dt.date] = {}

    def date(day: int) -> dt.date:
        if day not in dates:
            dates[day] = dt.date.fromordinal(day)
        return dates[day]

    orders, windows, factories = problem.orders, problem.windows, problem.factories
    columns = [
        getattr(arrays, name)[rows].tolist()
        for name in (
            "order",
            "window",
            "factory",
            "unit_price_fen",
            "distance_km",
            "transport_days",
            "transport_cost_fen_per_unit",
            "latest_finish",
            "usable_days",
            "cost_adjust_fen_per_unit",
            "pooled",
        )
    ]
    return [
        Candidate(
            order=orders[o],
            window=windows[w],
            factory=factories[f],
            unit_price_fen=price,
            distance_km=distance,
            transport_days=days,
            transport_cost_fen_per_unit=cost,
            latest_finish=date(latest),
            usable_days=usable,
            cost_adjust_fen_per_unit=adjust,
            pooled=pooled,
        )
        for o, w, f, price, distance, days, cost, latest, usable, adjust, pooled in zip(
            *columns, strict=True
        )
    ]


class RowCandidates(Sequence[Candidate]):
    """The ``Candidate`` objects of ``rows``, each made the first time it is asked for: a
    component too large for CP-SAT needs objects only for the pairs of its neighbourhoods
    and the pairs it chose, not for its millions of pairs."""

    def __init__(self, problem: MatchingProblem, arrays: CandidateArrays, rows: IntArray) -> None:
        self.problem = problem
        self.arrays = arrays
        self.rows = rows
        self.made: dict[int, Candidate] = {}

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Candidate: ...

    @overload
    def __getitem__(self, index: slice) -> list[Candidate]: ...

    def __getitem__(self, index: int | slice) -> Candidate | list[Candidate]:
        if isinstance(index, slice):
            return self.many(range(len(self.rows))[index])
        index = int(index)
        if index not in self.made:
            self.made[index] = to_candidates(self.problem, self.arrays, self.rows[[index]])[0]
        return self.made[index]

    def many(self, indices: Iterable[int]) -> list[Candidate]:
        """The objects of ``indices``, those not made yet made in one go."""
        wanted = [int(i) for i in indices]
        missing = sorted({i for i in wanted if i not in self.made})
        if missing:
            made = to_candidates(self.problem, self.arrays, self.rows[missing])
            self.made.update(zip(missing, made, strict=True))
        return [self.made[i] for i in wanted]


def components(problem: MatchingProblem, arrays: CandidateArrays) -> Int32Array:
    """Component label of each row: connected components of the graph whose nodes are the
    problem's orders and windows and whose edges are the rows.

    Label propagation with pointer jumping: every node points to a node of smaller number
    in its component (orders are numbered before windows); each round hooks, for every edge
    whose ends have different roots, the larger root under the smaller, then jumps pointers
    until every node points at its root. A root is then the smallest node of its component,
    an order, and that order's first row is the component's first row.
    Labels are numbered 0, 1, ... in the order ``model.independent_components`` sorts the
    components: most rows first, then by the (order id, window id) of the first row.
    """
    orders, windows = len(problem.orders), len(problem.windows)
    if not len(arrays):
        return np.zeros(0, dtype=np.int32)
    u = arrays.order
    v = arrays.window + np.int32(orders)
    parent = np.arange(orders + windows, dtype=np.int32)
    while True:
        ru, rv = parent[u], parent[v]
        differ = np.flatnonzero(ru != rv)
        if not len(differ):
            break
        ru, rv = ru[differ], rv[differ]
        np.minimum.at(parent, np.maximum(ru, rv), np.minimum(ru, rv))
        del ru, rv, differ
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    root_of_row = parent[u]
    sizes = np.bincount(root_of_row, minlength=orders)
    roots = np.flatnonzero(sizes)
    # every order's rows are contiguous: its first row is where the order column changes
    starts = np.flatnonzero(np.diff(arrays.order, prepend=np.int32(-1)))
    first_of_order = np.zeros(orders, dtype=np.int64)
    first_of_order[arrays.order[starts]] = starts
    first_row = first_of_order[roots]
    order_ids = np.array([o.id for o in problem.orders], dtype=np.int64)
    window_ids = np.array([w.id for w in problem.windows], dtype=np.int64)
    rank = np.lexsort((window_ids[arrays.window[first_row]], order_ids[roots], -sizes[roots]))
    number = np.zeros(orders, dtype=np.int32)
    number[roots[rank]] = np.arange(len(roots), dtype=np.int32)
    result: Int32Array = number[root_of_row]
    return result


def component_groups(labels: Int32Array) -> list[IntArray]:
    """Row indices of each component, in label order (rows ascending within one)."""
    if not len(labels):
        return []
    rows = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[rows], np.arange(int(labels.max()) + 2))
    return [rows[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]


def order_window_cells(problem: MatchingProblem) -> int:
    """Orders x windows of the same category, summed over categories: how many (order,
    window) cells the eligible pairs are filtered from."""
    categories = np.array([o.category_id for o in problem.orders], dtype=np.int64)
    window_categories = np.array([w.category_id for w in problem.windows], dtype=np.int64)
    if not len(categories) or not len(window_categories):
        return 0
    ids, orders = np.unique(categories, return_counts=True)
    windows = np.searchsorted(np.sort(window_categories), [ids, ids + 1])
    return int((orders * (windows[1] - windows[0])).sum())


def windows_per_order(problem: MatchingProblem) -> int | None:
    """How many pairs each order keeps at most: the problem's own cap, else
    ``CAPPED_WINDOWS_PER_ORDER`` above ``CAP_CELLS`` order-window cells, else None (every
    pair). With a cap the pairs are not every eligible pair, so no bound computed on them
    (CP-SAT's, the LP's) is a proof for the whole problem: ``solve`` then bounds by every
    order's best window, which the cap keeps (``some_per_order``)."""
    if problem.solver.max_windows_per_order is not None:
        return problem.solver.max_windows_per_order
    if order_window_cells(problem) > CAP_CELLS:
        return CAPPED_WINDOWS_PER_ORDER
    return None


def with_windows_per_order(problem: MatchingProblem) -> MatchingProblem:
    """The problem with its cap (``windows_per_order``) in its parameters, so that the
    order-window cells are counted once and a shard made from it carries the cap."""
    cap = windows_per_order(problem)
    if cap == problem.solver.max_windows_per_order:
        return problem
    return dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, max_windows_per_order=cap)
    )


def problem_pairs(problem: MatchingProblem) -> CandidateArrays:
    """The problem's eligible pairs: those it carries (a shard, see ``shards.py``), else
    built (``build_candidate_arrays``), capped per order on a market too large for every
    pair (``windows_per_order``)."""
    if problem.pairs is None or problem.pairs.key != pairs_key(problem):
        return build_candidate_arrays(problem, max_windows_per_order=windows_per_order(problem))
    return unpack_pairs(problem.pairs)


def pairs_key(problem: MatchingProblem) -> str:
    """A fingerprint of the ids of the problem's orders, windows and factories, in order."""
    digest = hashlib.blake2b(digest_size=16)
    for items in (problem.orders, problem.windows, problem.factories):
        ids = np.array([item.id for item in items], dtype=np.int64)
        digest.update(np.int64(len(ids)).tobytes() + ids.astype("<i8").tobytes())
    return digest.hexdigest()


def select_rows(
    arrays: CandidateArrays,
    rows: IntArray,
    *,
    orders: IntArray,
    windows: IntArray,
    factories: IntArray,
) -> CandidateArrays:
    """The ``rows`` of ``arrays`` for a sub-problem made of the problem's ``orders``,
    ``windows`` and ``factories`` (indices, ascending, holding every one the rows use):
    indices renumbered into the sub-problem's, rows in the same order."""

    def renumber(index: Int32Array, kept: IntArray) -> Int32Array:
        result: Int32Array = np.searchsorted(kept, index).astype(np.int32)
        return result

    columns = {name: getattr(arrays, name)[rows] for name in FIELDS}
    columns["order"] = renumber(columns["order"], orders)
    columns["window"] = renumber(columns["window"], windows)
    columns["factory"] = renumber(columns["factory"], factories)
    return CandidateArrays(**columns, reason_code=arrays.reason_code[orders])


def pack_pairs(problem: MatchingProblem, arrays: CandidateArrays) -> PackedPairs:
    """The arrays of ``problem`` as JSON-friendly text (see ``PackedPairs``)."""
    named = [(name, getattr(arrays, name)) for name in FIELDS] + [
        ("reason_code", arrays.reason_code)
    ]
    return PackedPairs(
        key=pairs_key(problem),
        rows=len(arrays),
        columns=tuple(
            (
                name,
                base64.b64encode(
                    zlib.compress(
                        np.ascontiguousarray(
                            column, dtype=column.dtype.newbyteorder("<")
                        ).tobytes(),
                        1,
                    )
                ).decode("ascii"),
            )
            for name, column in named
        ),
    )


def unpack_pairs(packed: PackedPairs) -> CandidateArrays:
    """``pack_pairs`` read back."""
    types: dict[str, type[np.generic]] = {**FIELDS, "reason_code": np.int64}
    text = dict(packed.columns)
    if "pooled" not in text:  # packed before pooling: no pooled pairs
        text["pooled"] = base64.b64encode(zlib.compress(bytes(packed.rows), 1)).decode("ascii")
    if set(text) != set(types):
        raise ValueError(f"packed pairs with columns {sorted(text)}")
    columns = {
        name: np.frombuffer(
            zlib.decompress(base64.b64decode(text[name])), dtype=np.dtype(kind).newbyteorder("<")
        ).astype(kind)
        for name, kind in types.items()
    }
    arrays = CandidateArrays(**columns)
    if any(len(getattr(arrays, name)) != packed.rows for name in FIELDS):
        raise ValueError("packed pairs of unequal lengths")
    return arrays
