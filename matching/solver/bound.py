"""A proven upper bound on the value of every feasible answer, over every eligible pair.

The *value* of an answer (maximised, in fen) is the market benchmark's single objective:

    value = 10,000 x sum(units x priority weight) - sum(units x (unit price + transport))

One weighted unit is worth 10,000 fen and a unit weighs at least 1,000, so the value ranks
answers as the solver's stages 1 and 2 do (more weighted units first, then less cost). The
bound is the LP relaxation of the matching MIP below over every eligible pair (not only
pairs some heuristic kept), certified by LP duality, so ``gap = (bound - value) / bound``
is a proof of how far any answer can be from the best one.

The MIP, linear in the number of pairs (columns, all with lower bound 0):

- ``x`` per pair (binary: the pair is used); a whole order takes at most one window;
- a splittable order's pair also has its units ``u`` with ``smallest * x <= u <= largest
  * x``, ``m`` per splittable order (binary: it is made) with ``sum(u) = quantity * m``,
  and the *linking row* ``x <= m``, which with ``u <= largest * x`` gives ``u <= largest *
  m``: making a fraction ``m`` of an order takes at most that fraction of each window's
  largest part. Without it the LP made, say, 10% of an order of 10,000 units entirely in
  one fragment with room for 1,000;
- earliest-deadline-first capacity as a chain per window: with the window's distinct due
  days ``d_1 < ... < d_k`` (a pair's due day is its latest finish, or the window's end when
  that is earlier), ``load_j = load_(j-1) + units due at d_j`` and ``0 <= load_j <=
  min(free units up to d_j, remaining units)``, exactly the EDF condition;
- optionally (``big_items``; the bench's bound uses k = 1, a run's none: they tighten the
  10k bound by 0.16% but nearly double HiGHS's time) *big-item rows* per window, valid for
  every integer answer: with ``C`` the room of the window by its last due day, at most
  ``k`` of the pairs whose smallest possible load is more than ``C / (k + 1)`` fit
  together (the LP otherwise fills a window with halves of orders that are each more than
  half of it).

The bound is reported through duality: for any row prices ``y`` whose signs fit the rows,
``sum(y * row side) + sum(upper * max(0, c - A'y))`` bounds every solution, so the bound
holds even when the LP solver stops at its time limit or its duals are slightly off (then
it is only weaker); each block (connected component) also counts at most its orders' best
windows with capacity ignored, and a relative 1e-9 covers floating point.

The LP is solved by HiGHS in a separate interpreter (``highs_lp.py``; HiGHS and OR-Tools
cannot share a process), started before the search so that both run side by side within
the run's time. (GLOP in this process was tried: its row duals certify bounds some 8% weaker
than HiGHS's on the same LP, and it is far slower on the large blocks.)
"""

from __future__ import annotations

import base64
import io
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from matching.solver.candidate_arrays import CandidateArrays
from matching.solver.candidates import Candidate
from matching.solver.problem import MatchingProblem

# fen per weighted unit in the value
VALUE_PER_WEIGHTED_UNIT = 10_000
# relative margin added to the dual bound for floating-point rounding
BOUND_MARGIN = 1e-9
# the LP sees objective coefficients divided by this
OBJECTIVE_SCALE = 10_000.0
# the niceness of the HiGHS process (0..19)
HIGHS_NICENESS = 10

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class BoundPairs:
    """Every eligible pair as arrays; ``order`` and ``window`` are dense indexes.

    ``due_day`` is the last day (an integer, any origin) on which the pair's units may be
    made; ``room[p]`` is the most new units the pair's window can make by that day: free
    units up to it, capped by the window's remaining units. ``block`` is the connected
    component of each pair, 0 the largest.
    """

    order: IntArray
    window: IntArray
    quantity: IntArray  # the order's whole quantity
    smallest: IntArray  # units of the pair when used: a whole order's quantity, or a part
    largest: IntArray
    split: BoolArray
    unit_value: FloatArray  # value of one unit made by the pair, fen
    due_day: IntArray
    room: IntArray
    block: IntArray

    def __len__(self) -> int:
        return len(self.order)

    @property
    def orders(self) -> int:
        return int(self.order.max()) + 1 if len(self.order) else 0

    @property
    def blocks(self) -> int:
        return int(self.block.max()) + 1 if len(self.block) else 0


def unit_value(candidate: Candidate, weight: int) -> int:
    """The value of one unit of ``candidate``'s order made in its window (fen)."""
    return (
        VALUE_PER_WEIGHTED_UNIT * weight
        - candidate.unit_price_fen
        - candidate.transport_cost_fen_per_unit
    )


