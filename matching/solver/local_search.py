"""Local search on a feasible assignment: more priority-weighted units first, then less cost.

Large components are too big for CP-SAT to load in the time a run has (its presolve does not
finish, so it never even returns the greedy hint). There a fast packing search does better:
capacity is what runs out, most windows hold one or two orders, and what the greedy leaves
unmatched is mostly orders that no single fragment of free room can take any more. The moves:

- **insert**, heaviest order first (priority weight times quantity): an unmatched order goes
  whole into the window it fits best (least room left over, then cheapest); a splittable one
  that fits nowhere whole is spread over its cheapest windows with room, in parts of at least
  its lot size, as the greedy does;
- **eject and insert**: to make room in a window for an unmatched whole order, take lighter
  orders out of that window (lightest first), put the order in, then try to put every ejected
  order back into another window; kept only when the weighted units grow;
- **compact split orders**: to make room in a window for an unmatched order, move the split
  orders with parts there to other windows (whole or in parts again), keeping their units
  (``try_compact``);
- **cheaper window**: a whole order moves to a cheaper window that has room for it;
- **ruin and recreate** with the time left: empty a few windows of an unmatched order and
  insert again, with noise, what could now fit there; record-to-record acceptance
  (``ruin_and_recreate``).

Every move keeps the earliest-deadline-first capacity of each window: ``slack[w, t]`` is how
many more units due by day ``t`` window ``w`` can take, and an order due on day ``d`` fits
when it is at most ``min(slack[w, d:end + 1])`` (``add_deadline_capacity`` and
``add_remaining_units`` in one array; ``room_by_day`` keeps that suffix minimum). Orders that
hold unanswered offers (``order.current``) are never moved, so the offers-stay-unless-moved
rule holds; a splittable order moves whole (all its parts) and goes back within the splitting
rules. See docs/matching.md, "Local search".
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.solver.candidates import Candidate, part_range
from matching.solver.problem import OrderData, WindowData
from matching.solver.ruin_recreate import Table, run_ruin_and_recreate, table_of
from matching.solver.schedule import first_usable_day, free_per_day

Key = tuple[int, int]  # (order id, window id)
IntArray = npt.NDArray[np.int64]
# ejection chains (``try_eject``): up to this many steps deep; past the first step, and for
# taking out orders of any weight, only an order's EJECT_CHAIN_WINDOWS windows with the most
# room are tried, and then at most EJECT_MAX_OUT orders are taken out of one window
EJECT_DEPTH = 2
EJECT_CHAIN_WINDOWS = 5
EJECT_MAX_OUT = 3
# ruin and recreate (``ruin_recreate.py``) stops after this many rounds without a better
# assignment (at most 10 per order): where CP-SAT takes over (its start on a component it
# solves), so that it gets the time
STALL_ROUNDS = 10_000
STALL_ROUNDS_PER_ORDER = 10
# ... and where it alternates with the large-neighbourhood search (``Packing.search_long``,
# components too large for CP-SAT): compiled, it runs about 50,000 rounds a second, and on
# the largest component of the 10k market (seed 1, 12 s, three random seeds) stopping at 10
# per order left 2.592e13 on average, at 1,000 per order 2.606e13 (+0.5%)
LONG_STALL_ROUNDS = 1_000_000
LONG_STALL_ROUNDS_PER_ORDER = 1_000


@dataclass
class _Order:
    index: int
    quantity: int
    value: int  # priority weight of one unit times the quantity
    unit_weight: int
    split: bool
    lot: int
    movable: bool  # may be taken out (it holds no unanswered offer)
    pairs: np.ndarray  # pair indices, cheapest first
    whole: np.ndarray  # those that may take the whole order


@dataclass(frozen=True)
class PairTable:
    """The pairs of one component as the packing reads them: one entry per pair, in the
    order ``find_candidates`` lists them (by order, then window), made from ``Candidate``
    objects (``pair_table``) or straight from the candidate arrays
    (``model.pair_table_of_rows``) without any per-pair object."""

    order_id: IntArray
    window_id: IntArray
    factory_id: IntArray
    latest_finish: IntArray  # day ordinal (``date.toordinal``)
    weight: IntArray  # stage-1 weight of one unit made by the pair
    cost: IntArray  # stage-2 weight of one unit (fen)
    quality: IntArray  # stage-3 weight of one unit, 0..100
    smallest: IntArray  # the order's part range in the pair's factory (``part_range``)
    largest: IntArray
    # per order, in the order of its first pair
    orders: Sequence[OrderData]
    # per window, in the order of its first pair
    windows: Sequence[WindowData]
    # the pairs as objects, made when asked for (the neighbourhoods of ``lns.py``, the
    # chosen pairs of a component)
    candidates: Sequence[Candidate]


def pair_table(
    candidates: list[Candidate],
    weight_of: Callable[[Candidate], int],
    cost_of: Callable[[Candidate], int],
) -> PairTable:
    """The ``PairTable`` of ``candidates`` (objects)."""
    ranges = [part_range(c.order, c.factory) for c in candidates]
    orders: dict[int, OrderData] = {}
    windows: dict[int, WindowData] = {}
    for c in candidates:
        orders.setdefault(c.order.id, c.order)
        windows.setdefault(c.window.id, c.window)

    def column(values: Iterable[int]) -> IntArray:
        return np.fromiter(values, dtype=np.int64, count=len(candidates))

    return PairTable(
        order_id=column(c.order.id for c in candidates),
        window_id=column(c.window.id for c in candidates),
        factory_id=column(c.factory.id for c in candidates),
        latest_finish=column(c.latest_finish.toordinal() for c in candidates),
        weight=column(weight_of(c) for c in candidates),
        cost=column(cost_of(c) for c in candidates),
        quality=column(min(max(c.factory.reliability_percent, 0), 100) for c in candidates),
        smallest=column(r[0] for r in ranges),
        largest=column(r[1] for r in ranges),
        orders=list(orders.values()),
        windows=list(windows.values()),
        candidates=candidates,
    )


def first_appearance(ids: IntArray) -> IntArray:
    """Dense indices of ``ids``, numbered in the order each id first appears."""
    _unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=np.int64)
    dense: IntArray = rank[inverse.reshape(-1)]
    return dense


def window_slack(windows: Sequence[WindowData], fpd: dt.date) -> tuple[IntArray, IntArray]:
    """Per window its last day (days from ``fpd``, at least 0) and ``slack[w, t]``: the units
    it can make by day ``t`` (free units up to it, capped by its remaining units)."""
    ends = np.array([max((w.end_date - fpd).days, 0) for w in windows], dtype=np.int64)
    horizon = int(ends.max()) + 1 if len(ends) else 1
    slack = np.zeros((len(windows), horizon), dtype=np.int64)
    days = np.arange(horizon, dtype=np.int64)
    for i, w in enumerate(windows):
        free = free_per_day(w, fpd)
        prefix = np.zeros(len(free) + 1, dtype=np.int64)
        np.cumsum(free, out=prefix[1:])
        first = (first_usable_day(w, fpd) - fpd).days
        end = int(ends[i]) + 1
        usable = np.clip(days[:end] - first + 1, 0, len(free))
        slack[i, :end] = np.minimum(prefix[usable], w.remaining_units)
    return ends, slack


class Packing:
    """The assignment of one component as arrays; see the module docstring."""

    def __init__(
        self,
        candidates: list[Candidate],
        first_production_date: dt.date,
        weight_of: Callable[[Candidate], int],
        cost_of: Callable[[Candidate], int],
        start: dict[Key, int],
    ) -> None:
        self.setup(pair_table(candidates, weight_of, cost_of), first_production_date, start)

    @classmethod
    def of_table(
        cls, table: PairTable, first_production_date: dt.date, start: dict[Key, int]
    ) -> Packing:
        """The packing of a ``PairTable`` (from the arrays: no per-pair object)."""
        packing = cls.__new__(cls)
        packing.setup(table, first_production_date, start)
        return packing

    def setup(self, table: PairTable, fpd: dt.date, start: dict[Key, int]) -> None:
        self.table = table
        self.candidates = table.candidates
        self.pair_order = first_appearance(table.order_id)
        self.pair_window = first_appearance(table.window_id)
        self.pair_order_id = table.order_id
        self.pair_window_id = table.window_id
        self.pair_factory = table.factory_id
        self.end, self.slack = window_slack(table.windows, fpd)
        self.room_by_day = self.slack.copy()
        for i in range(len(table.windows)):
            end = int(self.end[i]) + 1
            self.room_by_day[i, :end] = np.minimum.accumulate(self.slack[i, end - 1 :: -1])[::-1]
        self.pair_due = np.minimum(
            np.maximum(table.latest_finish - fpd.toordinal(), 0), self.end[self.pair_window]
        )
        self.pair_cost = table.cost
        self.pair_smallest = table.smallest
        self.pair_largest = table.largest
        # per order: its pairs, cheapest first (then by window id)
        by_order = np.lexsort((table.window_id, table.cost, self.pair_order))
        bounds = np.searchsorted(
            self.pair_order[by_order], np.arange(len(table.orders) + 1, dtype=np.int64)
        )
        first_pair = np.full(len(table.orders), len(self.pair_order), dtype=np.int64)
        np.minimum.at(first_pair, self.pair_order, np.arange(len(self.pair_order)))
        unit_weights = table.weight[first_pair].tolist() if len(first_pair) else []
        self.orders: list[_Order] = []
        for o, order in enumerate(table.orders):
            pairs = by_order[bounds[o] : bounds[o + 1]]
            unit_weight = int(unit_weights[o])
            self.orders.append(
                _Order(
                    index=o,
                    quantity=order.quantity,
                    value=unit_weight * order.quantity,
                    unit_weight=unit_weight,
                    split=order.allow_split,
                    lot=order.min_lot_quantity,
                    movable=not order.current,
                    pairs=pairs,
                    # pairs that may take the whole order
                    whole=pairs[self.pair_largest[pairs] >= order.quantity],
                )
            )
        # per window: the orders that have a pair in it
        by_window = np.lexsort((self.pair_order, self.pair_window))
        starts = np.searchsorted(
            self.pair_window[by_window], np.arange(len(table.windows) + 1, dtype=np.int64)
        )
        self.window_orders = [
            np.unique(self.pair_order[by_window[starts[w] : starts[w + 1]]])
            for w in range(len(table.windows))
        ]
        # the assignment: per order its (pair, units); per window the orders in it
        self.made: list[list[tuple[int, int]]] = [[] for _ in self.orders]
        self.in_window: list[set[int]] = [set() for _ in table.windows]
        self.best_made: list[list[tuple[int, int]]] | None = None
        # ruin and recreate stops after this many rounds without a better assignment
        self.stall_rounds = min(STALL_ROUNDS, STALL_ROUNDS_PER_ORDER * len(self.orders))
        # the arrays of the compiled ruin and recreate, made when it first runs
        self.compiled: Table | None = None
        # while an ejection chain runs: (order, its parts before) for every change, to undo
        self.journal: list[tuple[int, list[tuple[int, int]]]] | None = None
        self.weighted = 0  # priority-weighted units of the assignment
        self.cost = 0  # its cost (what ``cost_of`` gives per unit)
        self.order_index = {order.id: o for o, order in enumerate(table.orders)}
        if start:
            parts_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for (order_id, window_id), units in start.items():
                p = self.pair_of(order_id, window_id)
                parts_of[int(self.pair_order[p])].append((p, units))
            for o, parts in parts_of.items():
                self.assign(o, parts)

    def pair_of(self, order_id: int, window_id: int) -> int:
        """The pair index of (order id, window id); KeyError when it is no pair."""
        pairs = self.orders[self.order_index[order_id]].pairs
        found = pairs[self.pair_window_id[pairs] == window_id]
        if not len(found):
            raise KeyError((order_id, window_id))
        return int(found[0])

    def key(self, p: int) -> Key:
        return (int(self.pair_order_id[p]), int(self.pair_window_id[p]))

    # --- primitive operations ------------------------------------------------------------

    def room(self, p: int) -> int:
        return int(self.room_by_day[self.pair_window[p], self.pair_due[p]])

    def rooms(self, pairs: np.ndarray) -> np.ndarray:
        rooms: np.ndarray = self.room_by_day[self.pair_window[pairs], self.pair_due[pairs]]
        return rooms

    def _place(self, p: int, units: int) -> None:
        w = int(self.pair_window[p])
        end = int(self.end[w]) + 1
        row = self.slack[w]
        row[int(self.pair_due[p]) : end] -= units
        # room_by_day[w, t] = min(slack[w, t:end + 1]): a suffix minimum
        self.room_by_day[w, :end] = np.minimum.accumulate(row[end - 1 :: -1])[::-1]

    def assign(self, o: int, parts: list[tuple[int, int]]) -> None:
        if self.journal is not None:
            self.journal.append((o, self.made[o]))
        unit_weight = self.orders[o].unit_weight
        for p, units in parts:
            self._place(p, units)
            self.in_window[int(self.pair_window[p])].add(o)
            self.weighted += unit_weight * units
            self.cost += int(self.pair_cost[p]) * units
        self.made[o] = list(parts)

    def unassign(self, o: int) -> list[tuple[int, int]]:
        parts = self.made[o]
        if self.journal is not None:
            self.journal.append((o, parts))
        unit_weight = self.orders[o].unit_weight
        for p, units in parts:
            self._place(p, -units)
            self.in_window[int(self.pair_window[p])].discard(o)
            self.weighted -= unit_weight * units
            self.cost -= int(self.pair_cost[p]) * units
        self.made[o] = []
        return parts

    # --- insertion ---------------------------------------------------------------------

    def best_whole(self, o: int, skip_window: int = -1) -> int | None:
        """The pair where the whole order fits with the least room left (then cheapest)."""
        order = self.orders[o]
        pairs = order.whole
        if len(pairs) == 0:
            return None
        left = self.rooms(pairs) - order.quantity
        if skip_window >= 0:
            left[self.pair_window[pairs] == skip_window] = -1
        fits = np.flatnonzero(left >= 0)
        if len(fits) == 0:
            return None
        return int(pairs[fits[np.argmin(left[fits])]])  # first (cheapest) of the tightest

    def split_parts(self, o: int, skip_window: int = -1) -> list[tuple[int, int]] | None:
        """Parts of a splittable order over its cheapest windows with room (as the greedy),
        none in ``skip_window``."""
        order = self.orders[o]
        parts: list[tuple[int, int]] = []
        left = order.quantity
        pairs = order.pairs
        rooms = self.rooms(pairs)
        if skip_window >= 0:
            rooms = np.where(self.pair_window[pairs] == skip_window, 0, rooms)
        useful = np.flatnonzero(
            np.minimum(rooms, self.pair_largest[pairs]) >= self.pair_smallest[pairs]
        )
        for i in useful.tolist():
            p = int(pairs[i])
            smallest, largest = int(self.pair_smallest[p]), int(self.pair_largest[p])
            made = min(int(rooms[i]), largest, left)
            if 0 < left - made < order.lot:
                made = left - order.lot
            if made >= smallest:
                parts.append((p, made))
                left -= made
            if left == 0:
                return parts
        return None

    def try_insert(self, o: int, skip_window: int = -1) -> bool:
        p = self.best_whole(o, skip_window)
        if p is not None:
            self.assign(o, [(p, self.orders[o].quantity)])
            return True
        if self.orders[o].split:
            parts = self.split_parts(o)
            if parts is not None:
                self.assign(o, parts)
                return True
        return False

    def try_compact(self, o: int) -> bool:
        """Make room for unmatched order ``o`` in one of its ``EJECT_CHAIN_WINDOWS`` roomiest
        windows by moving the split orders with parts there elsewhere (``_compact_into``),
        then put ``o`` in whole. Every step is undone when no window opens."""
        with self._journalled():
            pairs = self.orders[o].whole
            return any(self._compact_into(o, p) for p in self._roomiest(pairs).tolist())

    def try_eject(self, o: int, depth: int | None = None, skip_window: int = -1) -> bool:
        """Make room for unmatched order ``o`` in one of its windows by taking out lighter
        orders, and put those back elsewhere when they fit; kept if the weighted units grow.
        With ``depth`` > 1 an order taken out that fits nowhere may in turn take lighter
        orders out of one of its own windows, and, when taking out only lighter orders
        makes no room, up to ``EJECT_MAX_OUT`` orders of any weight may be taken out of one
        of ``o``'s ``EJECT_CHAIN_WINDOWS`` roomiest windows: an ejection chain, kept only
        when the weighted units grow (every step is undone otherwise)."""
        depth = EJECT_DEPTH if depth is None else depth
        with self._journalled():
            pairs = self.orders[o].whole
            if skip_window >= 0:
                pairs = pairs[self.pair_window[pairs] != skip_window]
            roomiest = self._roomiest(pairs)
            for p in (pairs if depth == EJECT_DEPTH else roomiest).tolist():
                if self._eject_into(o, p, depth, lighter_only=True):
                    return True
            if depth > 1:
                for p in roomiest.tolist():
                    if self._eject_into(o, p, depth, lighter_only=False):
                        return True
            return False

    @contextmanager
    def _journalled(self) -> Iterator[None]:
        """Record every change in the journal while the block runs, for ``undo`` (the
        enclosing move's journal when a chain is already recording)."""
        outer = self.journal is None
        if outer:
            self.journal = []
        try:
            yield
        finally:
            if outer:
                self.journal = None

    def _roomiest(self, pairs: np.ndarray) -> np.ndarray:
        """The ``EJECT_CHAIN_WINDOWS`` pairs of ``pairs`` with the most room, most first."""
        roomiest: np.ndarray = pairs[
            np.argsort(-self.rooms(pairs), kind="stable")[:EJECT_CHAIN_WINDOWS]
        ]
        return roomiest

    def _compact_into(self, o: int, p: int) -> bool:
        """Move the movable split orders with parts in ``p``'s window elsewhere, lightest
        first, whole or in parts (none back into that window), until order ``o`` fits there
        whole; put it in. The orders moved keep their units, so the weighted units grow by
        ``o``'s; undone when ``o`` never fits."""
        assert self.journal is not None
        order = self.orders[o]
        w = int(self.pair_window[p])
        split_here = sorted(
            (j for j in self.in_window[w] if self.orders[j].split and self.orders[j].movable),
            key=lambda j: (self.orders[j].value, j),
        )
        mark, before = len(self.journal), self.weighted
        for j in split_here:
            parts = self.unassign(j)
            whole = self.best_whole(j, w)
            moved = [(whole, self.orders[j].quantity)] if whole is not None else None
            moved = moved or self.split_parts(j, w)
            self.assign(j, moved or parts)
            if moved and self.room(p) >= order.quantity:
                self.assign(o, [(p, order.quantity)])
                if self.weighted > before:
                    return True
                break
        self.undo(mark)
        return False

    def _eject_into(self, o: int, p: int, depth: int, *, lighter_only: bool) -> bool:
        """Take movable orders out of ``p``'s window, lightest first, until order ``o``
        fits there; put it in and the others back elsewhere (deeper in a chain when
        ``depth`` > 1); keep it if the weighted units grow, else undo it."""
        assert self.journal is not None
        order = self.orders[o]
        w = int(self.pair_window[p])
        inside = sorted(
            (j for j in self.in_window[w] if self.orders[j].movable),
            key=lambda j: (self.orders[j].value, j),
        )
        if not inside:
            return False
        mark, before = len(self.journal), self.weighted
        out: list[int] = []
        out_value = 0
        for j in inside:
            if lighter_only and out_value + self.orders[j].value >= order.value:
                break
            if len(out) >= EJECT_MAX_OUT and not lighter_only:
                break
            self.unassign(j)
            out.append(j)
            out_value += self.orders[j].value
            if self.room(p) >= order.quantity:
                self.assign(o, [(p, order.quantity)])
                for k in out:
                    if not self.try_insert(k, w) and depth > 1 and not self.orders[k].split:
                        self.try_eject(k, depth - 1, skip_window=w)
                if self.weighted > before:
                    return True
                break
        self.undo(mark)
        return False

    def undo(self, mark: int) -> None:
        """Put back every order changed since the journal had ``mark`` entries."""
        journal, self.journal = self.journal, None
        assert journal is not None
        while len(journal) > mark:
            o, parts = journal.pop()
            if self.made[o]:
                self.unassign(o)
            if parts:
                self.assign(o, parts)
        self.journal = journal

    # --- cost ------------------------------------------------------------------------------

    def try_cheaper(self, o: int) -> bool:
        """Move a whole order to a cheaper window that has room for it."""
        order = self.orders[o]
        if not order.movable or len(self.made[o]) != 1:
            return False
        current, units = self.made[o][0]
        cost = self.pair_cost[current]
        for p in order.whole.tolist():
            if self.pair_cost[p] >= cost:
                return False
            if self.room(p) >= units:
                self.unassign(o)
                self.assign(o, [(p, units)])
                return True
        return False

    # --- the search ----------------------------------------------------------------------

    def weighted_units(self) -> int:
        return sum(
            self.orders[o].unit_weight * units
            for o, parts in enumerate(self.made)
            for _, units in parts
        )

    def improve(self, deadline: float) -> None:
        """Insert every unmatched order, heaviest first; then insert and eject-and-insert
        passes until none improves or time runs out; then cheaper windows for what is
        matched."""
        by_value = sorted(range(len(self.orders)), key=lambda o: (-self.orders[o].value, o))
        # the construction runs to the end whatever the time (like the greedy: one cheap
        # look-up per order); the searches after it only while there is time
        self.recreate(by_value)
        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            for o in by_value:
                if self.made[o]:
                    continue
                if (
                    self.try_insert(o)
                    or (not self.orders[o].split and self.try_eject(o))
                    or self.try_compact(o)
                ):
                    improved = True
                if time.perf_counter() >= deadline:
                    return
        for o in by_value:
            if self.made[o]:
                self.try_cheaper(o)
            if time.perf_counter() >= deadline:
                return

    def recreate(self, order: list[int]) -> None:
        """Insert the unmatched orders of ``order``, in that order (no ejections)."""
        for o in order:
            if not self.made[o]:
                self.try_insert(o)

    def ruin_and_recreate(self, deadline: float, seed: int) -> int:
        """Take every movable order out of a few windows of an unmatched order, and insert
        again what could now fit: that order first, then the orders taken out and the other
        unmatched orders of those windows, heaviest first with noise. Keep the result when it
        has at least as many weighted units (then no more cost), or when it stays within
        ``ACCEPT_WORSE`` of the best (record-to-record travel), else undo it; the best found
        is kept for ``restore_best``. Returns the rounds run. Compiled (``ruin_recreate.py``).

        Only orders with a pair in the emptied windows can gain from the room freed there:
        after the construction no unmatched order fits anywhere, and elsewhere room only
        shrinks. So a round costs what those windows hold, not what the component holds."""
        if self.compiled is None:
            self.compiled = table_of(self)
        count, made, totals, self.best_made = run_ruin_and_recreate(
            self, self.compiled, deadline, seed, self.stall_rounds
        )
        self.made, (self.weighted, self.cost) = made, totals
        self.in_window = [set() for _ in self.in_window]
        for o, parts in enumerate(made):
            for p, _units in parts:
                self.in_window[int(self.pair_window[p])].add(o)
        return count

    def search_long(self) -> None:
        """Let ruin and recreate run much longer before it counts as stalled: on a component
        it answers with the large-neighbourhood search, not before CP-SAT."""
        self.stall_rounds = min(LONG_STALL_ROUNDS, LONG_STALL_ROUNDS_PER_ORDER * len(self.orders))

    def random_unmatched(self, rng: np.random.Generator) -> int | None:
        """A random unmatched order that may move (None when there is none)."""
        for _ in range(32):
            o = int(rng.integers(len(self.orders)))
            if self.orders[o].movable and not self.made[o]:
                return o
        unmatched = [o for o, parts in enumerate(self.made) if not parts and self.orders[o].movable]
        return unmatched[int(rng.integers(len(unmatched)))] if unmatched else None

    def restore_best(self) -> None:
        """Make the best assignment ruin and recreate found the current one."""
        best, self.best_made = self.best_made, None
        if best is None:
            return
        for o, parts in enumerate(self.made):
            if parts and parts != best[o]:
                self.unassign(o)
        for o, parts in enumerate(best):
            if parts and not self.made[o]:
                self.assign(o, parts)

    def assignment(self) -> dict[Key, int]:
        """The best assignment found (the current one unless ruin and recreate ran)."""
        return {self.key(p): units for p, units in self.best_parts()}

    def best_parts(self) -> list[tuple[int, int]]:
        """(pair, units) of the best assignment found (the current one unless ruin and
        recreate ran)."""
        made = self.best_made if self.best_made is not None else self.made
        return [part for parts in made for part in parts]


def improve_assignment(
    candidates: list[Candidate],
    first_production_date: dt.date,
    start: dict[Key, int],
    weight_of: Callable[[Candidate], int],
    cost_of: Callable[[Candidate], int],
    time_limit_seconds: float,
    seed: int = 0,
) -> dict[Key, int]:
    """``start`` (units per pair) improved by the local search within the time limit."""
    deadline = time.perf_counter() + max(time_limit_seconds, 0.0)
    packing = Packing(candidates, first_production_date, weight_of, cost_of, start)
    improve_packing(packing, deadline, seed)
    return packing.assignment()


def improve_packing(packing: Packing, deadline: float, seed: int = 0) -> None:
    """The construction, insert and eject-and-insert passes, cheaper windows, then ruin and
    recreate until ``deadline`` (or until it stalls); ``packing`` ends on the best found."""
    packing.improve(deadline)
    if len(packing.orders) > 1:
        packing.ruin_and_recreate(deadline, seed)
    packing.restore_best()
