"""The ``market`` benchmark's bound on instances too large for one LP: streamed by category.

Orders and windows belong to one category each, and a pair joins an order and a window of
the same category, so every row of the MIP (an order made once, a window's capacity by each
due day) lies within one category: the problem is block diagonal by category, and the sum
of valid bounds of the category blocks is a valid bound of the whole problem.

``streamed_bound`` builds the eligible pairs of a batch of categories (a few million pairs;
a large category alone), keeps per pair only what the bound reads (its window and due day,
and the value of one unit: 8 bytes), bounds the batch and drops it before the next.

The bound of a batch is the Lagrangian of the capacity rows. With prices ``y[w, d] >= 0``
on "units due by day ``d`` in window ``w`` are at most its free units by ``d`` (and its
remaining units)", every feasible answer is worth at most

    sum(y[w, d] * free[w, d]) + sum over orders o of q_o * max(0, max over o's pairs p
                                                                 of v_p - Y[w_p, due_p])

where ``v_p`` is the objective of one unit made by the pair (``10_000 * weight - price -
transport``, ``market_score``) and ``Y[w, t] = sum(y[w, d] for d >= t)``: an order makes
at most its quantity, each unit in one window by its due day. That holds for any prices
(so for every iterate, stopped at any time); projected subgradient steps lower it within
the batch's share of the time. With ``y = 0`` it is every order in its best window.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bench.market_score import UNIT_VALUE, PairSource, category_pair_chunks
from matching.solver.model import priority_weight
from matching.solver.problem import MatchingProblem

# a batch of categories is bounded together once it holds this many pairs (about 8 bytes
# each while it is bounded, 4 x that in the step's temporaries)
BATCH_PAIRS = 4_000_000
# a relative margin for floating point, as ``matching.solver.bound.certified``
MARGIN = 1e-9


@dataclass
class CompactPairs:
    """The pairs of a batch of categories as the capacity Lagrangian reads them.

    Windows are renumbered 0..W-1 within the batch; ``cell`` is ``window * days + due``;
    pairs are grouped by order (``starts``: first pair of each order that has pairs).
    """

    cell: np.ndarray  # int32
    value: np.ndarray  # int64: fen per unit
    starts: np.ndarray  # int64
    quantity: np.ndarray  # float64, per order with pairs
    free: np.ndarray  # float64 [W, days]: free units by each day, within remaining units
    days: int
    # the category (0.. within the batch) of each order with pairs and of each window
    order_category: np.ndarray | None = None
    window_category: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.cell)


def compact_pairs(
    source: PairSource, categories: list[int], days: int, weights: np.ndarray
) -> CompactPairs:
    """The pairs of ``categories``, built chunk by chunk and kept as ``CompactPairs``;
    ``weights``: every order's ``priority_weight``."""
    problem = source.problem
    windows = np.array(
        [w for c in categories for w in source.windows_by_category[c]], dtype=np.int64
    )
    to_local = np.full(len(problem.windows), -1, dtype=np.int64)
    to_local[windows] = np.arange(len(windows))
    window_category = np.repeat(
        np.arange(len(categories)), [len(source.windows_by_category[c]) for c in categories]
    )
    category_of_order = np.full(len(problem.orders), -1, dtype=np.int64)
    for index, category_id in enumerate(categories):
        category_of_order[source.orders_by_category[category_id]] = index
    cells: list[np.ndarray] = []
    values: list[np.ndarray] = []
    orders: list[np.ndarray] = []
    for category_id in categories:
        for chunk in category_pair_chunks(source, category_id):
            order, window, _quantity, _small, _large, _split, price, transport, due = chunk
            cells.append((to_local[window] * days + due).astype(np.int32))
            values.append(UNIT_VALUE * weights[order] - price - transport)
            orders.append(order)
    if not cells:
        empty = np.zeros(0, dtype=np.int64)
        return CompactPairs(
            empty.astype(np.int32), empty, empty, empty.astype(float), np.zeros((0, days)), days
        )
    cell = np.concatenate(cells)
    value = np.concatenate(values)
    order = np.concatenate(orders)
    del cells, values, orders
    # chunks are by order then window within a category, and a category's orders are
    # its own: each order's pairs are already together
    first = np.flatnonzero(np.concatenate([[True], order[1:] != order[:-1]]))
    quantity = np.array(
        [problem.orders[int(o)].quantity for o in order[first].tolist()], dtype=np.float64
    )
    cumfree = source.cumfree[windows]
    free = np.minimum(cumfree[:, 1 : days + 1], source.capacity[windows][:, None])
    return CompactPairs(
        cell,
        value,
        first,
        quantity,
        free.astype(np.float64),
        days,
        category_of_order[order[first]],
        window_category,
    )


