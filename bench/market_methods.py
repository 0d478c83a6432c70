"""The methods the ``market`` benchmark compares, and the LP bound they are measured against.

- ``greedy``: orders by earliest due date (then id); each takes its cheapest window
  (production plus transport per unit, then window id) that still passes the
  earliest-deadline-first test with the orders already placed there. Written here,
  independently of the solver's own greedy hint.
- ``highs``: the same model as a MIP for HiGHS (``highspy``), with the single scalar
  objective of ``market_score`` (``10_000 * weighted units - cost``) over every eligible
  pair, within the time limit. Like ours, it is solved one connected component of the
  order-window graph at a time (the model is block diagonal), the time shared out by
  size, and it starts from a feasible answer (the greedy one, as CP-SAT starts from its
  own greedy hint).
- ``cpsat``: ours, ``matching.solver.solve`` (greedy start, packing local search, and the
  three lexicographic CP-SAT stages on components small enough for CP-SAT).

The MIP and its LP relaxation, the bound, are the solver's (``matching/solver/bound.py``,
which the product's runs use for their own bound): a whole order takes at most one window,
a splittable order's parts lie in ``[smallest * x, largest * x]``, add up to its quantity
or to nothing and are linked to the order being made (``x <= m``), earliest-deadline-first
capacity as a chain per window, and here also the big-item rows for k = 1 (at most one of
the pairs of a window that each need more than half its room). The bound is certified by
LP duality: any row prices give a valid bound, so it holds even when HiGHS stops early.
HiGHS runs in a separate interpreter (``matching/solver/highs_lp.py``): highspy and
OR-Tools cannot share a process.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matching.solver.bound import (
    BoundPairs,
    HighsJob,
    LpModel,
    best_windows_bound,
    build_lp,
    certified,
    dual_bound_by_block,
)

if TYPE_CHECKING:
    from bench.market_score import PairTable, Placement
    from matching.solver.problem import MatchingProblem

Method = Callable[["MatchingProblem", float], "list[Placement]"]


# --- greedy ------------------------------------------------------------------------------


def greedy_market(problem: MatchingProblem, time_limit_seconds: float = 0.0) -> list[Placement]:
    """Earliest due first, cheapest window that still passes the EDF test."""
    from bench.market_score import eligible_pairs

    return greedy_on_pairs(problem, eligible_pairs(problem))


def greedy_on_pairs(problem: MatchingProblem, pairs: PairTable) -> list[Placement]:
    from bench.market_score import Placement

    # slack[w, t]: how many more units due by day t fit in window w; a job due on day d
    # fits when it is at most min(slack[w, d:end + 1])
    slack = np.minimum(pairs.cumfree[:, 1:], pairs.capacity[:, None])
    unit_cost = pairs.unit_price_fen + pairs.transport_fen
    starts = np.searchsorted(pairs.order, np.arange(len(problem.orders) + 1))
    order_rank = sorted(
        range(len(problem.orders)),
        key=lambda i: (problem.orders[i].due_date, problem.orders[i].id),
    )
    window_ids = np.array([w.id for w in problem.windows], dtype=np.int64)
    placements: list[Placement] = []

    def room(p: int) -> int:
        w = int(pairs.window[p])
        return int(slack[w, int(pairs.due_day[p]) : int(pairs.end_day[w]) + 1].min())

    def place(p: int, units: int) -> None:
        w = int(pairs.window[p])
        slack[w, int(pairs.due_day[p]) : int(pairs.end_day[w]) + 1] -= units
        order = problem.orders[int(pairs.order[p])]
        placements.append(Placement(order.id, int(window_ids[w]), units))

    for index in order_rank:
        lo, hi = starts[index], starts[index + 1]
        if lo == hi:
            continue
        options = np.arange(lo, hi)
        options = options[np.lexsort((window_ids[pairs.window[options]], unit_cost[options]))]
        order = problem.orders[index]
        whole = next(
            (
                int(p)
                for p in options
                if pairs.largest[p] >= order.quantity and room(int(p)) >= order.quantity
            ),
            None,
        )
        if whole is not None:
            place(whole, order.quantity)
            continue
        if not order.allow_split:
            continue
        # spread over the cheapest windows, leaving every remainder at least one lot
        parts: list[tuple[int, int]] = []
        left = order.quantity
        for p in map(int, options):
            units = min(room(p), int(pairs.largest[p]), left)
            if 0 < left - units < order.min_lot_quantity:
                units = left - order.min_lot_quantity
            if units >= pairs.smallest[p]:
                parts.append((p, units))
                left -= units
            if left == 0:
                for part, made in parts:
                    place(part, made)
                break
    return placements


# --- the MIP and its LP relaxation -------------------------------------------------------


def pair_components(pairs: PairTable, orders: int, windows: int) -> np.ndarray:
    """Connected component (0..k-1, largest first) of each pair in the order-window graph.

    Label propagation: every order and window takes the smallest label among its
    neighbours until nothing changes (a few dozen rounds of vectorised group minima).
    """
    n = len(pairs)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order_label = np.arange(orders, dtype=np.int64)
    window_label = orders + np.arange(windows, dtype=np.int64)
    order_starts = np.searchsorted(pairs.order, np.arange(orders))
    has_order = np.diff(np.append(order_starts, n)) > 0
    by_window = np.argsort(pairs.window, kind="stable")
    window_sorted = pairs.window[by_window]
    window_starts = np.searchsorted(window_sorted, np.arange(windows))
    has_window = np.diff(np.append(window_starts, n)) > 0
    while True:
        from_orders = order_label[pairs.order][by_window]
        low = np.minimum.reduceat(from_orders, window_starts[has_window])
        new_window = window_label.copy()
        new_window[has_window] = np.minimum(window_label[has_window], low)
        low = np.minimum.reduceat(new_window[pairs.window], order_starts[has_order])
        new_order = order_label.copy()
        new_order[has_order] = np.minimum(order_label[has_order], low)
        if np.array_equal(new_order, order_label) and np.array_equal(new_window, window_label):
            break
        order_label, window_label = new_order, new_window
    labels, inverse, sizes = np.unique(
        order_label[pairs.order], return_inverse=True, return_counts=True
    )
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.lexsort((labels, -sizes))] = np.arange(len(labels))
    return rank[inverse]


# The MIP (and its LP relaxation, the bound) is the solver's: matching/solver/bound.py.
MipModel = LpModel


def bound_pairs(pairs: PairTable, orders: int, windows: int) -> BoundPairs:
    """The eligible pairs in the form of the solver's bound (block: connected component)."""
    w = pairs.window.astype(np.int64)
    room = np.minimum(pairs.cumfree[w, pairs.due_day.astype(np.int64) + 1], pairs.capacity[w])
    return BoundPairs(
        order=pairs.order.astype(np.int64),
        window=w,
        quantity=pairs.quantity.astype(np.int64),
        smallest=pairs.smallest.astype(np.int64),
        largest=pairs.largest.astype(np.int64),
        split=pairs.split.astype(np.bool_),
        unit_value=pairs.unit_value.astype(np.float64),
        due_day=pairs.due_day.astype(np.int64),
        room=room.astype(np.int64),
        block=pair_components(pairs, orders, windows),
    )


