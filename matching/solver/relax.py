"""What to relax: the smallest single change that would make an unmatched order matchable.

For each order a run left unmatched, ``suggest_relaxations`` looks at the capacity the run
left over and reports, for each of three fields of the order taken on its own (every other
field unchanged):

- ``max_unit_price_fen``: the lowest maximum unit price at which some window would take it;
- ``due_date``: the earliest due date at which some window would take it;
- ``quantity``: the largest quantity, at most the order's, that some window would take.

"Would take it" means the order passes every eligibility filter of ``candidates.py`` in
that window, against what is left: the factory is active, verified and capable of the
category, and allowed for the order (not excluded, its required factory if any); its
unit price is at most the order's maximum; the quantity is within the factory's minimum
and maximum, and within its probation limits if it is new; the window has a usable day
before the latest finish (due date minus transport days); and the quantity fits alone in
the window's free units up to the latest finish and in its remaining units. It need not
beat any other order: it only has to fit in what is left.

What is left of a window (``windows_after``): the run's own assignments in it become
booked work on their planned days (``Commitment(planned_start, planned_finish, quantity)``
appended to the window's commitments, exactly as the next run will see them as offers),
and its ``remaining_units`` lose the units assigned. The free units per day then follow
``schedule.free_per_day``.

A suggestion is given only when it differs from the order's current value, i.e. when that
field is what stands in the way: a higher price, a later due date, a smaller quantity.
A field is ``None`` when no value of it alone helps (e.g. no window has room for the
order at any price), or when the order already fits somewhere as it is (possible only
when the solver stopped on its time limit; ``fits_as_is`` is then true). Orders whose
category has no active, verified, capable factory get an empty ``Relaxation``. Each
suggestion names the window (and its factory) where it would fit; ties go to the lowest
unit price, then the lowest window id. Quantities are only ever lowered: an order below
every factory's minimum quantity gets no quantity suggestion.

Pooling (拼单, ``pool_hints``): an order below a factory's minimum that does not allow
pooling is told to allow it (``allow_pooling``) when, in some window where it passes every
other filter in what is left, its units with those of the run's pool there and of the other
unmatched pooling orders that could join it reach the factory's minimum. A pooling order
left unmatched is told how many more units the nearest pool needs (``pool_units_needed``:
the factory's minimum less its own units, the run's pool there and the other unmatched
pooling orders that could join; the smallest over its windows).

Cost. Let D_w be the days of window w, C_w its commitments (booked plus this run's), and
W_c the windows of an order's category that have room left. The index is built once per
call: each window's free-per-day profile and its prefix sums, O(D_w + C_w log C_w) per
window, then each category's windows sorted by price, O(W_c log W_c). Each unmatched
order then looks only at the windows of its own category: those within its price (O(1)
each for the quantity, a binary search over the prefix sums, O(log D_w), for the due date)
and the dearer ones in price order until the first that fits (the price). That is
O(W_c log D) per order at worst, never the orders x all windows product; transport is
computed once per (order, factory). Measured on the 2-core dev machine: 10,000 unmatched
orders, 2,000 factories and 8,000 windows over 50 categories (160 windows a category,
with booked work) take 0.75 s in all.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass

from matching.solver.candidates import (
    Candidate,
    candidates_for_order,
    capable_windows_by_category,
    factory_allowed,
    probation_units,
    within_probation,
)
from matching.solver.geo import haversine_km, transport_for
from matching.solver.problem import (
    Commitment,
    FactoryData,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    Priority,
    WindowData,
)
from matching.solver.schedule import first_usable_day, free_per_day


@dataclass(frozen=True)
class Relaxation:
    """The single-field changes that would each make one unmatched order matchable.

    Every field is ``None`` when that change alone does not help or is not needed. The
    ``*_window_id`` / ``*_factory_id`` fields say where the suggested value would fit.
    """

    # lowest maximum unit price (fen) at which some window takes the order; > current
    max_unit_price_fen: int | None = None
    max_unit_price_window_id: int | None = None
    max_unit_price_factory_id: int | None = None
    # earliest due date at which some window takes the order; later than the current one
    due_date: dt.date | None = None
    due_date_window_id: int | None = None
    due_date_factory_id: int | None = None
    # largest quantity some window takes; smaller than the current one
    quantity: int | None = None
    quantity_window_id: int | None = None
    quantity_factory_id: int | None = None
    # the order already fits in what is left as it is (the solver ran out of time)
    fits_as_is: bool = False
    # pooling (拼单): allowing it would let the order join a pool that reaches the minimum
    allow_pooling: bool = False
    # a pooling order: the units its nearest pool still needs to reach the minimum, and where
    pool_units_needed: int | None = None
    pool_window_id: int | None = None
    pool_factory_id: int | None = None

    @property
    def is_empty(self) -> bool:
        """No single change was found (and the order does not fit as it is)."""
        return (
            self.max_unit_price_fen is None
            and self.due_date is None
            and self.quantity is None
            and not self.fits_as_is
            and not self.allow_pooling
            and self.pool_units_needed is None
        )


@dataclass(frozen=True)
class WindowRoom:
    """What is left of one window of a capable factory, ready for quick questions."""

    window: WindowData
    factory: FactoryData
    unit_price_fen: int
    # the first day production may run in this window, as a proleptic ordinal
    first_ordinal: int
    # prefix[k]: free units on the first k usable days (prefix[0] == 0; one entry per day)
    prefix: tuple[int, ...]
    remaining_units: int
    # the factory's learned delay in the category at P50 and P90 (Capability)
    slip_p50_days: int = 0
    slip_p90_days: int = 0

    def earliest_finish(self, quantity: int) -> dt.date | None:
        """First day by which ``quantity`` units fit (one usable day at least), or None."""
        if quantity > self.remaining_units or quantity > self.prefix[-1]:
            return None
        days = max(bisect.bisect_left(self.prefix, quantity), 1)
        return dt.date.fromordinal(self.first_ordinal + days - 1)


def windows_after(problem: MatchingProblem, solution: MatchingSolution) -> dict[int, WindowData]:
    """Every window of the problem with the solution's assignments booked in it.

    Assignments become commitments on their planned days and leave the window's
    ``remaining_units`` (never below zero). Windows without new work are returned as is.
    """
    booked: dict[int, list[Commitment]] = defaultdict(list)
    for a in solution.assignments:
        booked[a.window_id].append(
            Commitment(start=a.planned_start, finish=a.planned_finish, units=a.quantity)
        )
    windows: dict[int, WindowData] = {}
    for window in problem.windows:
        new = booked.get(window.id)
        if new:
            window = dataclasses.replace(
                window,
                commitments=window.commitments + tuple(new),
                remaining_units=max(0, window.remaining_units - sum(c.units for c in new)),
            )
        windows[window.id] = window
    return windows


def rooms_by_category(
    problem: MatchingProblem, windows: dict[int, WindowData]
) -> dict[int, list[WindowRoom]]:
    """Windows of active, verified, capable factories with room left, by category.

    Each category's list is sorted by unit price, then window id.
    """
    factories = {factory.id: factory for factory in problem.factories}
    fpd = problem.first_production_date
    rooms: dict[int, list[WindowRoom]] = defaultdict(list)
    for window in windows.values():
        factory = factories.get(window.factory_id)
        if factory is None or not (factory.active and factory.verified):
            continue
        capability = factory.capability_for(window.category_id)
        if capability is None or window.remaining_units <= 0:
            continue
        prefix = tuple(itertools.accumulate(free_per_day(window, fpd), initial=0))
        if prefix[-1] <= 0:
            continue
        rooms[window.category_id].append(
            WindowRoom(
                window=window,
                factory=factory,
                unit_price_fen=capability.unit_price_fen,
                first_ordinal=first_usable_day(window, fpd).toordinal(),
                prefix=prefix,
                remaining_units=window.remaining_units,
                slip_p50_days=max(capability.slip_p50_days, 0),
                slip_p90_days=max(capability.slip_p90_days, 0),
            )
        )
    for category_rooms in rooms.values():
        category_rooms.sort(key=lambda room: (room.unit_price_fen, room.window.id))
    return dict(rooms)


def suggest_relaxations(
    problem: MatchingProblem,
    solution: MatchingSolution,
    *,
    pooled_units: dict[int, int] | None = None,
) -> dict[int, Relaxation]:
    """A ``Relaxation`` for every order of ``solution.unmatched`` found in ``problem``.

    Unmatched ids that are not orders of the problem are left out. ``pooled_units``: the
    units of the run's pools per window, when the caller passes the problem read back with
    them booked and no assignments (default: those of ``solution.assignments``).
    """
    wanted = [order for order in problem.orders if order.id in solution.unmatched]
    if not wanted:
        return {}
    after = windows_after(problem, solution)
    rooms = rooms_by_category(problem, after)
    prices = {c: [room.unit_price_fen for room in rs] for c, rs in rooms.items()}
    if pooled_units is None:
        pooled_units = defaultdict(int)
        for a in solution.assignments:
            if a.pool is not None:
                pooled_units[a.window_id] += a.quantity
    pools = pool_hints(problem, pooled_units, wanted, after)
    found = {
        order.id: relax_order(
            order, rooms.get(order.category_id, []), prices.get(order.category_id, []), problem
        )
        for order in wanted
    }
    for order_id, (allow, needed, window_id, factory_id) in pools.items():
        found[order_id] = dataclasses.replace(
            found[order_id],
            allow_pooling=allow,
            pool_units_needed=needed,
            pool_window_id=window_id,
            pool_factory_id=factory_id,
        )
    return found


def pool_hints(
    problem: MatchingProblem,
    pooled_units: dict[int, int],
    wanted: list[OrderData],
    after: dict[int, WindowData],
) -> dict[int, tuple[bool, int | None, int | None, int | None]]:
    """Per unmatched order below a factory's minimum: ``allow_pooling`` (it does not allow
    pooling, and doing so would reach a pool's minimum somewhere) or ``pool_units_needed``
    with the window and factory (it allows pooling; the fewest units a pool it could join
    still needs), as (allow_pooling, pool_units_needed, window id, factory id). Only with
    pooling on."""
    if not problem.solver.pooling:
        return {}
    left = dataclasses.replace(problem, windows=tuple(after.values()))
    capable = capable_windows_by_category(left)
    # the pooled pairs each wanted order would have (as if it allowed pooling)
    pooled: dict[int, list[Candidate]] = {}
    for order in wanted:
        if order.allow_split:
            continue
        below = [
            option
            for option in capable.get(order.category_id, [])
            if order.quantity < option.factory.min_order_quantity
        ]
        if below:
            as_pooling = dataclasses.replace(order, allows_pooling=True)
            pairs, _reason = candidates_for_order(left, as_pooling, below)
            if pairs:
                pooled[order.id] = pairs
    if not pooled:
        return {}
    # units per window: the run's pool there and the unmatched pooling orders that could join
    units: dict[int, int] = defaultdict(int, pooled_units)
    allows = {order.id: order.allows_pooling for order in wanted}
    for order_id, pairs in pooled.items():
        if allows[order_id]:
            for c in pairs:
                units[c.window.id] += c.order.quantity
    hints: dict[int, tuple[bool, int | None, int | None, int | None]] = {}
    for order_id, pairs in pooled.items():
        own = pairs[0].order.quantity
        if not allows[order_id]:
            if any(units[c.window.id] + own >= c.factory.min_order_quantity for c in pairs):
                hints[order_id] = (True, None, None, None)
            continue
        best = min(pairs, key=lambda c: (c.factory.min_order_quantity - units[c.window.id], c.key))
        need = best.factory.min_order_quantity - units[best.window.id]
        if need > 0:
            hints[order_id] = (False, need, best.window.id, best.factory.id)
    return hints


def relax_order(
    order: OrderData, rooms: list[WindowRoom], prices: list[int], problem: MatchingProblem
) -> Relaxation:
    """The three single-field suggestions for one order.

    ``rooms`` are the windows of the order's category sorted by price (then id), and
    ``prices`` their unit prices, so the windows within the order's price come first.
    """
    if order.excluded_factory_ids or order.required_factory_id is not None:
        rooms = [room for room in rooms if factory_allowed(order, room.factory)]
        prices = [room.unit_price_fen for room in rooms]
    quantity = order.quantity
    due_ordinal = order.due_date.toordinal()
    transport_days: dict[int, int] = {}

    p90 = order.priority == Priority.RUSH and problem.solver.rush_plans_p90

    def latest_finish_days(room: WindowRoom) -> tuple[int, int]:
        """(transport days and the factory's planned delay, usable days of the room up to the
        order's latest finish)."""
        factory = room.factory
        days = transport_days.get(factory.id)
        if days is None:
            distance = haversine_km(
                factory.latitude, factory.longitude, order.latitude, order.longitude
            )
            days = transport_days[factory.id] = transport_for(distance, problem.transport)[0]
        days += room.slip_p90_days if p90 else room.slip_p50_days
        usable = due_ordinal - days - room.first_ordinal + 1
        return days, min(max(usable, 0), len(room.prefix) - 1)

    # Windows within the order's price: due date alone, or quantity alone.
    within_price = bisect.bisect_right(prices, order.max_unit_price_fen)
    due: tuple[dt.date, WindowRoom] | None = None
    largest: tuple[int, WindowRoom] | None = None
    for room in rooms[:within_price]:
        factory = room.factory
        days, usable = latest_finish_days(room)
        room_left = min(room.prefix[usable], room.remaining_units) if usable else 0
        if factory.min_order_quantity <= quantity <= factory.max_order_quantity and (
            within_probation(order, factory, room.unit_price_fen)
        ):
            if usable and room_left >= quantity:
                return Relaxation(fits_as_is=True)
            finish = room.earliest_finish(quantity)
            if finish is not None:
                new_due = finish + dt.timedelta(days=days)
                if due is None or new_due < due[0]:
                    due = (new_due, room)
        most = min(room_left, factory.max_order_quantity, quantity)
        cap = probation_units(factory, room.unit_price_fen)
        most = most if cap is None else min(most, cap)
        if most >= max(factory.min_order_quantity, 1) and (largest is None or most > largest[0]):
            largest = (most, room)

    # Price alone: the cheapest dearer window where quantity and due date already work.
    price: WindowRoom | None = None
    for room in rooms[within_price:]:
        factory = room.factory
        if factory.min_order_quantity <= quantity <= factory.max_order_quantity and (
            within_probation(order, factory, room.unit_price_fen)
        ):
            _days, usable = latest_finish_days(room)
            if usable and min(room.prefix[usable], room.remaining_units) >= quantity:
                price = room
                break

    # The order does not fit anywhere as it is, so every value found differs from the
    # order's own: a price above its maximum, a due date after its own (an earlier or equal
    # one would have fitted as it is), a quantity below its own (likewise).
    return Relaxation(
        max_unit_price_fen=price.unit_price_fen if price else None,
        max_unit_price_window_id=price.window.id if price else None,
        max_unit_price_factory_id=price.factory.id if price else None,
        due_date=due[0] if due else None,
        due_date_window_id=due[1].window.id if due else None,
        due_date_factory_id=due[1].factory.id if due else None,
        quantity=largest[0] if largest else None,
        quantity_window_id=largest[1].window.id if largest else None,
        quantity_factory_id=largest[1].factory.id if largest else None,
    )