@dataclass(frozen=True)
class LagrangeResult:
    value: float  # the best bound found (with the floating-point margin)
    steps: int


def _suffix(y: np.ndarray) -> np.ndarray:
    """``Y[w, t] = sum(y[w, d] for d >= t)``, flat: the prices a unit due by ``t`` pays."""
    return np.ascontiguousarray(np.cumsum(y[:, ::-1], axis=1)[:, ::-1]).ravel()


def _relaxed(
    cell: np.ndarray,
    value: np.ndarray,
    starts: np.ndarray,
    pairs: CompactPairs,
    y: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """The Lagrangian at ``y`` over the pairs (``cell``, ``value``, grouped by ``starts``):
    its value, each pair's reduced value and each order's best."""
    reduced = value - _suffix(y)[cell]
    best = np.maximum.reduceat(reduced, starts)
    bound = float(
        np.dot(y.ravel(), pairs.free.ravel()) + np.dot(pairs.quantity, np.maximum(best, 0))
    )
    return bound, reduced, best


def _slack(
    cell: np.ndarray,
    reduced: np.ndarray,
    best: np.ndarray,
    order_of_pair: np.ndarray,
    pairs: CompactPairs,
    y: np.ndarray,
) -> np.ndarray:
    """A subgradient: the rows' slack under the relaxed answer (each order in its best
    window when that gains anything; ties all count: a direction only, never a bound),
    zero on rows that neither bind nor carry a price."""
    windows, days = pairs.free.shape
    used = (reduced == best[order_of_pair]) & (best > 0)[order_of_pair]
    load = np.bincount(
        cell[used], weights=pairs.quantity[order_of_pair[used]], minlength=windows * days
    ).reshape(windows, days)
    slack = pairs.free - np.cumsum(load, axis=1)
    return np.where((y > 0) | (slack < 0), slack, 0.0)


def _best_pairs(reduced: np.ndarray, best: np.ndarray, order_of_pair: np.ndarray) -> np.ndarray:
    """The first pair of each order with its best reduced value."""
    ties = np.flatnonzero(reduced == best[order_of_pair])
    owner = order_of_pair[ties]
    return ties[np.concatenate(([True], owner[1:] != owner[:-1]))]


def market_prices(pairs: CompactPairs) -> np.ndarray:
    """The best start with one price per category on its windows' whole capacity (their
    last row), per window: the value of the marginal unit when the category's orders, most
    valuable first, fill all its capacity (0 when they do not fill it). At that price ``P``
    the category's bound ``P * capacity + sum_o q_o * max(0, best_o - P)`` is least."""
    windows = pairs.free.shape[0]
    if pairs.order_category is None or pairs.window_category is None:
        order_category = np.zeros(len(pairs.starts), dtype=np.int64)
        window_category = np.zeros(windows, dtype=np.int64)
    else:
        order_category, window_category = pairs.order_category, pairs.window_category
    best = np.maximum.reduceat(pairs.value, pairs.starts).astype(np.float64)
    capacity = np.bincount(window_category, weights=pairs.free[:, -1])
    price = np.zeros(len(capacity))
    by_value = np.lexsort((-best, order_category))
    groups = order_category[by_value]
    bounds = np.searchsorted(groups, np.arange(len(capacity) + 1))
    for category in range(len(capacity)):
        mine = by_value[bounds[category] : bounds[category + 1]]
        filled = np.cumsum(pairs.quantity[mine])
        marginal = int(np.searchsorted(filled, capacity[category]))
        if marginal < len(mine):
            price[category] = max(float(best[mine[marginal]]), 0.0)
    result: np.ndarray = price[window_category]
    return result


@dataclass
class _StepLength:
    """Polyak's step length factor, halved after ``patience`` values in a row that are not
    below the best one."""

    patience: int
    theta: float = 1.0

    def track(self, value: float, best: float, stale: int) -> tuple[float, int]:
        """(the best value, how many in a row were not below it) after ``value``."""
        if value < best:
            return value, 0
        if stale + 1 >= self.patience:
            self.theta /= 2
            return best, 0
        return best, stale + 1


def capacity_lagrangian(
    pairs: CompactPairs,
    seconds: float,
    max_steps: int = 500,
    target_share: float = 0.02,
    patience: int = 6,
    inner_steps: int = 10,
) -> LagrangeResult:
    """The best capacity-Lagrangian bound of ``pairs`` found in ``seconds``: from one
    price per category (``market_prices``, already below every order in its best window,
    the bound at ``y = 0``), projected subgradient steps with Polyak's step length.

    When orders have many pairs (more than 4 each on average) the steps are taken on a
    working set of pairs (column generation): each round evaluates the bound on every
    pair (the only values reported), adds each order's best pair to the working set,
    then takes ``inner_steps`` steps on the working set alone, which are far cheaper."""
    if len(pairs) == 0:
        return LagrangeResult(0.0, 0)
    started = time.perf_counter()
    windows, days = pairs.free.shape
    orders = len(pairs.starts)
    y = np.zeros((windows, days))
    y[:, -1] = market_prices(pairs)
    best = np.inf
    length = _StepLength(patience)
    stale, steps = 0, 0
    order_of_pair = np.repeat(
        np.arange(orders, dtype=np.int32), np.diff(np.append(pairs.starts, len(pairs)))
    )
    rounds = len(pairs) > 4 * orders
    working = np.zeros(len(pairs), dtype=np.bool_) if rounds else None

    def step(slack: np.ndarray) -> bool:
        nonlocal y
        norm = float(np.dot(slack.ravel(), slack.ravel()))
        if norm == 0:
            return False
        y = np.maximum(y - length.theta * target_share * best / norm * slack, 0.0)
        return True

    def out_of_time() -> bool:
        return steps >= max_steps or time.perf_counter() - started >= seconds or length.theta < 1e-4

    while True:
        # every pair: the bound (valid for any y), and a step
        value, reduced, best_per_order = _relaxed(pairs.cell, pairs.value, pairs.starts, pairs, y)
        steps += 1
        best, stale = length.track(value, best, stale)
        if out_of_time():
            break
        if working is not None:
            working[_best_pairs(reduced, best_per_order, order_of_pair)] = True
        moved = step(_slack(pairs.cell, reduced, best_per_order, order_of_pair, pairs, y))
        del reduced
        if not moved:
            break
        if working is None:
            continue
        # the working set alone: every order has a pair in it
        rows = np.flatnonzero(working)
        cell, value_w, owner = pairs.cell[rows], pairs.value[rows], order_of_pair[rows]
        starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
        inner_best, inner_stale = np.inf, 0
        for _ in range(inner_steps):
            inner, reduced_w, best_w = _relaxed(cell, value_w, starts, pairs, y)
            inner_best, inner_stale = length.track(inner, inner_best, inner_stale)
            if time.perf_counter() - started >= seconds or length.theta < 1e-4:
                break
            if not step(_slack(cell, reduced_w, best_w, owner, pairs, y)):
                break
    return LagrangeResult(best + abs(best) * MARGIN, steps)


@dataclass(frozen=True)
class StreamedBound:
    value: float
    pairs: int
    batches: int
    steps: int
    seconds: float
    build_seconds: float


def category_batches(source: PairSource, batch_cells: int) -> Iterator[list[int]]:
    """Categories (by id) grouped into batches of about ``batch_cells`` order-window cells;
    a larger category alone."""
    batch: list[int] = []
    cells = 0
    for category_id in source.categories:
        size = source.cells(category_id)
        if batch and cells + size > batch_cells:
            yield batch
            batch, cells = [], 0
        batch.append(category_id)
        cells += size
    if batch:
        yield batch


def streamed_bound(
    problem: MatchingProblem,
    time_limit_seconds: float,
    batch_pairs: int = BATCH_PAIRS,
    source: PairSource | None = None,
) -> StreamedBound:
    """A bound on every answer's objective: the capacity Lagrangian of each batch of
    categories, built, bounded and dropped in turn; each batch gets a share of the time
    still left by its order-window cells (its pairs' build counted in it)."""
    started = time.perf_counter()
    source = PairSource.of(problem) if source is None else source
    days = max(source.cumfree.shape[1] - 1, 1)
    weights = np.array([priority_weight(o, problem.solver) for o in problem.orders], dtype=np.int64)
    total_cells = sum(source.cells(c) for c in source.categories)
    # cells per pair on the whole market, about 7: batches of about ``batch_pairs`` pairs
    batch_cells = 7 * batch_pairs
    cells_left = total_cells
    value = 0.0
    pairs = batches = steps = 0
    build = 0.0
    for batch in category_batches(source, batch_cells):
        cells = sum(source.cells(c) for c in batch)
        left = time_limit_seconds - (time.perf_counter() - started)
        share = max(left, 0.0) * cells / max(cells_left, 1)
        batch_started = time.perf_counter()
        compact = compact_pairs(source, batch, days, weights)
        build += time.perf_counter() - batch_started
        found = capacity_lagrangian(compact, share - (time.perf_counter() - batch_started))
        value += found.value
        pairs += len(compact)
        batches += 1
        steps += found.steps
        cells_left -= cells
        del compact
    return StreamedBound(value, pairs, batches, steps, time.perf_counter() - started, build)