def build_mip(pairs: PairTable, orders: int, windows: int, big_items: int = 1) -> MipModel:
    """The solver's MIP (``matching.solver.bound.build_lp``) over ``pairs``."""
    return build_lp(bound_pairs(pairs, orders, windows), big_items=big_items)


def start_values(model: MipModel, pairs: PairTable, units: np.ndarray) -> np.ndarray:
    """Every column's value for a feasible answer given as units per pair (0: unused)."""
    values = np.zeros(len(model.cost))
    used = units > 0
    values[: model.pairs][used] = 1.0
    split = used & pairs.split
    values[model.units_col[split]] = units[split]
    values[model.made_col[split]] = 1.0
    # load_j: units due by group j's day in its window (a running sum restarted per window)
    due = np.bincount(model.pair_group, weights=units, minlength=len(model.load_col))
    running = np.cumsum(due)
    restart = np.maximum.accumulate(np.where(model.group_first, np.arange(len(due)), 0))
    before = np.concatenate([[0.0], running])[restart]
    values[model.load_col] = running - before
    return values


@dataclass(frozen=True)
class HighsResult:
    # HiGHS's model status of each block, in words
    statuses: list[str]
    # column values; blocks without a feasible solution are all zero (nothing assigned)
    values: np.ndarray
    # row duals (LP only; zero in blocks that have none)
    row_duals: np.ndarray
    # objective in fen of the values; for a MIP also HiGHS's bound of each block
    objective: float
    block_bounds: np.ndarray | None

    @property
    def mip_dual_bound(self) -> float | None:
        return None if self.block_bounds is None else float(self.block_bounds.sum())

    @property
    def status(self) -> str:
        """The worst block status ("Optimal" when all are)."""
        others = sorted({s for s in self.statuses if s != "Optimal"})
        return ", ".join(others) if others else "Optimal"


