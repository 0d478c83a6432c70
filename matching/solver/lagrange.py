"""A Lagrangian bound on the matching MIP, tighter than its LP relaxation (``bound.py``).

The LP lets a window hold fractions of orders that, whole, do not fit together (an order
of 10,000 units half in each of two fragments of 6,000). Here the rows that tie windows
together are priced instead, and every window is then solved as the integer problem it is:

- relaxed, with prices ``y`` (the LP's row duals to start with): a whole order takes at
  most one window (``y >= 0``), a splittable order's parts add up to its quantity x ``m``
  (free), and the linking rows ``x <= m`` (``y >= 0``); the big-item rows are dropped
  (every integer answer keeps them anyway);
- kept, per window: each pair used or not, a part's units between its smallest and
  largest, and the earliest-deadline-first chain (units due by each due day at most the
  room by that day, which includes the remaining units), all in integers.

For any prices whose signs fit the rows, ``sum(y * row side) + sum over splittable orders
of max(0, reduced cost of m) + sum over windows of the best integer window answer at the
reduced values`` bounds every feasible answer (weak duality; the window problems are
relaxed further below, so the bound stays valid). At the LP's duals this is at most the
LP bound (a window's integer answer is worth at most its LP answer), and a projected
subgradient method on the prices (a Polyak step per block) lowers it further; each block
keeps the lowest value any prices gave it, so stopping early only makes it weaker.

**The window problem** is a knapsack with nested capacities: sorted by due day, the pairs
of a window are items; a dynamic programme over the load (``best[c]``: the most value with
load exactly ``c``) takes them in that order and, after the last pair due on a day, forgets
every load above the room by that day. A part of a splittable order is an item whose size
ranges over ``smallest .. largest`` with a value linear in it (a sliding-window maximum
makes that one pass). Loads are counted in granules of ``g`` units (``g = 1`` when the
window's room is at most ``cells``): a pair of ``q`` units takes ``floor(q / g)`` granules
and the room by a day ``floor(room / g)``, and a part's value per granule is the most its
units in that granule can be worth; every integer answer keeps fitting (a sum of floors is
at most the floor of the sum) and is worth no more, so this is a relaxation of the window
and the bound stays a proof. Compiled with numba (``cache=True``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from matching.solver.bound import BoundPairs, LpModel, dual_bound_by_block

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# at most this many load cells per window in the dynamic programme (more: granules)
DEFAULT_CELLS = 2_000
NEG = -1e300


@njit(cache=True, nogil=True)
def _windows_dp(
    starts: IntArray,  # per window, its first item (items sorted by window, then due day)
    granule: IntArray,  # per window
    cells: IntArray,  # per window: floor(room of its last group / granule)
    group_end: npt.NDArray[np.bool_],  # per item: the last of its (window, due day) group
    group_cap: IntArray,  # per item: floor(room of its group / granule)
    k_low: IntArray,  # per item: smallest size in granules
    k_high: IntArray,  # per item: largest size in granules (< k_low: not usable)
    base: FloatArray,  # per item: value = base + slope * k
    slope: FloatArray,
    out_value: FloatArray,  # per window: the best value
    out_k: IntArray,  # per item: the size taken in the best answer, -1 when unused
) -> None:
    windows = len(starts) - 1
    for w in range(windows):
        first, last = starts[w], starts[w + 1]
        n = last - first
        size = cells[w] + 1
        best = np.full(size, NEG)
        best[0] = 0.0
        taken = np.full((max(n, 1), size), -1, dtype=np.int32)
        shifted = np.empty(size)
        queue = np.empty(size, dtype=np.int64)
        for i in range(n):
            item = first + i
            lo, hi = k_low[item], min(k_high[item], size - 1)
            b, s = base[item], slope[item]
            if hi >= lo and max(b + s * lo, b + s * hi) > 0.0:
                if lo == hi:
                    for c in range(size - 1, lo - 1, -1):
                        if best[c - lo] > NEG:
                            v = best[c - lo] + b + s * lo
                            if v > best[c]:
                                best[c] = v
                                taken[i, c] = lo
                else:
                    # new[c] = max(best[c], b + s*c + max_{c-hi <= c' <= c-lo} best[c'] - s*c')
                    for c in range(size):
                        shifted[c] = best[c] - s * c if best[c] > NEG else NEG
                    head, tail = 0, 0
                    for c in range(lo, size):
                        entering = c - lo
                        while tail > head and shifted[queue[tail - 1]] <= shifted[entering]:
                            tail -= 1
                        queue[tail] = entering
                        tail += 1
                        while queue[head] < c - hi:
                            head += 1
                        top = queue[head]
                        if shifted[top] > NEG:
                            v = b + s * c + shifted[top]
                            if v > best[c]:
                                best[c] = v
                                taken[i, c] = c - top
            if group_end[item]:
                for c in range(group_cap[item] + 1, size):
                    best[c] = NEG
        top_value, at = 0.0, 0
        for c in range(size):
            if best[c] > top_value:
                top_value, at = best[c], c
        out_value[w] = top_value
        for i in range(n - 1, -1, -1):
            out_k[first + i] = -1
        # walk back: taken[i, c] >= 0 when the value at load c after item i used item i
        c = at
        for i in range(n - 1, -1, -1):
            k = taken[i, c]
            if k >= 0:
                out_k[first + i] = k
                c -= k


@dataclass(frozen=True)
class Windows:
    """The bound's pairs as the window problems' items (sorted by window, then due day)."""

    item_pair: IntArray  # pair of each item
    starts: IntArray
    granule: IntArray
    cells: IntArray
    group_end: npt.NDArray[np.bool_]
    group_cap: IntArray
    k_low: IntArray
    k_high: IntArray
    window_block: IntArray


def window_items(pairs: BoundPairs, max_cells: int = DEFAULT_CELLS) -> Windows:
    order = np.lexsort((pairs.due_day, pairs.window))
    window = pairs.window[order]
    windows = int(pairs.window.max()) + 1 if len(pairs) else 0
    counts = np.bincount(window, minlength=windows)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    room = pairs.room[order]
    capacity = np.zeros(windows, dtype=np.int64)
    np.maximum.at(capacity, window, room)
    granule = np.maximum(1, -(-capacity // max_cells)).astype(np.int64)
    g = granule[window]
    due = pairs.due_day[order]
    group_end = np.ones(len(order), dtype=np.bool_)
    group_end[:-1] = (window[1:] != window[:-1]) | (due[1:] != due[:-1])
    smallest, largest = pairs.smallest[order], pairs.largest[order]
    window_block = np.zeros(windows, dtype=np.int64)
    window_block[pairs.window] = pairs.block
    return Windows(
        item_pair=order.astype(np.int64),
        starts=starts,
        granule=granule,
        cells=(capacity // granule).astype(np.int64),
        group_end=group_end,
        group_cap=(room // g).astype(np.int64),
        k_low=(smallest // g).astype(np.int64),
        k_high=np.where(largest >= smallest, largest // g, -1).astype(np.int64),
        window_block=window_block,
    )


@dataclass(frozen=True)
class Answer:
    """The window problems' best answers at some prices."""

    per_block: FloatArray  # the Lagrangian bound of each block (before the margin)
    used: npt.NDArray[np.bool_]  # per pair
    units: FloatArray  # per pair (about, for a part counted in granules)
    made: npt.NDArray[np.bool_]  # per splittable order (index of ``Lagrangian.made_rows``)


