"""Which (order, window) pairs the model may use, and why an order has none.

The filters run in a fixed order on an order's windows. When a filter removes the
last remaining window, its reason code becomes the order's unmatched reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from matching.solver.geo import haversine_km, transport_for
from matching.solver.problem import (
    FactoryData,
    MatchingProblem,
    OrderData,
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
    # due date minus transport days: the last day production of the order may run
    latest_finish: dt.date
    # usable days of the window from the first production date up to latest_finish
    usable_days: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.order.id, self.window.id)


def find_candidates(
    problem: MatchingProblem,
) -> tuple[list[Candidate], dict[int, UnmatchedReason]]:
    """All eligible pairs, and the reason for every order left without any."""
    factories = {factory.id: factory for factory in problem.factories}
    candidates: list[Candidate] = []
    no_candidates: dict[int, UnmatchedReason] = {}
    for order in problem.orders:
        order_candidates, reason = candidates_for_order(problem, order, factories)
        candidates.extend(order_candidates)
        if reason is not None:
            no_candidates[order.id] = reason
    return candidates, no_candidates


def candidates_for_order(
    problem: MatchingProblem, order: OrderData, factories: dict[int, FactoryData]
) -> tuple[list[Candidate], UnmatchedReason | None]:
    """Eligible pairs of one order, or no pairs and the filter that removed the last one."""
    remaining = capable_candidates(problem, order, factories)
    if not remaining:
        return [], UnmatchedReason.NO_CAPABLE_FACTORY
    for keep, reason in _FILTERS:
        remaining = [c for c in remaining if keep(c, problem.first_production_date)]
        if not remaining:
            return [], reason
    return remaining, None


def capable_candidates(
    problem: MatchingProblem, order: OrderData, factories: dict[int, FactoryData]
) -> list[Candidate]:
    """Filter 1: windows of the order's category whose factory is active, verified, capable."""
    candidates = []
    for window in problem.windows:
        factory = factories.get(window.factory_id)
        if window.category_id != order.category_id or factory is None:
            continue
        capability = factory.capability_for(order.category_id)
        if not (factory.active and factory.verified and capability is not None):
            continue
        distance = haversine_km(
            factory.latitude, factory.longitude, order.latitude, order.longitude
        )
        transport_days, transport_cost = transport_for(distance, problem.transport)
        latest_finish = order.due_date - dt.timedelta(days=transport_days)
        candidates.append(
            Candidate(
                order=order,
                window=window,
                factory=factory,
                unit_price_fen=capability.unit_price_fen,
                distance_km=distance,
                transport_days=transport_days,
                transport_cost_fen_per_unit=transport_cost,
                latest_finish=latest_finish,
                usable_days=usable_days(window, problem.first_production_date, latest_finish),
            )
        )
    return candidates


def price_is_acceptable(candidate: Candidate, first_production_date: dt.date) -> bool:
    """Filter 2: the factory's unit price is within the seller's maximum."""
    return candidate.unit_price_fen <= candidate.order.max_unit_price_fen


def quantity_is_in_range(candidate: Candidate, first_production_date: dt.date) -> bool:
    """Filter 3: the order quantity is within the factory's minimum and maximum."""
    factory = candidate.factory
    return factory.min_order_quantity <= candidate.order.quantity <= factory.max_order_quantity


def has_usable_days(candidate: Candidate, first_production_date: dt.date) -> bool:
    """Filter 4: the window has at least one production day before the latest finish."""
    return candidate.usable_days > 0


def fits_alone(candidate: Candidate, first_production_date: dt.date) -> bool:
    """Filter 5: the order fits the window if it were the only new order in it."""
    window, quantity = candidate.window, candidate.order.quantity
    room = free_until(window, first_production_date, candidate.latest_finish)
    return room >= quantity and window.remaining_units >= quantity


_FILTERS: list[tuple[Callable[[Candidate, dt.date], bool], UnmatchedReason]] = [
    (price_is_acceptable, UnmatchedReason.PRICE_BELOW_MARKET),
    (quantity_is_in_range, UnmatchedReason.QUANTITY_OUT_OF_RANGE),
    (has_usable_days, UnmatchedReason.DUE_DATE_TOO_SOON),
    (fits_alone, UnmatchedReason.CAPACITY_FULL),
]
