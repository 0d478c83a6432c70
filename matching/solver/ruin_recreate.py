"""Ruin and recreate on a ``Packing``, compiled with numba.

The search ``Packing.ruin_and_recreate`` runs (see ``local_search.py``): take every movable
order out of a few windows of a random unmatched order, insert again what now fits (that
order first, then the unmatched orders of those windows, heaviest first with noise), keep
the result unless it has fewer weighted units than before and falls more than
``ACCEPT_WORSE`` below the best (record-to-record travel), remember the best. In Python it
ran about 2,600 rounds a second on the largest component of the 10k market (1,236 orders,
97,166 pairs) and was still improving when its time ran out. Here the same rounds run on
flat arrays: ``run_ruin_and_recreate`` copies the packing's assignment into them, and
``Packing.ruin_and_recreate`` takes the result back; the packing's ``slack`` and
``room_by_day`` are changed in place.

numba has no clock: Python runs the kernel ``CHUNK_ROUNDS`` rounds at a time and looks at
the deadline between chunks. ``warm_up()`` compiles the kernels (or loads them from numba's
on-disk cache, ``cache=True``) on a tiny packing; the worker calls it when it starts, so no
match run pays for the compilation.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

if TYPE_CHECKING:
    from matching.solver.local_search import Packing

IntArray = npt.NDArray[np.int64]
Made = list[list[tuple[int, int]]]  # per order its parts (pair, units)
BoolArray = npt.NDArray[np.bool_]

# at most this many windows emptied per round, and the relative noise on the orders' weights
# when they go back in
RUIN_WINDOWS = 3
RECREATE_NOISE = 0.3
# a round that leaves at most this share fewer weighted units than the best is accepted
ACCEPT_WORSE = 0.003
# rounds per call of the kernel between two looks at the clock
CHUNK_ROUNDS = 256

# what a chunk of rounds ended on
RUNNING, STALLED, NOTHING_UNMATCHED = 0, 1, 2


class Table(NamedTuple):
    """What does not change while the search runs: pairs, orders (their pairs cheapest
    first, as ``_Order.pairs`` and ``.whole``, in ``order_ptr`` / ``whole_ptr`` slices) and
    windows (the orders with a pair there)."""

    pair_window: IntArray
    pair_due: IntArray
    pair_cost: IntArray
    pair_smallest: IntArray
    pair_largest: IntArray
    order_ptr: IntArray
    order_pairs: IntArray
    whole_ptr: IntArray
    whole_pairs: IntArray
    quantity: IntArray
    unit_weight: IntArray
    value: IntArray
    lot: IntArray
    split: BoolArray
    movable: BoolArray
    window_ptr: IntArray
    window_orders: IntArray
    end: IntArray


class State(NamedTuple):
    """An assignment: per order its parts (pair, units) in its own ``order_ptr`` slice; per
    window ``slack`` and ``room`` (the packing's ``room_by_day``); ``totals`` = [weighted
    units, cost]."""

    parts: IntArray
    part_pair: IntArray
    part_units: IntArray
    slack: npt.NDArray[np.int64]
    room: npt.NDArray[np.int64]
    totals: IntArray


class Scratch(NamedTuple):
    window_mark: IntArray
    order_mark: IntArray
    windows: IntArray
    out: IntArray
    out_parts: IntArray
    again: IntArray
    pairs: IntArray
    units: IntArray
    saved_pair: IntArray
    saved_units: IntArray


@njit(cache=True, nogil=True)
def _place(s, t, w, due, units):  # type: ignore[no-untyped-def]
    """``units`` more (fewer when negative) due by day ``due`` in window ``w``; its room
    (the suffix minimum of its slack) follows."""
    last = t.end[w]
    for day in range(due, last + 1):
        s.slack[w, day] -= units
    low = s.slack[w, last]
    for day in range(last, -1, -1):
        if s.slack[w, day] < low:
            low = s.slack[w, day]
        s.room[w, day] = low


@njit(cache=True, nogil=True)
def _take_out(s, t, o):  # type: ignore[no-untyped-def]
    base = t.order_ptr[o]
    for k in range(s.parts[o]):
        p = s.part_pair[base + k]
        units = s.part_units[base + k]
        _place(s, t, t.pair_window[p], t.pair_due[p], -units)
        s.totals[0] -= t.unit_weight[o] * units
        s.totals[1] -= t.pair_cost[p] * units
    s.parts[o] = 0


@njit(cache=True, nogil=True)
def _put_in(s, t, o, pairs, units_of, count):  # type: ignore[no-untyped-def]
    base = t.order_ptr[o]
    for k in range(count):
        p = pairs[k]
        units = units_of[k]
        _place(s, t, t.pair_window[p], t.pair_due[p], units)
        s.part_pair[base + k] = p
        s.part_units[base + k] = units
        s.totals[0] += t.unit_weight[o] * units
        s.totals[1] += t.pair_cost[p] * units
    s.parts[o] = count


@njit(cache=True, nogil=True)
def _try_insert(s, t, x, o):  # type: ignore[no-untyped-def]
    """Order ``o`` whole into the window where it leaves the least room (the first, so the
    cheapest, of the tightest), else, when it may split, in parts over its cheapest windows
    with room, each part within its pair's sizes and no rest below the lot
    (``Packing.try_insert``). True when it went in."""
    qty = t.quantity[o]
    best = -1
    best_left = 0
    for k in range(t.whole_ptr[o], t.whole_ptr[o + 1]):
        p = t.whole_pairs[k]
        left = s.room[t.pair_window[p], t.pair_due[p]] - qty
        if left >= 0 and (best < 0 or left < best_left):
            best, best_left = p, left
    if best >= 0:
        x.pairs[0] = best
        x.units[0] = qty
        _put_in(s, t, o, x.pairs, x.units, 1)
        return True
    if not t.split[o]:
        return False
    left = qty
    count = 0
    for k in range(t.order_ptr[o], t.order_ptr[o + 1]):
        p = t.order_pairs[k]
        room = s.room[t.pair_window[p], t.pair_due[p]]
        smallest = t.pair_smallest[p]
        if min(room, t.pair_largest[p]) < smallest:
            continue
        made = min(room, t.pair_largest[p], left)
        if 0 < left - made < t.lot[o]:
            made = left - t.lot[o]
        if made >= smallest:
            x.pairs[count] = p
            x.units[count] = made
            count += 1
            left -= made
        if left == 0:
            _put_in(s, t, o, x.pairs, x.units, count)
            return True
    return False


@njit(cache=True, nogil=True)
def _holds_part_in(s, t, o, w):  # type: ignore[no-untyped-def]
    base = t.order_ptr[o]
    for k in range(s.parts[o]):
        if t.pair_window[s.part_pair[base + k]] == w:
            return True
    return False


@njit(cache=True, nogil=True)
def _random_unmatched(s, t):  # type: ignore[no-untyped-def]
    """A random unmatched order that may move, -1 when there is none."""
    orders = len(s.parts)
    for _ in range(32):
        o = np.random.randint(orders)
        if t.movable[o] and s.parts[o] == 0:
            return o
    count = 0
    for o in range(orders):
        if t.movable[o] and s.parts[o] == 0:
            count += 1
    if count == 0:
        return -1
    pick = np.random.randint(count)
    for o in range(orders):
        if t.movable[o] and s.parts[o] == 0:
            if pick == 0:
                return o
            pick -= 1
    return -1


@njit(cache=True, nogil=True)
def _ruin(s, t, x, stamp, count):  # type: ignore[no-untyped-def]
    """Take every movable order out of the first ``count`` of ``x.windows``; they and
    their parts go to ``x.out``, ``x.out_parts`` and ``x.saved_*``. Returns how many."""
    taken = 0
    saved = 0
    for i in range(count):
        w = x.windows[i]
        for k in range(t.window_ptr[w], t.window_ptr[w + 1]):
            o = t.window_orders[k]
            if x.order_mark[o] == stamp or not t.movable[o] or s.parts[o] == 0:
                continue
            if not _holds_part_in(s, t, o, w):
                continue
            x.order_mark[o] = stamp
            base = t.order_ptr[o]
            for q in range(s.parts[o]):
                x.saved_pair[saved + q] = s.part_pair[base + q]
                x.saved_units[saved + q] = s.part_units[base + q]
            saved += s.parts[o]
            x.out[taken] = o
            x.out_parts[taken] = s.parts[o]
            taken += 1
            _take_out(s, t, o)
    return taken


@njit(cache=True, nogil=True)
def _recreate(s, t, x, stamp, count, target, taken):  # type: ignore[no-untyped-def]
    """Insert ``target``, then the unmatched orders of the first ``count`` windows, noisy
    heaviest first; the orders put in go to ``x.out`` after the ``taken`` ones. Returns
    how many went in."""
    related = 0
    for i in range(count):
        w = x.windows[i]
        for k in range(t.window_ptr[w], t.window_ptr[w + 1]):
            o = t.window_orders[k]
            if x.order_mark[o] == -stamp or o == target or s.parts[o] != 0:
                continue
            x.order_mark[o] = -stamp
            x.again[related] = o
            related += 1
    keys = np.empty(related)
    for i in range(related):
        keys[i] = -t.value[x.again[i]] * np.random.uniform(1 - RECREATE_NOISE, 1 + RECREATE_NOISE)
    by_noisy_value = np.argsort(keys, kind="mergesort")
    added = 0
    if _try_insert(s, t, x, target):
        x.out[taken] = target
        added = 1
    for i in range(related):
        o = x.again[by_noisy_value[i]]
        if s.parts[o] == 0 and _try_insert(s, t, x, o):
            x.out[taken + added] = o
            added += 1
    return added


@njit(cache=True, nogil=True)
def _undo(s, t, x, taken, added):  # type: ignore[no-untyped-def]
    """Take the ``added`` orders out again and put the ``taken`` ones back as they were."""
    for i in range(added):
        _take_out(s, t, x.out[taken + i])
    saved = 0
    for i in range(taken):
        n = x.out_parts[i]
        _put_in(
            s, t, x.out[i], x.saved_pair[saved : saved + n], x.saved_units[saved : saved + n], n
        )
        saved += n


@njit(cache=True, nogil=True)
def rounds(s, t, x, best, counters, wanted, stall):  # type: ignore[no-untyped-def]
    """Up to ``wanted`` rounds. ``counters`` = [rounds, round of the last better, best
    weighted units, best cost]; ``best`` = (parts, part_pair, part_units) of the best.
    Returns RUNNING, STALLED (``stall`` rounds without a better one) or NOTHING_UNMATCHED."""
    for _ in range(wanted):
        if counters[0] - counters[1] >= stall:
            return STALLED
        target = _random_unmatched(s, t)
        if target < 0:
            return NOTHING_UNMATCHED
        counters[0] += 1
        stamp = counters[0]
        found = 0
        for k in range(t.whole_ptr[target], t.whole_ptr[target + 1]):
            w = t.pair_window[t.whole_pairs[k]]
            if x.window_mark[w] != stamp:
                x.window_mark[w] = stamp
                x.windows[found] = w
                found += 1
        if found == 0:
            continue
        count = min(found, np.random.randint(1, RUIN_WINDOWS + 1))
        for i in range(count):  # ``count`` windows at random, without replacement
            j = i + np.random.randint(found - i)
            x.windows[i], x.windows[j] = x.windows[j], x.windows[i]
        before = (s.totals[0], -s.totals[1])
        taken = _ruin(s, t, x, stamp, count)
        added = _recreate(s, t, x, stamp, count, target, taken)
        after = (s.totals[0], -s.totals[1])
        if after < before and s.totals[0] < counters[2] * (1 - ACCEPT_WORSE):
            _undo(s, t, x, taken, added)
        elif after > (counters[2], -counters[3]):
            counters[1] = counters[0]
            counters[2], counters[3] = s.totals[0], s.totals[1]
            best[0][:] = s.parts
            best[1][:] = s.part_pair
            best[2][:] = s.part_units
    return RUNNING


@njit(cache=True)
def seed_random(seed):  # type: ignore[no-untyped-def]
    np.random.seed(seed)


def _concatenated(chunks: list[IntArray]) -> tuple[IntArray, IntArray]:
    ptr = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in chunks], out=ptr[1:])
    flat = np.concatenate(chunks).astype(np.int64) if chunks else np.zeros(0, dtype=np.int64)
    return ptr, flat


def table_of(packing: Packing) -> Table:
    """The packing's fixed data as a ``Table`` (made once per packing)."""
    orders = packing.orders
    order_ptr, order_pairs = _concatenated([order.pairs for order in orders])
    whole_ptr, whole_pairs = _concatenated([order.whole for order in orders])
    window_ptr, window_orders = _concatenated(list(packing.window_orders))

    return Table(
        pair_window=np.ascontiguousarray(packing.pair_window, dtype=np.int64),
        pair_due=np.ascontiguousarray(packing.pair_due, dtype=np.int64),
        pair_cost=np.ascontiguousarray(packing.pair_cost, dtype=np.int64),
        pair_smallest=np.ascontiguousarray(packing.pair_smallest, dtype=np.int64),
        pair_largest=np.ascontiguousarray(packing.pair_largest, dtype=np.int64),
        order_ptr=order_ptr,
        order_pairs=order_pairs,
        whole_ptr=whole_ptr,
        whole_pairs=whole_pairs,
        quantity=np.array([o.quantity for o in orders], dtype=np.int64),
        unit_weight=np.array([o.unit_weight for o in orders], dtype=np.int64),
        value=np.array([o.value for o in orders], dtype=np.int64),
        lot=np.array([o.lot for o in orders], dtype=np.int64),
        split=np.array([o.split for o in orders], dtype=np.bool_),
        movable=np.array([o.movable for o in orders], dtype=np.bool_),
        window_ptr=window_ptr,
        window_orders=window_orders,
        end=np.ascontiguousarray(packing.end, dtype=np.int64),
    )


