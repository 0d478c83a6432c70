"""Lead times with confidence in the solver: an order is planned to finish its factory's learned
delay before its latest finish, the P90 delay for a rush order, the P50 for the others
(issue 15, point 2; pure, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from matching.solver import solve
from matching.solver.problem import (
    Capability,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    SolverParams,
    UnmatchedReason,
    WindowData,
)
from matching.solver.relax import suggest_relaxations

DAY = dt.date(2026, 12, 1)


def problem(
    *, priority: Priority, slips: tuple[int, int], rush_plans_p90: bool = True
) -> MatchingProblem:
    """One factory next door (1 day of transport) whose window makes the 100 units on its
    first day; the order is due on day 6, so its latest finish is day 5."""
    factory = FactoryData(
        id=1,
        latitude=30.0,
        longitude=120.0,
        min_order_quantity=1,
        max_order_quantity=10_000,
        capabilities=(Capability(1, 1_000, 1_000, *slips),),
    )
    window = WindowData(
        id=10,
        factory_id=1,
        category_id=1,
        start_date=DAY + dt.timedelta(days=2),
        end_date=DAY + dt.timedelta(days=20),
        units_per_day=100,
        remaining_units=1_900,
    )
    order = OrderData(
        id=1,
        category_id=1,
        quantity=100,
        max_unit_price_fen=2_000,
        due_date=DAY + dt.timedelta(days=6),
        latitude=30.0,
        longitude=120.0,
        priority=priority,
    )
    return MatchingProblem(
        first_production_date=DAY,
        orders=(order,),
        factories=(factory,),
        windows=(window,),
        solver=SolverParams(time_limit_seconds=5, rush_plans_p90=rush_plans_p90),
    )


def test_a_normal_order_is_planned_against_the_p50_delay() -> None:
    """Window from day 2; P50 2 days: latest finish day 5 - 2 = day 3: it fits."""
    solution = solve(problem(priority=Priority.NORMAL, slips=(2, 6)))
    (planned,) = solution.assignments
    assert planned.planned_finish <= DAY + dt.timedelta(days=3)


def test_a_rush_order_is_planned_against_the_p90_delay() -> None:
    """P90 6 days: the latest finish would be day -1, before the window: no room in time."""
    solution = solve(problem(priority=Priority.RUSH, slips=(2, 6)))
    assert not solution.assignments
    assert solution.unmatched == {1: UnmatchedReason.DUE_DATE_TOO_SOON}


def test_with_the_setting_off_a_rush_order_uses_the_p50_too() -> None:
    solution = solve(problem(priority=Priority.RUSH, slips=(2, 6), rush_plans_p90=False))
    assert len(solution.assignments) == 1


def test_without_a_record_nothing_changes() -> None:
    solution = solve(problem(priority=Priority.RUSH, slips=(0, 0)))
    (planned,) = solution.assignments
    assert planned.planned_finish <= DAY + dt.timedelta(days=5)


def test_what_to_relax_counts_the_delay_in_the_due_date_it_names() -> None:
    unmatched = problem(priority=Priority.RUSH, slips=(2, 6))
    solution = solve(unmatched)
    (relaxation,) = suggest_relaxations(unmatched, solution).values()
    assert relaxation.due_date is not None
    later = dataclasses.replace(
        unmatched, orders=(dataclasses.replace(unmatched.orders[0], due_date=relaxation.due_date),)
    )
    assert len(solve(later).assignments) == 1