def run_highs(
    model: MipModel,
    *,
    integer: bool,
    time_limit_seconds: float,
    seed: int,
    start: np.ndarray | None = None,
) -> HighsResult:
    """Solve the model (or its LP relaxation) block by block with HiGHS, in a fresh Python
    interpreter (``matching/solver/highs_lp.py``; highspy and OR-Tools cannot share a
    process); blocks share the time limit in proportion to their size, largest first."""
    job = HighsJob(
        model, integer=integer, time_limit_seconds=time_limit_seconds, seed=seed, start=start
    )
    found = job.answer(None)
    if found is None:
        raise RuntimeError("HiGHS failed")
    return HighsResult(
        statuses=found.statuses,
        values=found.values,
        row_duals=found.row_duals,
        objective=float(np.dot(model.cost, found.values)),
        block_bounds=found.block_bounds,
    )


def highs_market(problem: MatchingProblem, time_limit_seconds: float) -> list[Placement]:
    """The MIP through HiGHS, block by block within the time limit (model building is not
    included in it), started from the greedy answer; a block with no solution in time (not
    even the start) gets nothing assigned."""
    from bench.market_score import Placement, eligible_pairs

    pairs = eligible_pairs(problem)
    if len(pairs) == 0:
        return []
    model = build_mip(pairs, len(problem.orders), len(problem.windows))
    # start from the greedy answer, as CP-SAT starts from its own greedy hint
    greedy = {(p.order_id, p.window_id): p.quantity for p in greedy_on_pairs(problem, pairs)}
    order_ids = np.array([o.id for o in problem.orders])[pairs.order]
    window_ids = np.array([w.id for w in problem.windows])[pairs.window]
    start = np.array(
        [greedy.get(key, 0) for key in zip(order_ids.tolist(), window_ids.tolist(), strict=True)],
        dtype=np.float64,
    )
    found = run_highs(
        model,
        integer=True,
        time_limit_seconds=time_limit_seconds,
        seed=problem.solver.random_seed,
        start=start_values(model, pairs, start),
    )
    model_units = np.rint(found.values[model.units_col]).astype(np.int64)
    units = np.where(pairs.split, model_units, pairs.quantity)
    chosen = np.nonzero((found.values[: len(pairs)] > 0.5) & (units > 0))[0]
    return [
        Placement(
            problem.orders[pairs.order[p]].id,
            problem.windows[pairs.window[p]].id,
            int(units[p]),
        )
        for p in chosen
    ]


@dataclass(frozen=True)
class Bound:
    value: float
    lp_status: str
    lp_objective: float | None
    seconds: float
    # the LP's certified bound alone (``value`` is at most it), and how the rest went
    lp_value: float | None = None
    lagrange_value: float | None = None
    lagrange_prices: int = 0
    exact_blocks: int = 0
    exact_proven: int = 0


def trivial_bound(pairs: PairTable, order_block: np.ndarray | None = None) -> np.ndarray:
    """Every order in its best window, capacity ignored: the bound per block (one block
    when ``order_block`` is None)."""
    best = np.zeros(len(pairs.unit_weight))
    np.maximum.at(best, pairs.order, np.maximum(pairs.value.astype(np.float64), 0.0))
    if order_block is None:
        return np.array([best.sum()])
    return np.bincount(order_block, weights=best, minlength=int(order_block.max()) + 1)