def run_ruin_and_recreate(
    packing: Packing, table: Table, deadline: float, seed: int, stall: int
) -> tuple[int, Made, tuple[int, int], Made]:
    """Ruin and recreate from the packing's assignment until ``deadline`` or ``stall``
    rounds without a better one. The packing's ``slack`` and ``room_by_day`` are left on
    the last assignment accepted; returned: the rounds run, that assignment's parts per
    order and its (weighted units, cost), and the best assignment's parts per order (the
    packing takes them, ``Packing.ruin_and_recreate``)."""
    orders = len(packing.orders)
    slots = int(table.order_ptr[-1])
    state = State(
        parts=np.zeros(orders, dtype=np.int64),
        part_pair=np.zeros(slots, dtype=np.int64),
        part_units=np.zeros(slots, dtype=np.int64),
        slack=packing.slack,
        room=packing.room_by_day,
        totals=np.array([packing.weighted, packing.cost], dtype=np.int64),
    )
    for o, parts in enumerate(packing.made):
        base = int(table.order_ptr[o])
        state.parts[o] = len(parts)
        for k, (p, units) in enumerate(parts):
            state.part_pair[base + k] = p
            state.part_units[base + k] = units
    windows = len(table.window_ptr) - 1
    longest = int(np.diff(table.order_ptr).max()) if orders else 0
    scratch = Scratch(
        window_mark=np.zeros(windows, dtype=np.int64),
        order_mark=np.zeros(orders, dtype=np.int64),
        windows=np.zeros(max(windows, 1), dtype=np.int64),
        out=np.zeros(2 * orders + 1, dtype=np.int64),
        out_parts=np.zeros(orders + 1, dtype=np.int64),
        again=np.zeros(orders + 1, dtype=np.int64),
        pairs=np.zeros(longest + 1, dtype=np.int64),
        units=np.zeros(longest + 1, dtype=np.int64),
        saved_pair=np.zeros(slots + 1, dtype=np.int64),
        saved_units=np.zeros(slots + 1, dtype=np.int64),
    )
    best = (state.parts.copy(), state.part_pair.copy(), state.part_units.copy())
    counters = np.array([0, 0, packing.weighted, packing.cost], dtype=np.int64)
    seed_random(seed)
    while time.perf_counter() < deadline:
        ended = rounds(state, table, scratch, best, counters, CHUNK_ROUNDS, stall)
        if ended != RUNNING:
            break
    made = _parts_of(table, state.parts, state.part_pair, state.part_units)
    totals = (int(state.totals[0]), int(state.totals[1]))
    return int(counters[0]), made, totals, _parts_of(table, *best)


