"""Which (order, window) pairs the model may use, and why an order has none.

The filters run in a fixed order on an order's windows. When a filter removes the
last remaining window, its reason code becomes the order's unmatched reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from matching.solver.geo import haversine_km, transport_for
from matching.solver.problem import (
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    UnmatchedReason,
    WindowData,
)
from matching.solver.schedule import free_until, usable_days


@dataclass(frozen=True)
class Candidate:
    """One (order, window) pair with the fixed data the model needs."""

    order: OrderData
    window: WindowData
    factory: FactoryData
    unit_price_fen: int
    distance_km: float
    transport_days: int
    transport_cost_fen_per_unit: int
    # due date minus transport days (and the factory's planned delay, ``slip_days``): the
    # last day production of the order may run
    latest_finish: dt.date
    # usable days of the window from the first production date up to latest_finish
    usable_days: int
    # what stage 2 adds to (or, for a preferred factory, takes off) the cost of one unit:
    # the reliability premium less the preference bonus, in fen
    cost_adjust_fen_per_unit: int = 0
    # the order is below the factory's minimum and may only be made here in a pool (拼单)
    # whose pooled units in the window reach the minimum (``model.add_pool_minimums``)
    pooled: bool = False

    @property
    def key(self) -> tuple[int, int]:
        return (self.order.id, self.window.id)


@dataclass(frozen=True)
class CapableWindow:
    """A window whose factory may take orders of its category: active, verified, capable."""

    window: WindowData
    factory: FactoryData
    unit_price_fen: int
    # the factory's learned delay in the category at P50 and P90 (Capability)
    slip_p50_days: int = 0
    slip_p90_days: int = 0


def capable_windows_by_category(problem: MatchingProblem) -> dict[int, list[CapableWindow]]:
    """Filter 1, done once per run: the usable windows of each category.

    Indexing by category means no order is ever compared with windows of other
    categories, so candidate generation grows with the eligible pairs, not with
    orders x windows.
    """
    factories = {factory.id: factory for factory in problem.factories}
    index: dict[int, list[CapableWindow]] = defaultdict(list)
    for window in problem.windows:
        factory = factories.get(window.factory_id)
        if factory is None or not (factory.active and factory.verified):
            continue
        capability = factory.capability_for(window.category_id)
        if capability is not None:
            index[window.category_id].append(
                CapableWindow(
                    window,
                    factory,
                    capability.unit_price_fen,
                    max(capability.slip_p50_days, 0),
                    max(capability.slip_p90_days, 0),
                )
            )
    return index


def find_candidates(
    problem: MatchingProblem,
) -> tuple[list[Candidate], dict[int, UnmatchedReason]]:
    """All eligible pairs, and the reason for every order left without any."""
    index = capable_windows_by_category(problem)
    candidates: list[Candidate] = []
    no_candidates: dict[int, UnmatchedReason] = {}
    for order in problem.orders:
        order_candidates, reason = candidates_for_order(
            problem, order, index.get(order.category_id, [])
        )
        candidates.extend(order_candidates)
        if reason is not None:
            no_candidates[order.id] = reason
    return candidates, no_candidates


def part_range(order: OrderData, factory: FactoryData) -> tuple[int, int]:
    """Smallest and largest quantity of the order one factory may make.

    A whole order is all or nothing; a part of a splittable order is at least the order's
    lot size and the factory's minimum, and at most the order and the factory's maximum.
    An empty range (smallest > largest) means the quantity is out of the factory's range.
    """
    if not order.allow_split:
        fits = factory.min_order_quantity <= order.quantity <= factory.max_order_quantity
        return (order.quantity, order.quantity) if fits else (1, 0)
    smallest = max(order.min_lot_quantity, factory.min_order_quantity, 1)
    return smallest, min(order.quantity, factory.max_order_quantity)


def poolable(problem: MatchingProblem, order: OrderData, factory: FactoryData) -> bool:
    """Filter 3 passed through a pool (拼单): pooling is on, the whole order (not split)
    allows it, and its quantity is below the factory's minimum (and within its maximum)."""
    return (
        problem.solver.pooling
        and order.allows_pooling
        and not order.allow_split
        and order.quantity < factory.min_order_quantity
        and order.quantity <= factory.max_order_quantity
    )


# The filters in order; an order left without windows gets the reason of the filter that
# removed its last one. Index i is the reason when the best window passed i filters.
REASONS = (
    UnmatchedReason.NO_CAPABLE_FACTORY,  # 1. active, verified factory making the category,
    # not excluded by the order (declined or expired) and its required factory if any
    UnmatchedReason.PRICE_BELOW_MARKET,  # 2. unit price <= the order's maximum
    UnmatchedReason.QUANTITY_OUT_OF_RANGE,  # 3. factory minimum <= quantity (or part) <= maximum
    UnmatchedReason.FACTORY_ON_PROBATION,  # 4. the whole order within a new factory's limits
    UnmatchedReason.DUE_DATE_TOO_SOON,  # 5. a usable day before the latest finish
    UnmatchedReason.CAPACITY_FULL,  # 6. it (or its smallest part) fits alone in the window
)


