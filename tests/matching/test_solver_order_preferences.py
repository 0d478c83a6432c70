"""Declined factories, sample factories and reliability in the solver (pure, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from matching.solver import solve
from matching.solver.problem import (
    Capability,
    FactoryData,
    MatchingProblem,
    OrderData,
    SolverParams,
    UnmatchedReason,
    WindowData,
)
from matching.solver.relax import suggest_relaxations

DAY = dt.date(2026, 12, 1)


def factory(
    factory_id: int, price_fen: int, *, quality: int = 50, on_time: int = 100
) -> FactoryData:
    return FactoryData(
        id=factory_id,
        latitude=30.0,
        longitude=120.0,
        min_order_quantity=1,
        max_order_quantity=10_000,
        capabilities=(Capability(category_id=1, unit_price_fen=price_fen, daily_output=1000),),
        quality_score=quality,
        on_time_percent=on_time,
    )


def window(window_id: int, factory_id: int) -> WindowData:
    return WindowData(
        id=window_id,
        factory_id=factory_id,
        category_id=1,
        start_date=DAY,
        end_date=DAY + dt.timedelta(days=9),
        units_per_day=100,
        remaining_units=1000,
    )


def order(**changes: Any) -> OrderData:
    base = OrderData(
        id=1,
        category_id=1,
        quantity=100,
        max_unit_price_fen=2_000,
        due_date=DAY + dt.timedelta(days=20),
        latitude=30.0,
        longitude=120.0,
    )
    return dataclasses.replace(base, **changes)


def problem(
    orders: tuple[OrderData, ...], factories: tuple[FactoryData, ...], **params: Any
) -> MatchingProblem:
    return MatchingProblem(
        first_production_date=DAY,
        orders=orders,
        factories=factories,
        windows=tuple(window(f.id * 10, f.id) for f in factories),
        solver=SolverParams(time_limit_seconds=5, **params),
    )


def factory_of(solution_problem: MatchingProblem) -> int | None:
    solution = solve(solution_problem)
    return solution.assignments[0].factory_id if solution.assignments else None


def test_it_never_offers_an_order_to_a_factory_it_excluded() -> None:
    cheap, dear = factory(1, 1_000), factory(2, 1_500)
    assert factory_of(problem((order(),), (cheap, dear))) == 1
    assert factory_of(problem((order(excluded_factory_ids=frozenset({1})),), (cheap, dear))) == 2


def test_an_order_whose_every_factory_is_excluded_has_no_capable_factory() -> None:
    excluded = problem((order(excluded_factory_ids=frozenset({1})),), (factory(1, 1_000),))
    solution = solve(excluded)
    assert solution.assignments == ()
    assert solution.unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}
    relaxation = suggest_relaxations(excluded, solution)[1]
    assert relaxation.max_unit_price_fen is None and relaxation.quantity is None


def test_it_strongly_prefers_the_factory_of_the_approved_sample() -> None:
    cheap, sample_maker = factory(1, 1_000), factory(2, 1_900)
    assert factory_of(problem((order(preferred_factory_id=2),), (cheap, sample_maker))) == 2


def test_a_required_factory_is_the_only_one_used() -> None:
    cheap, sample_maker = factory(1, 1_000), factory(2, 1_900)
    assert factory_of(problem((order(required_factory_id=2),), (cheap, sample_maker))) == 2
    full = problem((order(required_factory_id=3),), (cheap, sample_maker))
    assert solve(full).unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}


def test_a_less_reliable_factory_loses_to_a_slightly_dearer_reliable_one() -> None:
    unreliable = factory(1, 1_000, quality=20, on_time=40)
    reliable = factory(2, 1_040, quality=90, on_time=100)
    # without the premium price decides; at 10% the unreliable one costs 6.5% more
    assert factory_of(problem((order(),), (unreliable, reliable))) == 1
    premium = problem((order(),), (unreliable, reliable), reliability_premium_percent=10)
    assert factory_of(premium) == 2