class Lagrangian:
    """The bound of the module docstring over ``pairs`` for the rows of ``model``
    (``build_lp(pairs)``); ``evaluate`` gives it at any prices, ``improve`` searches
    prices from the LP's duals."""

    def __init__(self, model: LpModel, pairs: BoundPairs, max_cells: int = DEFAULT_CELLS) -> None:
        self.model, self.pairs = model, pairs
        self.items = window_items(pairs, max_cells)
        self.split = pairs.split
        self.quantity = pairs.quantity.astype(np.float64)
        self.blocks = pairs.blocks
        self.order_rows, self.pair_order = np.unique(model.order_row, return_inverse=True)
        # index -1 (no row) sorts first when present
        self.has_none = bool(len(self.order_rows) and self.order_rows[0] < 0)
        if self.has_none:
            self.order_rows, self.pair_order = self.order_rows[1:], self.pair_order - 1
        self.made_rows, self.pair_made = np.unique(model.made_row, return_inverse=True)
        if len(self.made_rows) and self.made_rows[0] < 0:
            self.made_rows, self.pair_made = self.made_rows[1:], self.pair_made - 1
        self.split_pairs = np.flatnonzero(self.split)
        self.made_of_split = self.pair_made[self.split_pairs]
        self.link_rows = model.link_row[self.split_pairs]
        # the block of each order row, made row; quantity of each splittable order
        self.order_row_block = model.row_block[self.order_rows]
        self.made_row_block = model.row_block[self.made_rows]
        self.made_quantity = np.zeros(len(self.made_rows))
        self.made_quantity[self.made_of_split] = self.quantity[self.split_pairs]
        self.granule = self.items.granule[pairs.window].astype(np.float64)

    def prices(self, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The relaxed rows' prices in ``y`` (a price per row of the model), signs fitted."""
        return (
            np.maximum(y[self.order_rows], 0.0),
            y[self.made_rows].astype(np.float64),
            np.maximum(y[self.link_rows], 0.0),
        )

    def evaluate(self, lam: FloatArray, mu: FloatArray, nu: FloatArray) -> Answer:
        pairs, items = self.pairs, self.items
        n = len(pairs)
        value = pairs.unit_value
        base = np.empty(n)
        slope = np.zeros(n)
        whole = ~self.split
        # pairs without an order row index the 0 appended
        order_price = np.append(lam, 0.0)[np.where(self.pair_order >= 0, self.pair_order, len(lam))]
        base[whole] = (self.quantity * value - order_price)[whole]
        sp = self.split_pairs
        reduced = value[sp] - mu[self.made_of_split]
        g = self.granule[sp]
        slope[sp] = reduced * g
        base[sp] = -nu + np.maximum(reduced, 0.0) * (g - 1.0)
        windows = len(items.starts) - 1
        window_value = np.zeros(windows)
        taken = np.full(n, -1, dtype=np.int64)
        _windows_dp(
            items.starts,
            items.granule,
            items.cells,
            items.group_end,
            items.group_cap,
            items.k_low,
            items.k_high,
            base[items.item_pair],
            slope[items.item_pair],
            window_value,
            taken,
        )
        k = np.full(n, -1, dtype=np.int64)
        k[items.item_pair] = taken
        used = k >= 0
        units = np.where(self.split, 0.0, self.quantity * used)
        units[sp] = np.where(
            used[sp],
            np.clip((k[sp] + 0.5) * g, pairs.smallest[sp], pairs.largest[sp]),
            0.0,
        )
        made_reduced = self.made_quantity * mu + np.bincount(
            self.made_of_split, weights=nu, minlength=len(self.made_rows)
        )
        per_block = (
            np.bincount(items.window_block, weights=window_value, minlength=self.blocks)
            + np.bincount(self.order_row_block, weights=lam, minlength=self.blocks)
            + np.bincount(
                self.made_row_block,
                weights=np.maximum(made_reduced, 0.0),
                minlength=self.blocks,
            )
        )
        return Answer(np.asarray(per_block, dtype=np.float64), used, units, made_reduced > 0)

    def improve(
        self,
        y: FloatArray,
        time_limit_seconds: float,
        *,
        iterations: int = 1_000,
        target_share: float = 0.02,
        patience: int = 3,
    ) -> tuple[FloatArray, int]:
        """The lowest bound per block over the prices tried: the LP's duals ``y``, then
        projected subgradient steps (Polyak, aiming ``target_share`` below each block's
        best; the step halves after ``patience`` steps without a new best). Returns it and
        the number of prices tried."""
        started = time.perf_counter()
        lam, mu, nu = self.prices(y)
        pairs = self.pairs
        best = np.full(self.blocks, np.inf)
        theta = np.ones(self.blocks)
        stale = np.zeros(self.blocks, dtype=np.int64)
        order_block_pairs = pairs.block
        tried = 0
        while tried < iterations:
            found = self.evaluate(lam, mu, nu)
            tried += 1
            better = found.per_block < best * (1 - 1e-9)
            stale = np.where(better, 0, stale + 1)
            theta = np.where(stale >= patience, theta / 2, theta)
            stale = np.where(stale >= patience, 0, stale)
            best = np.minimum(best, found.per_block)
            if time.perf_counter() - started >= time_limit_seconds:
                break
            # subgradients (rhs - A x) of the relaxed rows, per-quantity for the parts' rows
            s_lam = 1.0 - np.bincount(
                self.pair_order[self.pair_order >= 0],
                weights=found.used[self.pair_order >= 0].astype(np.float64),
                minlength=len(lam),
            )
            s_lam = np.where((lam <= 0) & (s_lam > 0), 0.0, s_lam)
            made = found.made.astype(np.float64)
            sp = self.split_pairs
            s_mu = made - np.bincount(
                self.made_of_split, weights=found.units[sp], minlength=len(mu)
            ) / np.maximum(self.made_quantity, 1.0)
            s_nu = made[self.made_of_split] - found.used[sp]
            s_nu = np.where((nu <= 0) & (s_nu > 0), 0.0, s_nu)
            norm = (
                np.bincount(self.order_row_block, weights=s_lam**2, minlength=self.blocks)
                + np.bincount(self.made_row_block, weights=s_mu**2, minlength=self.blocks)
                + np.bincount(order_block_pairs[sp], weights=s_nu**2, minlength=self.blocks)
            )
            target = best * (1 - target_share)
            step = np.where(
                norm > 0, theta * (found.per_block - target) / np.maximum(norm, 1e-12), 0.0
            )
            lam = np.maximum(lam - step[self.order_row_block] * s_lam, 0.0)
            mu = mu - step[self.made_row_block] * s_mu / np.maximum(self.made_quantity, 1.0)
            nu = np.maximum(nu - step[order_block_pairs[sp]] * s_nu, 0.0)
        return best, tried


def lagrangian_bound(
    model: LpModel,
    pairs: BoundPairs,
    y: FloatArray,
    time_limit_seconds: float,
    max_cells: int = DEFAULT_CELLS,
) -> FloatArray:
    """Per block, the smaller of the LP's dual bound at ``y`` and the Lagrangian bound
    from those prices within ``time_limit_seconds``."""
    lp = dual_bound_by_block(model, y)
    found, _ = Lagrangian(model, pairs, max_cells).improve(y, time_limit_seconds)
    return np.minimum(lp, found)