def row_unit_values(arrays: CandidateArrays, weights: IntArray, rows: IntArray) -> FloatArray:
    """``unit_value`` of each of ``rows``; ``weights``: each order's priority weight."""
    value = (
        VALUE_PER_WEIGHTED_UNIT * weights[arrays.order[rows]]
        - arrays.unit_price_fen[rows].astype(np.int64)
        - arrays.transport_cost_fen_per_unit[rows]
    )
    return value.astype(np.float64)


def dense_rank(index: npt.NDArray[np.integer], size: int) -> IntArray:
    """``np.unique(index, return_inverse=True)[1]`` for indices in ``[0, size)``, without
    sorting (at 100k x 10k the two sorts took 3 s of the bound's build)."""
    used = np.zeros(size, dtype=np.bool_)
    used[index] = True
    rank = np.cumsum(used, dtype=np.int64) - 1
    dense: IntArray = rank[index]
    return dense


def pairs_of_blocks(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    blocks: Sequence[IntArray],
    weights: IntArray,
) -> BoundPairs:
    """The rows of ``blocks`` (row indices into ``arrays`` per block, block 0 first) as the
    bound's pairs; ``weights``: each order's priority weight."""
    rows = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int64)
    block = np.repeat(np.arange(len(blocks), dtype=np.int64), [len(b) for b in blocks])
    order, window = arrays.order[rows], arrays.window[rows]
    quantity = np.array([o.quantity for o in problem.orders], dtype=np.int64)[order]
    split = np.array([o.allow_split for o in problem.orders], dtype=np.bool_)[order]
    end = np.array([w.end_date.toordinal() for w in problem.windows], dtype=np.int64)[window]
    room = arrays.room[rows].astype(np.int64)
    return BoundPairs(
        order=dense_rank(order, len(problem.orders)),
        window=dense_rank(window, len(problem.windows)),
        quantity=quantity,
        smallest=np.where(split, arrays.min_units[rows], quantity).astype(np.int64),
        largest=np.where(split, np.minimum(arrays.max_units[rows], room), quantity).astype(
            np.int64
        ),
        split=split,
        unit_value=row_unit_values(arrays, weights, rows),
        due_day=np.minimum(arrays.latest_finish[rows].astype(np.int64), end),
        room=room,
        block=block,
    )