def probation_units(factory: FactoryData, unit_price_fen: int) -> int | None:
    """The most units of an order a factory on probation takes at this unit price (None: no
    limit)."""
    units, value = factory.max_order_units, factory.max_order_value_fen
    if value is not None:
        by_value = value // max(unit_price_fen, 1)
        units = by_value if units is None else min(units, by_value)
    return units


def within_probation(order: OrderData, factory: FactoryData, unit_price_fen: int) -> bool:
    """Filter 4: a factory on probation takes the order only if the whole order (split or
    not) is within its limits of units and of value at its unit price."""
    units, value = factory.max_order_units, factory.max_order_value_fen
    if units is not None and order.quantity > units:
        return False
    return value is None or order.quantity * unit_price_fen <= value


def factory_allowed(order: OrderData, factory: FactoryData) -> bool:
    """Filter 1 for one order: not a factory it excluded, and its required one if any."""
    if factory.id in order.excluded_factory_ids:
        return False
    return order.required_factory_id is None or order.required_factory_id == factory.id


def cost_adjust(problem: MatchingProblem, order: OrderData, option: CapableWindow) -> int:
    """The reliability premium of the factory, less the preference bonus for the factory
    of the order's approved sample (the order's whole maximum price: stronger than any
    price difference between factories, weaker than matching more units)."""
    percent = problem.solver.reliability_premium_percent
    premium = option.unit_price_fen * percent * (100 - option.factory.reliability_percent)
    bonus = order.max_unit_price_fen if order.preferred_factory_id == option.factory.id else 0
    return premium // 10_000 - bonus


def slip_days(problem: MatchingProblem, order: OrderData, option: CapableWindow) -> int:
    """Days the factory's record says to finish before the latest finish: its P90 delay for a
    rush order (``rush_plans_p90``), its P50 delay for the others (0 without a record)."""
    if order.priority == Priority.RUSH and problem.solver.rush_plans_p90:
        return option.slip_p90_days
    return option.slip_p50_days


def candidates_for_order(
    problem: MatchingProblem, order: OrderData, capable: list[CapableWindow]
) -> tuple[list[Candidate], UnmatchedReason | None]:
    """Eligible pairs of one order, or no pairs and the filter that removed the last one.

    The filters run in order on each window; cheap ones first, so a Candidate (with its
    distance) is only built for windows that pass price and quantity. Filtering window
    by window and remembering how far the best one got gives the same reason as
    filtering all windows stage by stage.
    """
    fpd = problem.first_production_date
    passed_most = 0
    kept: list[Candidate] = []
    transport: dict[int, tuple[float, int, int]] = {}  # per factory: distance, days, cost
    for option in capable:
        factory, window = option.factory, option.window
        if not factory_allowed(order, factory):
            continue
        if option.unit_price_fen > order.max_unit_price_fen:
            passed_most = max(passed_most, 1)
            continue
        smallest, largest = part_range(order, factory)
        pooled = False
        if smallest > largest:
            if not poolable(problem, order, factory):
                passed_most = max(passed_most, 2)
                continue
            smallest, largest, pooled = order.quantity, order.quantity, True
        if not within_probation(order, factory, option.unit_price_fen):
            passed_most = max(passed_most, 3)
            continue
        if factory.id not in transport:
            distance = haversine_km(
                factory.latitude, factory.longitude, order.latitude, order.longitude
            )
            transport[factory.id] = (distance, *transport_for(distance, problem.transport))
        distance, transport_days, transport_cost = transport[factory.id]
        latest_finish = order.due_date - dt.timedelta(
            days=transport_days + slip_days(problem, order, option)
        )
        days = usable_days(window, fpd, latest_finish)
        if days <= 0:
            passed_most = max(passed_most, 4)
            continue
        room = free_until(window, fpd, latest_finish)
        if min(room, window.remaining_units) < smallest:
            passed_most = max(passed_most, 5)
            continue
        kept.append(
            Candidate(
                order=order,
                window=window,
                factory=factory,
                unit_price_fen=option.unit_price_fen,
                distance_km=distance,
                transport_days=transport_days,
                transport_cost_fen_per_unit=transport_cost,
                latest_finish=latest_finish,
                usable_days=days,
                cost_adjust_fen_per_unit=cost_adjust(problem, order, option),
                pooled=pooled,
            )
        )
    if kept:
        return kept, None
    return [], REASONS[passed_most]