def _parts_of(table: Table, parts: IntArray, part_pair: IntArray, part_units: IntArray) -> Made:
    made: Made = []
    for o, count in enumerate(parts.tolist()):
        base = int(table.order_ptr[o])
        made.append(
            list(
                zip(
                    part_pair[base : base + count].tolist(),
                    part_units[base : base + count].tolist(),
                    strict=True,
                )
            )
        )
    return made


def warm_up() -> float:
    """Compile the kernels (or load them from numba's on-disk cache) on a tiny packing of two
    orders and one window; seconds taken. Called once when a worker starts."""
    began = time.perf_counter()
    one = np.ones(1, dtype=np.int64)
    table = Table(
        pair_window=np.zeros(2, dtype=np.int64),
        pair_due=np.zeros(2, dtype=np.int64),
        pair_cost=one.repeat(2),
        pair_smallest=one.repeat(2),
        pair_largest=np.array([2, 2], dtype=np.int64),
        order_ptr=np.array([0, 1, 2], dtype=np.int64),
        order_pairs=np.array([0, 1], dtype=np.int64),
        whole_ptr=np.array([0, 1, 2], dtype=np.int64),
        whole_pairs=np.array([0, 1], dtype=np.int64),
        quantity=np.array([2, 1], dtype=np.int64),
        unit_weight=one.repeat(2),
        value=np.array([2, 1], dtype=np.int64),
        lot=one.repeat(2),
        split=np.array([True, False]),
        movable=np.array([True, True]),
        window_ptr=np.array([0, 2], dtype=np.int64),
        window_orders=np.array([0, 1], dtype=np.int64),
        end=np.zeros(1, dtype=np.int64),
    )
    state = State(
        parts=np.array([0, 1], dtype=np.int64),
        part_pair=np.array([0, 1], dtype=np.int64),
        part_units=np.array([0, 1], dtype=np.int64),
        slack=np.array([[1]], dtype=np.int64),
        room=np.array([[1]], dtype=np.int64),
        totals=np.array([1, 1], dtype=np.int64),
    )
    scratch = Scratch(*(np.zeros(4, dtype=np.int64) for _ in Scratch._fields))
    best = (state.parts.copy(), state.part_pair.copy(), state.part_units.copy())
    counters = np.array([0, 0, 1, 1], dtype=np.int64)
    seed_random(0)
    rounds(state, table, scratch, best, counters, 8, 8)
    return time.perf_counter() - began
