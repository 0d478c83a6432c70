"""CP-SAT's proven bound on the matching MIP, block by block (``bound.py``'s model).

The LP relaxation of the MIP (``bound.py``) and its Lagrangian (``lagrange.py``) leave a
gap on blocks that CP-SAT can close: on the 10k x 2k market, 191 of 205 blocks have fewer
than 1,000 pairs and together carry about a fifth of the gap between the LP bound and the
best answers. Every column of the MIP is an integer (``x``, ``u``, ``m``, and the chain's
loads, sums of units), every row has integer coefficients and sides, and every objective
coefficient is a whole number of fen, so the model goes to CP-SAT as it is, with nothing
rounded, and CP-SAT's best objective bound on a block is a bound on every answer there.

Blocks go smallest first, each with its share of the time left by size (what the small
ones leave rolls over), in two passes (``cpsat_block_bounds``); blocks above ``max_pairs``
are left to the LP and the Lagrangian.
A block whose solve ends without a solution gives no bound (infinite): CP-SAT reports its
bound only with a solution.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from matching.solver.bound import LpModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# blocks above this many pairs are left to the LP and the Lagrangian: on the 10k market
# CP-SAT's bound on blocks of 14,000-20,000 pairs was above the Lagrangian's
DEFAULT_MAX_PAIRS = 5_000
# a block gets at least this long
MIN_BLOCK_SECONDS = 0.05
# in the first pass a block gets at most this share of its share of the time by size
FIRST_PASS_SHARE = 0.25


def integral(values: FloatArray, what: str) -> IntArray:
    found = np.rint(values)
    if not np.all(np.abs(found - values) <= 1e-6 * np.maximum(1.0, np.abs(values))):
        raise ValueError(f"{what} are not whole numbers")
    return found.astype(np.int64)


class BlockModels:
    """The MIP's blocks as CP-SAT models (maximised), one at a time (``model(block)``)."""

    def __init__(self, model: LpModel) -> None:
        self.lp = model
        self.col_order = np.argsort(model.col_block, kind="stable")
        self.col_starts = np.searchsorted(
            model.col_block[self.col_order], np.arange(model.blocks + 1)
        )
        entry_block = model.row_block[model.rows]
        self.entry_order = np.lexsort((model.rows, entry_block))
        self.entry_starts = np.searchsorted(
            entry_block[self.entry_order], np.arange(model.blocks + 1)
        )

    def model(self, block: int) -> cp_model.CpModel:
        lp = self.lp
        cols = self.col_order[self.col_starts[block] : self.col_starts[block + 1]]
        entries = self.entry_order[self.entry_starts[block] : self.entry_starts[block + 1]]
        local = {int(c): i for i, c in enumerate(cols.tolist())}
        upper = integral(np.floor(lp.upper[cols] + 1e-9), "column bounds")
        cost = integral(lp.cost[cols], "objective coefficients")
        cp = cp_model.CpModel()
        var = [cp.new_int_var(0, int(u), "") for u in upper.tolist()]
        entry_rows = lp.rows[entries]
        coefficients = integral(lp.values[entries], "row coefficients").tolist()
        columns = [local[c] for c in lp.cols[entries].tolist()]
        bounds = np.flatnonzero(np.diff(entry_rows)) + 1
        starts = [0, *bounds.tolist()]
        ends = [*bounds.tolist(), len(entries)]
        for first, last in zip(starts, ends, strict=True):
            if first == last:
                continue
            row = int(entry_rows[first])
            expression = cp_model.LinearExpr.weighted_sum(
                [var[c] for c in columns[first:last]], coefficients[first:last]
            )
            lower, upper_side = lp.row_lower[row], lp.row_upper[row]
            if np.isfinite(lower):
                cp.add(expression >= int(np.ceil(lower - 1e-9)))
            if np.isfinite(upper_side):
                cp.add(expression <= int(np.floor(upper_side + 1e-9)))
        used = np.flatnonzero(cost)
        cp.maximize(
            cp_model.LinearExpr.weighted_sum([var[c] for c in used.tolist()], cost[used].tolist())
        )
        return cp


def cpsat_block_bounds(
    model: LpModel,
    time_limit_seconds: float,
    *,
    max_pairs: int = DEFAULT_MAX_PAIRS,
    workers: int = 1,
    seed: int = 0,
) -> tuple[FloatArray, FloatArray, int]:
    """Per block, CP-SAT's proven bound on the MIP's value (+inf where it gives none) and
    the value of the best answer it found (0 where none), and how many blocks it proved
    optimal.

    Two passes: every block, smallest first, with at most ``FIRST_PASS_SHARE`` of its share
    of the time by size (most small blocks are proven within it); then the blocks left
    unproven, again smallest first, sharing what is left. CP-SAT runs with
    ``linearization_level`` 2 (its LP relaxation with the knapsack rows' cuts): one worker
    then proved a 606-pair block of the 10k market in 0.8 s where two workers with the
    defaults took 5.8 s."""
    started = time.perf_counter()
    sizes = np.bincount(model.col_block[: model.pairs], minlength=model.blocks)
    found = np.full(model.blocks, np.inf)
    answers = np.zeros(model.blocks)
    models = BlockModels(model)
    chosen = [int(b) for b in np.argsort(sizes, kind="stable") if 0 < sizes[b] <= max_pairs]
    proven: set[int] = set()
    cached: dict[int, cp_model.CpModel] = {}
    for share_of_time in (FIRST_PASS_SHARE, 1.0):
        todo = [b for b in chosen if b not in proven]
        left = int(sizes[todo].sum())
        for block in todo:
            remaining = time_limit_seconds - (time.perf_counter() - started)
            if remaining <= 0:
                break
            share = remaining * int(sizes[block]) / max(left, 1)
            left -= int(sizes[block])
            cp = cached.pop(block, None) or models.model(block)
            solver = cp_model.CpSolver()
            solver.parameters.max_time_in_seconds = min(
                max(MIN_BLOCK_SECONDS, share * share_of_time), remaining
            )
            solver.parameters.num_workers = workers
            solver.parameters.random_seed = seed
            solver.parameters.linearization_level = 2
            status = solver.solve(cp)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found[block] = min(found[block], float(solver.best_objective_bound))
                answers[block] = max(answers[block], float(solver.objective_value))
            if status == cp_model.OPTIMAL:
                proven.add(block)
            elif share_of_time < 1.0:
                cached[block] = cp
    return found, answers, len(proven)