def lp_bound(
    problem: MatchingProblem,
    time_limit_seconds: float = 600.0,
    pairs: PairTable | None = None,
    mip_seconds: float = 0.0,
    lagrange_seconds: float = 0.0,
    exact_seconds: float = 0.0,
) -> Bound:
    """An upper bound on the objective of every solution: the solver's LP bound
    (``matching.solver.bound``, with its linking and big-item rows) over every eligible
    pair, certified by its duals. Blocks share the time limit; a block stopped by it still
    gives a valid, slightly weaker bound, and each block counts the smaller of that and
    its orders' best windows.

    Within what is left of ``time_limit_seconds`` after the LP, each block then counts the
    smallest of that and of two more proofs: ``lagrange_seconds`` > 0, the Lagrangian
    bound started from the LP's duals (``matching.solver.lagrange``: each window solved in
    integers); ``exact_seconds`` > 0, CP-SAT's proven bound on the MIP of the blocks of
    at most 5,000 pairs, smallest first (``matching.solver.exact_bound``). Both hold for
    every answer, stopped early or not.

    ``mip_seconds`` > 0: also run HiGHS's branch and cut on the MIP for that long (blocks
    share it) and take, per block, the smaller of the LP bound and HiGHS's MIP dual bound.
    That bound is tighter but only as exact as HiGHS's tolerances, not certified like the
    LP one."""
    from bench.market_score import eligible_pairs

    started = time.perf_counter()
    pairs = eligible_pairs(problem) if pairs is None else pairs
    if len(pairs) == 0:
        return Bound(0.0, "NO_PAIRS", 0.0, time.perf_counter() - started)
    table = bound_pairs(pairs, len(problem.orders), len(problem.windows))
    model = build_lp(table, big_items=1)
    found = run_highs(model, integer=False, time_limit_seconds=time_limit_seconds, seed=0)
    per_block = np.minimum(dual_bound_by_block(model, found.row_duals), best_windows_bound(table))
    lp_value = certified(per_block)
    status = found.status

    def left() -> float:
        return time_limit_seconds - (time.perf_counter() - started)

    lagrange_value, prices = None, 0
    if lagrange_seconds > 0 and left() > 0:
        from matching.solver.lagrange import Lagrangian

        lagrangian, prices = Lagrangian(model, table).improve(
            found.row_duals, min(lagrange_seconds, left())
        )
        per_block = np.minimum(per_block, lagrangian)
        lagrange_value = certified(per_block)
    exact_blocks = exact_proven = 0
    if exact_seconds > 0 and left() > 0:
        from matching.solver.exact_bound import cpsat_block_bounds

        exact, _answers, exact_proven = cpsat_block_bounds(model, min(exact_seconds, left()))
        exact_blocks = int(np.isfinite(exact).sum())
        per_block = np.minimum(per_block, exact)
    if mip_seconds > 0:
        mip = run_highs(model, integer=True, time_limit_seconds=mip_seconds, seed=0)
        assert mip.block_bounds is not None
        # a block's MIP bound counts only when it is a bound at all: finite and at least
        # the block's own best solution (HiGHS reports +inf while it has none)
        found_value = np.bincount(
            model.col_block, weights=model.cost * mip.values, minlength=model.blocks
        )
        usable = np.isfinite(mip.block_bounds) & (mip.block_bounds >= found_value - 1.0)
        per_block = np.where(usable, np.minimum(per_block, mip.block_bounds), per_block)
        status = f"LP {status}; MIP {mip.status}"
    return Bound(
        certified(per_block),
        status,
        found.objective,
        time.perf_counter() - started,
        lp_value=lp_value,
        lagrange_value=lagrange_value,
        lagrange_prices=prices,
        exact_blocks=exact_blocks,
        exact_proven=exact_proven,
    )


def dual_bound(model: MipModel, y: np.ndarray) -> float:
    """The bound of row prices ``y`` on the whole model (with the floating-point margin)."""
    return certified(dual_bound_by_block(model, y))


# --- ours --------------------------------------------------------------------------------


def cpsat_market(problem: MatchingProblem, time_limit_seconds: float) -> list[Placement]:
    """``matching.solver.solve`` with the time limit (which covers its candidates, its own
    bound and the planned dates too). On a market above ``candidate_arrays.CAP_CELLS``
    order-window cells (a million orders have 190 million eligible pairs) the solver itself
    keeps each order's ``CAPPED_WINDOWS_PER_ORDER`` pairs and starts no LP bound (the bench's
    streamed bound covers every pair)."""
    from bench.market_score import Placement
    from matching.solver import solve

    params = dataclasses.replace(problem.solver, time_limit_seconds=time_limit_seconds)
    solution = solve(dataclasses.replace(problem, solver=params))
    return [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]


METHODS: dict[str, Method] = {
    "greedy": greedy_market,
    "highs": highs_market,
    "cpsat": cpsat_market,
}
