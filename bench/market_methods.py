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

The MIP states the earliest-deadline-first capacity of a window as a chain, linear in the
number of pairs: with the window's distinct due days ``d_1 < ... < d_k`` (an order's due day
is its latest finish, or the window's end when that is earlier),

    load_j = load_(j-1) + units of the chosen orders due at d_j,
    0 <= load_j <= min(free units up to d_j, remaining units).

Between due days the load is constant and the free units only grow, so these rows are
exactly the EDF condition. A whole order takes at most one window; a splittable order's
parts ``u`` lie in ``[smallest * x, largest * x]`` per pair and add up to its quantity or
to nothing.

The bound is the LP relaxation of that MIP, solved by HiGHS. It is reported through LP
duality: for any row prices ``y`` whose signs fit the rows, ``sum(y * row side) +
sum(upper * max(0, c - A'y))`` bounds every solution, so the bound holds even when the LP
solver stops early or its duals are slightly off (then it is only weaker), and floating
point errors are covered by a small margin.

This module imports neither OR-Tools nor the solver at load time: HiGHS runs it as a
script in a separate interpreter (see ``run_highs``).
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bench.market_score import PairTable, Placement
    from matching.solver.problem import MatchingProblem

# HiGHS sees objective coefficients divided by this (weighted units minus cost / 10,000).
OBJECTIVE_SCALE = 10_000.0
# relative margin added to the dual bound for floating-point rounding
BOUND_MARGIN = 1e-9

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


@dataclass(frozen=True)
class MipModel:
    """The MIP in coordinate form, maximised. Columns: ``x`` per pair (the first ``pairs``,
    binary: the pair is used), ``u`` per pair of a splittable order (integer: its units),
    ``m`` per splittable order (binary: it is made), then the chain's loads (continuous).

    It is block diagonal: each connected component of the order-window graph is a block
    (``col_block``, ``row_block``; block 0 is the largest), solved on its own.
    """

    pairs: int
    cost: np.ndarray  # unscaled objective coefficients (fen)
    upper: np.ndarray  # column upper bounds (lower bounds are 0)
    integer: np.ndarray  # int32 per column: 1 for x, u and m
    row_lower: np.ndarray  # -inf for none
    row_upper: np.ndarray  # +inf for none
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    col_block: np.ndarray
    row_block: np.ndarray
    # column of each pair's units: x (whole orders, units = quantity * x) or u (parts)
    units_col: np.ndarray
    # per pair: the column m of its splittable order (-1 for a whole order), its chain group
    made_col: np.ndarray
    pair_group: np.ndarray
    # per chain group: its load column, and whether it is the first of its window
    load_col: np.ndarray
    group_first: np.ndarray

    @property
    def blocks(self) -> int:
        return int(self.col_block.max()) + 1 if len(self.col_block) else 0


def build_mip(pairs: PairTable, orders: int, windows: int) -> MipModel:
    """The model of the module docstring over ``pairs``, plus splitting: a part's units
    ``u`` lie in ``[smallest * x, largest * x]`` and an order's parts add up to
    ``quantity * m``."""
    n = len(pairs)
    component = pair_components(pairs, orders, windows)
    order_component = np.zeros(orders, dtype=np.int64)
    order_component[pairs.order] = component
    whole, split = np.nonzero(~pairs.split)[0], np.nonzero(pairs.split)[0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    row_lower: list[np.ndarray] = []
    row_upper: list[np.ndarray] = []
    row_block: list[np.ndarray] = []
    n_rows = 0

    def add_rows(count: int, lower: float, upper: float, block: np.ndarray) -> np.ndarray:
        nonlocal n_rows
        index = n_rows + np.arange(count)
        n_rows += count
        row_lower.append(np.full(count, lower))
        row_upper.append(np.full(count, upper))
        row_block.append(block)
        return index

    def add_entries(row: np.ndarray, col: np.ndarray, value: np.ndarray | float) -> None:
        rows.append(row)
        cols.append(col)
        values.append(np.broadcast_to(np.asarray(value, dtype=np.float64), row.shape))

    # columns of the parts and of "the splittable order is made"
    u_col = n + np.arange(len(split))
    split_orders, split_order_of = np.unique(pairs.order[split], return_inverse=True)
    m_col = n + len(split) + np.arange(len(split_orders))
    n_cols = n + len(split) + len(split_orders)
    units_col = np.arange(n)
    units_col[split] = u_col
    made_col = np.full(n, -1, dtype=np.int64)
    made_col[split] = m_col[split_order_of]

    # a whole order takes at most one window (a row only when it has two or more)
    orders_whole, first, counts = np.unique(
        pairs.order[whole], return_index=True, return_counts=True
    )
    several = counts >= 2
    order_row = np.full(orders, -1, dtype=np.int64)
    order_row[orders_whole[several]] = add_rows(
        int(several.sum()), -np.inf, 1.0, order_component[orders_whole[several]]
    )
    in_row = whole[order_row[pairs.order[whole]] >= 0]
    add_entries(order_row[pairs.order[in_row]], in_row, 1.0)

    # parts: smallest * x <= u <= largest * x; parts of an order add up to quantity * m
    low = add_rows(len(split), 0.0, np.inf, component[split])
    add_entries(low, u_col, 1.0)
    add_entries(low, split, -pairs.smallest[split].astype(np.float64))
    high = add_rows(len(split), -np.inf, 0.0, component[split])
    add_entries(high, u_col, 1.0)
    add_entries(high, split, -pairs.largest[split].astype(np.float64))
    made = add_rows(len(split_orders), 0.0, 0.0, order_component[split_orders])
    add_entries(made[split_order_of], u_col, 1.0)
    quantity_of = np.zeros(orders, dtype=np.int64)
    quantity_of[pairs.order] = pairs.quantity
    add_entries(made, m_col, -quantity_of[split_orders].astype(np.float64))

    # chain rows and load columns: one per (window, due day), in that order
    by_group = np.lexsort((pairs.due_day, pairs.window))
    w_sorted = pairs.window[by_group]
    d_sorted = pairs.due_day[by_group]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (w_sorted[1:] != w_sorted[:-1]) | (d_sorted[1:] != d_sorted[:-1])
    group_of_sorted = np.cumsum(new_group) - 1
    n_groups = int(group_of_sorted[-1]) + 1 if n else 0
    group_window = w_sorted[new_group]
    group_day = d_sorted[new_group]
    group_component = component[by_group][new_group]
    group = np.empty(n, dtype=np.int64)
    group[by_group] = group_of_sorted
    load_col = n_cols + np.arange(n_groups)
    first_in_window = np.ones(n_groups, dtype=bool)
    first_in_window[1:] = group_window[1:] != group_window[:-1]
    chain = add_rows(n_groups, 0.0, 0.0, group_component)
    add_entries(chain[group[whole]], whole, pairs.quantity[whole].astype(np.float64))
    add_entries(chain[group[split]], u_col, 1.0)
    add_entries(chain, load_col, -1.0)
    add_entries(chain[~first_in_window], load_col[~first_in_window] - 1, 1.0)
    load_upper = np.minimum(
        pairs.cumfree[group_window, group_day + 1], pairs.capacity[group_window]
    ).astype(np.float64)

    unit_value = pairs.unit_value.astype(np.float64)
    cost = np.zeros(n_cols + n_groups)
    cost[whole] = pairs.quantity[whole] * unit_value[whole]
    cost[u_col] = unit_value[split]
    upper = np.concatenate(
        [
            np.ones(n),
            pairs.largest[split].astype(np.float64),
            np.ones(len(split_orders)),
            load_upper,
        ]
    )
    integer = np.zeros(n_cols + n_groups, dtype=np.int32)
    integer[:n_cols] = 1
    return MipModel(
        pairs=n,
        cost=cost,
        upper=upper,
        integer=integer,
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
        rows=np.concatenate(rows).astype(np.int64),
        cols=np.concatenate(cols).astype(np.int64),
        values=np.concatenate(values),
        col_block=np.concatenate(
            [component, component[split], order_component[split_orders], group_component]
        ),
        row_block=np.concatenate(row_block),
        units_col=units_col,
        made_col=made_col,
        pair_group=group,
        load_col=load_col,
        group_first=first_in_window,
    )


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
    interpreter; blocks share the time limit in proportion to their size, largest first.

    highspy and OR-Tools each ship their own, incompatible ``libhighs.so.1``; whichever is
    loaded first breaks the other in the same process. So HiGHS runs this file as a
    script, which imports only numpy and highspy; the arrays travel as ``.npz`` files.
    """
    with tempfile.TemporaryDirectory(prefix="market-highs-") as tmp:
        given, answer = Path(tmp) / "model.npz", Path(tmp) / "answer.npz"
        np.savez(
            given,
            cost=model.cost / OBJECTIVE_SCALE,
            upper=model.upper,
            row_lower=model.row_lower,
            row_upper=model.row_upper,
            rows=model.rows,
            cols=model.cols,
            values=model.values,
            col_block=model.col_block,
            row_block=model.row_block,
            integrality=model.integer if integer else np.zeros_like(model.integer),
            pairs=np.int64(model.pairs),
            time_limit=np.float64(max(time_limit_seconds, 0.01)),
            seed=np.int64(seed % 2_147_483_647),
            start=np.zeros(0) if start is None else start,
        )
        subprocess.run([sys.executable, __file__, str(given), str(answer)], check=True)
        with np.load(answer) as found:
            values = found["values"]
            return HighsResult(
                statuses=[str(s) for s in found["statuses"]],
                values=values,
                row_duals=found["row_duals"] * OBJECTIVE_SCALE,
                objective=float(np.dot(model.cost, values)),
                block_bounds=found["block_bounds"] * OBJECTIVE_SCALE if integer else None,
            )


def highs_worker(given: Path, answer: Path) -> None:
    """The other end of ``run_highs``: read the model, solve its blocks, write the answer."""
    import highspy

    with np.load(given) as data:
        model = {key: data[key] for key in data.files}
    cost, cols, rows = model["cost"], model["cols"], model["rows"]
    col_block, row_block = model["col_block"], model["row_block"]
    integrality, pairs = model["integrality"], int(model["pairs"])
    integer = bool(integrality.any())
    time_limit, seed = float(model["time_limit"]), int(model["seed"])
    start = model["start"]
    blocks = int(col_block.max()) + 1 if len(col_block) else 0
    # local index of every column and row within its block
    col_order = np.argsort(col_block, kind="stable")
    col_starts = np.searchsorted(col_block[col_order], np.arange(blocks + 1))
    col_local = np.empty(len(cost), dtype=np.int64)
    col_local[col_order] = np.arange(len(cost)) - col_starts[col_block[col_order]]
    row_order = np.argsort(row_block, kind="stable")
    row_starts = np.searchsorted(row_block[row_order], np.arange(blocks + 1))
    row_local = np.empty(len(row_block), dtype=np.int64)
    row_local[row_order] = np.arange(len(row_block)) - row_starts[row_block[row_order]]
    entry_block = row_block[rows]
    entry_order = np.lexsort((col_local[cols], row_local[rows], entry_block))
    entry_starts = np.searchsorted(entry_block[entry_order], np.arange(blocks + 1))
    sizes = np.bincount(col_block[:pairs], minlength=blocks)

    values = np.zeros(len(cost))
    duals = np.zeros(len(row_block))
    statuses: list[str] = []
    block_bounds = np.zeros(blocks)
    started = time.perf_counter()
    left = int(sizes.sum())
    for block in range(blocks):
        cs = col_order[col_starts[block] : col_starts[block + 1]]
        rs = row_order[row_starts[block] : row_starts[block + 1]]
        es = entry_order[entry_starts[block] : entry_starts[block + 1]]
        block_rows = row_local[rows[es]]
        row_lower, row_upper = model["row_lower"][rs], model["row_upper"][rs]
        arguments = (
            len(cs),
            len(rs),
            len(es),
            2,  # row-wise
            int(highspy.ObjSense.kMaximize),
            0.0,
            cost[cs],
            np.zeros(len(cs)),
            model["upper"][cs],
            np.where(np.isinf(row_lower), -highspy.kHighsInf, row_lower),
            np.where(np.isinf(row_upper), highspy.kHighsInf, row_upper),
            np.searchsorted(block_rows, np.arange(len(rs))).astype(np.int32),
            col_local[cols[es]].astype(np.int32),
            model["values"][es],
            integrality[cs].astype(np.int32),
        )
        remaining = time_limit - (time.perf_counter() - started)
        block_limit = max(0.01, remaining * sizes[block] / max(left, 1))
        left -= int(sizes[block])
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", seed)
        h.setOptionValue("time_limit", block_limit)
        if integer:
            h.setOptionValue("mip_rel_gap", 0.0)
        else:
            # Unpresolved dual simplex: 3x faster on these LPs, and when it stops at the
            # time limit its row duals are still (nearly) dual feasible: a good bound.
            h.setOptionValue("presolve", "off")
            h.setOptionValue("solver", "simplex")
        h.passModel(*arguments)
        if integer and len(start):
            h.setSolution(len(cs), np.arange(len(cs), dtype=np.int32), start[cs])
        h.run()
        info = h.getInfo()
        statuses.append(h.modelStatusToString(h.getModelStatus()))
        solution = h.getSolution()
        if info.primal_solution_status == 2:
            values[cs] = np.asarray(solution.col_value)
        if integer:
            block_bounds[block] = info.mip_dual_bound
        elif len(solution.row_dual) == len(rs):  # any row prices give a bound (dual_bound)
            duals[rs] = np.asarray(solution.row_dual)
    np.savez(
        answer,
        statuses=np.array(statuses, dtype=np.str_),
        values=values,
        row_duals=duals,
        block_bounds=block_bounds,
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
) -> Bound:
    """An upper bound on the objective of every solution: the LP relaxation over every
    eligible pair, certified by its duals (see the module docstring). Blocks share the
    time limit; a block stopped by it still gives a valid, slightly weaker bound, and each
    block counts the smaller of that and its orders' best windows.

    ``mip_seconds`` > 0: also run HiGHS's branch and cut on the MIP for that long (blocks
    share it) and take, per block, the smaller of the LP bound and HiGHS's MIP dual bound.
    That bound is much tighter (the LP lets large orders fill windows fractionally) but
    only as exact as HiGHS's tolerances, not certified like the LP one."""
    from bench.market_score import eligible_pairs

    started = time.perf_counter()
    pairs = eligible_pairs(problem) if pairs is None else pairs
    if len(pairs) == 0:
        return Bound(0.0, "NO_PAIRS", 0.0, time.perf_counter() - started)
    model = build_mip(pairs, len(problem.orders), len(problem.windows))
    found = run_highs(model, integer=False, time_limit_seconds=time_limit_seconds, seed=0)
    order_block = np.zeros(len(problem.orders), dtype=np.int64)
    order_block[pairs.order] = model.col_block[: len(pairs)]
    per_block = np.minimum(
        dual_bound_by_block(model, found.row_duals), trivial_bound(pairs, order_block)
    )
    status = found.status
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
    # the floating-point margin, on the whole
    value = float(per_block.sum()) * (1 + BOUND_MARGIN) + 1.0
    return Bound(value, status, found.objective, time.perf_counter() - started)


def dual_bound_by_block(model: MipModel, y: np.ndarray) -> np.ndarray:
    """Per block, ``sum over rows of y * (upper if y > 0 else lower) + sum over columns of
    upper * max(0, c - A'y)``.

    Valid for any ``y`` once its signs are made to fit the rows (``y >= 0`` on rows with no
    lower bound, ``y <= 0`` on rows with no upper bound): rows without duals (0) only make
    it weaker. Every column has lower bound 0.
    """
    y = np.where(np.isinf(model.row_lower), np.maximum(y, 0.0), y)
    y = np.where(np.isinf(model.row_upper), np.minimum(y, 0.0), y)
    side = np.where(y > 0, model.row_upper, np.where(y < 0, model.row_lower, 0.0))
    reduced = model.cost - np.bincount(
        model.cols, weights=model.values * y[model.rows], minlength=len(model.cost)
    )
    blocks = model.blocks
    return np.bincount(model.row_block, weights=y * side, minlength=blocks) + np.bincount(
        model.col_block, weights=model.upper * np.maximum(reduced, 0.0), minlength=blocks
    )


def dual_bound(model: MipModel, y: np.ndarray) -> float:
    """The bound of row prices ``y`` on the whole model (with the floating-point margin)."""
    return float(dual_bound_by_block(model, y).sum()) * (1 + BOUND_MARGIN) + 1.0


# --- ours --------------------------------------------------------------------------------


def cpsat_market(problem: MatchingProblem, time_limit_seconds: float) -> list[Placement]:
    """``matching.solver.solve`` with the time limit (its build time not included in it)."""
    from bench.market_score import Placement
    from matching.solver import solve

    limited = dataclasses.replace(
        problem,
        solver=dataclasses.replace(problem.solver, time_limit_seconds=time_limit_seconds),
    )
    solution = solve(limited)
    return [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]


METHODS: dict[str, Method] = {
    "greedy": greedy_market,
    "highs": highs_market,
    "cpsat": cpsat_market,
}


def relative_gap(bound: float, objective: float) -> float:
    if bound == 0:
        return 0.0 if objective == 0 else math.inf
    return (bound - objective) / abs(bound)


if __name__ == "__main__":
    # run_highs: ``python market_methods.py MODEL.npz ANSWER.npz`` (numpy and highspy only)
    highs_worker(Path(sys.argv[1]), Path(sys.argv[2]))