def pack_bound_pairs(pairs: BoundPairs) -> str:
    """``pairs`` as JSON-friendly text (compressed ``.npz``, base64), for a Celery message."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, **{name: getattr(pairs, name) for name in BoundPairs.__dataclass_fields__}
    )
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack_bound_pairs(text: str) -> BoundPairs:
    """``pack_bound_pairs`` read back."""
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as found:
        return BoundPairs(**{name: found[name] for name in BoundPairs.__dataclass_fields__})


@dataclass(frozen=True)
class LpModel:
    """The MIP of the module docstring in coordinate form, maximised. Columns: ``x`` per
    pair (the first ``pairs``), ``u`` per pair of a splittable order, ``m`` per
    splittable order, then the chain's loads. Block diagonal: ``col_block``,
    ``row_block`` (block 0 the largest)."""

    pairs: int
    cost: FloatArray  # objective coefficients (fen)
    upper: FloatArray  # column upper bounds (lower bounds are 0)
    integer: npt.NDArray[np.int32]  # 1 for x, u and m
    row_lower: FloatArray  # -inf for none
    row_upper: FloatArray  # +inf for none
    rows: IntArray
    cols: IntArray
    values: FloatArray
    col_block: IntArray
    row_block: IntArray
    blocks: int
    # column of each pair's units: x (whole orders, units = quantity * x) or u (parts)
    units_col: IntArray
    # per pair: the column m of its splittable order (-1 for a whole order), its chain group
    made_col: IntArray
    pair_group: IntArray
    # per chain group: its load column, and whether it is the first of its window
    load_col: IntArray
    group_first: BoolArray
    # per pair, the rows that tie windows together (-1 for none): its whole order's "at
    # most one window" row; its splittable order's "parts add up" row; its linking row
    order_row: IntArray
    made_row: IntArray
    link_row: IntArray


def build_lp(pairs: BoundPairs, big_items: int = 0) -> LpModel:
    """The MIP of the module docstring over ``pairs`` (solved as an LP for the bound), with
    the big-item rows for k = 1 .. ``big_items``."""
    n = len(pairs)
    orders = pairs.orders
    component = pairs.block
    order_component = np.zeros(orders, dtype=np.int64)
    order_component[pairs.order] = component
    whole, split = np.nonzero(~pairs.split)[0], np.nonzero(pairs.split)[0]
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    values: list[FloatArray] = []
    row_lower: list[FloatArray] = []
    row_upper: list[FloatArray] = []
    row_block: list[IntArray] = []
    n_rows = 0

    def add_rows(count: int, lower: float, upper: float, block: IntArray) -> IntArray:
        nonlocal n_rows
        index = n_rows + np.arange(count, dtype=np.int64)
        n_rows += count
        row_lower.append(np.full(count, lower))
        row_upper.append(np.full(count, upper))
        row_block.append(block)
        return index

    def add_entries(row: IntArray, col: IntArray, value: FloatArray | float) -> None:
        rows.append(row)
        cols.append(col)
        values.append(
            np.broadcast_to(np.asarray(value, dtype=np.float64), row.shape).astype(np.float64)
        )

    # columns of the parts and of "the splittable order is made"
    u_col = n + np.arange(len(split), dtype=np.int64)
    split_orders, split_order_of = np.unique(pairs.order[split], return_inverse=True)
    m_col = n + len(split) + np.arange(len(split_orders), dtype=np.int64)
    n_cols = n + len(split) + len(split_orders)
    units_col = np.arange(n, dtype=np.int64)
    units_col[split] = u_col
    made_col = np.full(n, -1, dtype=np.int64)
    made_col[split] = m_col[split_order_of]

    # a whole order takes at most one window (a row only when it has two or more)
    orders_whole, counts = np.unique(pairs.order[whole], return_counts=True)
    several = counts >= 2
    order_row = np.full(orders, -1, dtype=np.int64)
    order_row[orders_whole[several]] = add_rows(
        int(several.sum()), -np.inf, 1.0, order_component[orders_whole[several]]
    )
    in_row = whole[order_row[pairs.order[whole]] >= 0]
    add_entries(order_row[pairs.order[in_row]], in_row, 1.0)

    # parts: smallest * x <= u <= largest * x; parts of an order add up to quantity * m
    smallest = pairs.smallest[split].astype(np.float64)
    largest = pairs.largest[split].astype(np.float64)
    low = add_rows(len(split), 0.0, np.inf, component[split])
    add_entries(low, u_col, 1.0)
    add_entries(low, split, -smallest)
    high = add_rows(len(split), -np.inf, 0.0, component[split])
    add_entries(high, u_col, 1.0)
    add_entries(high, split, -largest)
    made = add_rows(len(split_orders), 0.0, 0.0, order_component[split_orders])
    add_entries(made[split_order_of], u_col, 1.0)
    quantity_of = np.zeros(orders, dtype=np.int64)
    quantity_of[pairs.order] = pairs.quantity
    add_entries(made, m_col, -quantity_of[split_orders].astype(np.float64))
    # linking: a part is used only when its order is made, x <= m (u <= largest * m
    # follows: u <= largest * x <= largest * m)
    link = add_rows(len(split), -np.inf, 0.0, component[split])
    add_entries(link, split, 1.0)
    add_entries(link, made_col[split], -1.0)
    pair_order_row = np.full(n, -1, dtype=np.int64)
    pair_order_row[whole] = order_row[pairs.order[whole]]
    pair_made_row = np.full(n, -1, dtype=np.int64)
    pair_made_row[split] = made[split_order_of]
    pair_link_row = np.full(n, -1, dtype=np.int64)
    pair_link_row[split] = link

    # chain rows and load columns: one per (window, due day), in that order
    by_group = np.lexsort((pairs.due_day, pairs.window))
    w_sorted = pairs.window[by_group]
    d_sorted = pairs.due_day[by_group]
    new_group = np.ones(n, dtype=np.bool_)
    new_group[1:] = (w_sorted[1:] != w_sorted[:-1]) | (d_sorted[1:] != d_sorted[:-1])
    group_of_sorted = np.cumsum(new_group) - 1
    n_groups = int(group_of_sorted[-1]) + 1 if n else 0
    group_window = w_sorted[new_group]
    group_component = component[by_group][new_group]
    group_room = pairs.room[by_group][new_group]
    group = np.empty(n, dtype=np.int64)
    group[by_group] = group_of_sorted
    load_col = n_cols + np.arange(n_groups, dtype=np.int64)
    first_in_window = np.ones(n_groups, dtype=np.bool_)
    first_in_window[1:] = group_window[1:] != group_window[:-1]
    chain = add_rows(n_groups, 0.0, 0.0, group_component)
    add_entries(chain[group[whole]], whole, pairs.quantity[whole].astype(np.float64))
    add_entries(chain[group[split]], u_col, 1.0)
    add_entries(chain, load_col, -1.0)
    add_entries(chain[~first_in_window], load_col[~first_in_window] - 1, 1.0)
    # a load never exceeds the room by its day (free units up to it, remaining units)
    load_upper = group_room.astype(np.float64)

    # big-item rows: per window with room C by its last due day, at most k of the pairs
    # whose smallest load exceeds C / (k + 1)
    need = np.where(pairs.split, pairs.smallest, pairs.quantity)
    by_window_pairs = np.argsort(pairs.window, kind="stable")
    window_sorted = pairs.window[by_window_pairs]
    bounds = np.flatnonzero(np.diff(window_sorted)) + 1
    window_room = np.zeros(int(pairs.window.max()) + 1 if n else 0, dtype=np.int64)
    np.maximum.at(window_room, pairs.window, pairs.room)
    big_rows: list[int] = []
    big_cols: list[IntArray] = []
    big_k: list[int] = []
    for members in np.split(by_window_pairs, bounds) if n else []:
        if len(members) < 2:
            continue
        capacity = int(window_room[pairs.window[members[0]]])
        for k in range(1, big_items + 1):
            big = members[need[members] * (k + 1) > capacity]
            if len(big) <= k:
                break
            big_rows.append(int(component[big[0]]))
            big_cols.append(big)
            big_k.append(k)
    if big_rows:
        index = add_rows(len(big_rows), -np.inf, 0.0, np.array(big_rows, dtype=np.int64))
        row_upper[-1] = np.array(big_k, dtype=np.float64)
        sizes = np.array([len(c) for c in big_cols], dtype=np.int64)
        add_entries(np.repeat(index, sizes), np.concatenate(big_cols), 1.0)

    cost = np.zeros(n_cols + n_groups)
    cost[whole] = pairs.quantity[whole] * pairs.unit_value[whole]
    cost[u_col] = pairs.unit_value[split]
    upper = np.concatenate([np.ones(n), largest, np.ones(len(split_orders)), load_upper])
    integer = np.zeros(n_cols + n_groups, dtype=np.int32)
    integer[:n_cols] = 1

    def joined(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    return LpModel(
        pairs=n,
        cost=cost,
        upper=upper,
        integer=integer,
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
        rows=joined(rows),
        cols=joined(cols),
        values=np.concatenate(values) if values else np.zeros(0),
        col_block=np.concatenate(
            [component, component[split], order_component[split_orders], group_component]
        ).astype(np.int64),
        row_block=joined(row_block),
        blocks=pairs.blocks,
        units_col=units_col,
        made_col=made_col,
        pair_group=group,
        load_col=load_col,
        group_first=first_in_window,
        order_row=pair_order_row,
        made_row=pair_made_row,
        link_row=pair_link_row,
    )


def dual_bound_by_block(model: LpModel, y: FloatArray) -> FloatArray:
    """Per block, ``sum over rows of y * (upper if y > 0 else lower) + sum over columns of
    upper * max(0, c - A'y)``.

    Valid for any ``y`` once its signs are made to fit the rows (``y >= 0`` on rows with no
    lower bound, ``y <= 0`` on rows with no upper bound): rows without duals (0) only make
    it weaker. Every column has lower bound 0.
    """
    y = np.where(np.isinf(model.row_lower), np.maximum(y, 0.0), y)
    y = np.where(np.isinf(model.row_upper), np.minimum(y, 0.0), y)
    side = np.where(y > 0, model.row_upper, np.where(y < 0, model.row_lower, 0.0))
    side = np.where(np.isfinite(side), side, 0.0)
    reduced = model.cost - np.bincount(
        model.cols, weights=model.values * y[model.rows], minlength=len(model.cost)
    )
    rows = np.bincount(model.row_block, weights=y * side, minlength=model.blocks)
    cols = np.bincount(
        model.col_block, weights=model.upper * np.maximum(reduced, 0.0), minlength=model.blocks
    )
    return np.asarray(rows + cols, dtype=np.float64)


def best_windows_bound(pairs: BoundPairs) -> FloatArray:
    """Per block: every order in its best window, capacity ignored."""
    best = np.zeros(pairs.orders)
    np.maximum.at(best, pairs.order, np.maximum(pairs.quantity * pairs.unit_value, 0.0))
    order_block = np.zeros(pairs.orders, dtype=np.int64)
    order_block[pairs.order] = pairs.block
    found = np.bincount(order_block, weights=best, minlength=pairs.blocks)
    return np.asarray(found, dtype=np.float64)


def certified(per_block: FloatArray) -> float:
    """The whole bound from per-block bounds, with the floating-point margin."""
    total = float(per_block.sum())
    return total * (1 + BOUND_MARGIN) + 1.0 if total > 0 else 0.0


@dataclass(frozen=True)
class LpAnswer:
    statuses: list[str]  # per block
    values: FloatArray  # column values (zero where a block has none)
    row_duals: FloatArray  # zero where a block has none
    block_bounds: FloatArray | None  # a MIP's dual bound per block

    @property
    def status(self) -> str:
        """The worst block status ("Optimal" when all are)."""
        others = sorted({s for s in self.statuses if s != "Optimal"})
        return ", ".join(others) if others else "Optimal"


class HighsJob:
    """HiGHS on a model in its own interpreter (``highs_lp.py``), running while this
    process goes on; ``answer()`` waits for it."""

    def __init__(
        self,
        model: LpModel,
        *,
        integer: bool,
        time_limit_seconds: float,
        seed: int,
        start: FloatArray | None = None,
    ) -> None:
        self.model = model
        self.integer = integer
        self.directory = tempfile.TemporaryDirectory(prefix="matching-highs-")
        tmp = Path(self.directory.name)
        self.given, self.out = tmp / "model.npz", tmp / "answer.npz"
        np.savez(
            self.given,
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
        script = Path(__file__).with_name("highs_lp.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.given), str(self.out)],
            stdout=subprocess.DEVNULL,
            # the LP below the search in priority: on a busy machine the answer comes first
            # (a bound HiGHS could not finish is weaker, never wrong)
            preexec_fn=None if integer else lambda: os.nice(HIGHS_NICENESS),
        )

    def answer(self, wait_seconds: float | None = None) -> LpAnswer | None:
        """The answer, or None if HiGHS failed or is not done within ``wait_seconds``
        (then it is stopped)."""
        try:
            try:
                code = self.process.wait(timeout=wait_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
            if code != 0 or not self.out.exists():
                return None
            with np.load(self.out) as found:
                return LpAnswer(
                    statuses=[str(s) for s in found["statuses"]],
                    values=np.asarray(found["values"], dtype=np.float64),
                    row_duals=np.asarray(found["row_duals"], dtype=np.float64) * OBJECTIVE_SCALE,
                    block_bounds=(
                        np.asarray(found["block_bounds"], dtype=np.float64) * OBJECTIVE_SCALE
                        if self.integer
                        else None
                    ),
                )
        finally:
            self.directory.cleanup()


@dataclass(frozen=True)
class Bound:
    value: float  # fen; 0 when there is no pair
    per_block: FloatArray  # before the margin
    status: str  # HiGHS's status, in words
    seconds: float


class LpBound:
    """The LP bound of ``pairs``: the model is built and HiGHS started in its own process
    at once; ``finish`` waits for it (HiGHS stops at its time limit) and certifies the
    bound. Whatever HiGHS does, the bound is valid: a block without duals (HiGHS failed or
    was stopped before it started that block) counts its orders' best windows."""

    def __init__(self, pairs: BoundPairs, time_limit_seconds: float, big_items: int = 0) -> None:
        self.started = time.perf_counter()
        self.pairs = pairs
        self.model = build_lp(pairs, big_items) if len(pairs) else None
        self.job: HighsJob | None = None
        if self.model is not None:
            left = time_limit_seconds - (time.perf_counter() - self.started)
            self.job = HighsJob(self.model, integer=False, time_limit_seconds=left, seed=0)

    def finish(self, wait_seconds: float | None = None) -> Bound:
        """``wait_seconds``: how long HiGHS may still take (None: as long as it needs);
        past that (and half a second to write its answer) it is stopped."""
        model, job = self.model, self.job
        if model is None or job is None:
            return Bound(0.0, np.zeros(0), "NO_PAIRS", time.perf_counter() - self.started)
        found = job.answer(None if wait_seconds is None else max(wait_seconds, 0.0) + 0.5)
        duals = np.zeros(len(model.row_lower)) if found is None else found.row_duals
        status = "failed" if found is None else found.status
        per_block = np.minimum(dual_bound_by_block(model, duals), best_windows_bound(self.pairs))
        return Bound(certified(per_block), per_block, status, time.perf_counter() - self.started)


def relative_gap(bound: float, value: float) -> float:
    """``(bound - value) / |bound|`` (0 when both are 0)."""
    if bound == 0:
        return 0.0 if value == 0 else math.inf
    return (bound - value) / abs(bound)
