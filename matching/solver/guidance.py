"""Price guidance: per window with idle room after a run, the unit prices at which more of it
would have been filled, and the orders its factory lost on price.

``price_guidance(problem, solution)`` reads the capacity the run left (``relax.windows_after``:
the run's assignments booked on their planned days) and the orders it left unmatched. For
each window of an active, verified, capable factory with idle room left (free units up to its
end, capped by its remaining units), the orders **lost on price** are the unmatched orders of
its category that pass every eligibility filter of ``candidates.py`` for that window except
the price: the factory is allowed for the order (not excluded, its required factory if any),
the whole quantity is within the factory's minimum and maximum (a splittable order counts
whole, as in what to relax), the window has a usable day before the order's latest finish (due
date less transport days and the factory's planned delay, ``candidates.slip_days``) and
the quantity fits alone in the window's free units up to that day and in its remaining units;
only the order's maximum unit price is below the factory's. Orders matched elsewhere are not
counted: the market served them.

Price levels are those orders' maximum prices, highest first (the smallest cuts first), down
to ``lowest_percent`` of the factory's price. Going down the levels, each order becomes
eligible at its own maximum price (a factory on probation also needs the order's value at
that price within its limit) and is added to the window's set when the set still fits:
orders join in order of price (dearest first), then rush first, larger first, earlier
deadline, id; "fits" is the model's own test, for every checkpoint t (each chosen order's
latest finish) the chosen units due by t are at most the free units up to t, and all chosen
units are at most the remaining units (earliest deadline first makes them all in time). So
the sets only grow as the price falls, and each level's set is a set the solver could place
in that window at that price: at least that many orders and units (the solver maximises
weighted units and may place a different, larger set). Levels that add nothing over a dearer
one are dropped; of the rest at most ``max_levels`` are kept: the first ``max_levels - 1``
and the one with the most units.

Cost: per window, the unmatched orders of its category priced between half its price and its
price (a slice of them sorted by price; at most ``max_orders`` lost orders considered,
the dearest first), one insertion test each, O(k) for k chosen orders; transport once per
(order, factory). ``deadline`` (a ``time.perf_counter()`` value) stops it between windows.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from matching.solver.candidates import (
    capable_windows_by_category,
    factory_allowed,
    part_range,
    slip_days,
    within_probation,
)
from matching.solver.geo import haversine_km, transport_for
from matching.solver.problem import (
    FactoryData,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    Priority,
    WindowData,
)
from matching.solver.relax import windows_after
from matching.solver.schedule import free_until, usable_days


@dataclass(frozen=True)
class PriceLevel:
    """At this unit price the window would have had these orders (more than now)."""

    unit_price_fen: int
    order_ids: tuple[int, ...]
    units: int


@dataclass(frozen=True)
class WindowGuidance:
    window_id: int
    factory_id: int
    # the factory's unit price now, and the idle room the run left in the window
    unit_price_fen: int
    idle_units: int
    # the orders lost on price (dearest first), and the levels, dearest first
    lost_order_ids: tuple[int, ...]
    levels: tuple[PriceLevel, ...]


@dataclass(frozen=True)
class _Lost:
    order: OrderData
    latest_finish: dt.date
    room: int  # free units up to its latest finish

    @property
    def rank(self) -> tuple[int, int, int, dt.date, int]:
        rush = 0 if self.order.priority == Priority.RUSH else 1
        latest = self.latest_finish
        return (-self.order.max_unit_price_fen, rush, -self.order.quantity, latest, self.order.id)


def price_guidance(
    problem: MatchingProblem,
    solution: MatchingSolution,
    *,
    max_levels: int = 3,
    max_orders: int = 200,
    lowest_percent: int = 50,
    deadline: float | None = None,
) -> list[WindowGuidance]:
    """Guidance for every window with idle room and at least one order lost on price."""
    unmatched: dict[int, list[OrderData]] = defaultdict(list)
    for order in problem.orders:
        if order.id in solution.unmatched:
            unmatched[order.category_id].append(order)
    if not unmatched:
        return []
    after = dataclasses.replace(problem, windows=tuple(windows_after(problem, solution).values()))
    fpd = after.first_production_date
    result: list[WindowGuidance] = []
    transport: dict[tuple[int, int], int] = {}  # (order, factory) -> transport days
    for category_id, capable in sorted(capable_windows_by_category(after).items()):
        orders = sorted(unmatched.get(category_id, ()), key=lambda o: o.max_unit_price_fen)
        if not orders:
            continue
        prices = [order.max_unit_price_fen for order in orders]
        for option in sorted(capable, key=lambda c: c.window.id):
            if deadline is not None and time.perf_counter() > deadline:
                return result
            window, factory, price = option.window, option.factory, option.unit_price_fen
            idle = min(free_until(window, fpd, window.end_date), window.remaining_units)
            if idle <= 0:
                continue
            floor = price * lowest_percent // 100
            lost: list[_Lost] = []
            # the orders priced in [floor, price): a slice of the category's, by price
            within = orders[bisect.bisect_left(prices, floor) : bisect.bisect_left(prices, price)]
            for order in within:
                if not factory_allowed(order, factory):
                    continue
                smallest, largest = part_range(order, factory)
                if not smallest <= order.quantity <= largest or order.quantity > idle:
                    continue
                key = (order.id, factory.id)
                if key not in transport:
                    distance = haversine_km(
                        factory.latitude, factory.longitude, order.latitude, order.longitude
                    )
                    transport[key] = transport_for(distance, after.transport)[0]
                slip = slip_days(after, order, option)
                latest = order.due_date - dt.timedelta(days=transport[key] + slip)
                if usable_days(window, fpd, latest) <= 0:
                    continue
                room = free_until(window, fpd, latest)
                if min(room, window.remaining_units) < order.quantity:
                    continue
                lost.append(_Lost(order, latest, room))
            if not lost:
                continue
            lost.sort(key=lambda item: item.rank)
            lost = lost[:max_orders]
            levels = _levels(lost, factory=factory, window=window)
            if levels:
                result.append(
                    WindowGuidance(
                        window_id=window.id,
                        factory_id=factory.id,
                        unit_price_fen=price,
                        idle_units=idle,
                        lost_order_ids=tuple(item.order.id for item in lost),
                        levels=_kept(levels, max_levels),
                    )
                )
    return result


def _levels(lost: list[_Lost], *, factory: FactoryData, window: WindowData) -> list[PriceLevel]:
    """Going down the prices, each order joins the chosen set if the set still fits."""
    chosen: list[_Lost] = []  # sorted by latest finish, then id
    keys: list[tuple[dt.date, int]] = []
    levels: list[PriceLevel] = []
    units = 0
    index = 0
    while index < len(lost):
        price = lost[index].order.max_unit_price_fen
        while index < len(lost) and lost[index].order.max_unit_price_fen == price:
            item = lost[index]
            index += 1
            if units + item.order.quantity > window.remaining_units:
                continue
            if not within_probation(item.order, factory, price):
                continue
            key = (item.latest_finish, item.order.id)
            at = bisect.bisect(keys, key)
            trial = [*chosen[:at], item, *chosen[at:]]
            if _fits(trial):
                chosen, units = trial, units + item.order.quantity
                keys.insert(at, key)
        if chosen and (not levels or units > levels[-1].units):
            ids = tuple(sorted(c.order.id for c in chosen))
            levels.append(PriceLevel(unit_price_fen=price, order_ids=ids, units=units))
    return levels


def _fits(chosen: list[_Lost]) -> bool:
    """Earliest deadline first meets every latest finish: the units due by each one are at
    most the free units up to it (``chosen`` sorted by latest finish)."""
    due = 0
    for item in chosen:
        due += item.order.quantity
        if due > item.room:
            return False
    return True


def _kept(levels: list[PriceLevel], max_levels: int) -> tuple[PriceLevel, ...]:
    if len(levels) <= max_levels:
        return tuple(levels)
    return (*levels[: max_levels - 1], levels[-1])
