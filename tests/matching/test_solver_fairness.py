"""The fairness setting of the solver: work goes to factories with capacity still unbooked,
off by default (pure, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from matching.solver import solve
from matching.solver.candidates import find_candidates
from matching.solver.model import pair_weight, priority_weight
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    SolverParams,
    WindowData,
    with_booked_percent,
)

DAY = dt.date(2026, 12, 1)


def factory(factory_id: int, price_fen: int) -> FactoryData:
    return FactoryData(
        id=factory_id,
        latitude=30.0,
        longitude=120.0,
        min_order_quantity=1,
        max_order_quantity=10_000,
        capabilities=(Capability(category_id=1, unit_price_fen=price_fen, daily_output=1000),),
    )


def window(window_id: int, factory_id: int, *, booked: int = 0) -> WindowData:
    commitments = (Commitment(DAY, DAY + dt.timedelta(days=booked // 100 - 1), booked),)
    return WindowData(
        id=window_id,
        factory_id=factory_id,
        category_id=1,
        start_date=DAY,
        end_date=DAY + dt.timedelta(days=9),
        units_per_day=100,
        remaining_units=1000 - booked,
        commitments=commitments if booked else (),
    )


def order(order_id: int, quantity: int = 200) -> OrderData:
    return OrderData(
        id=order_id,
        category_id=1,
        quantity=quantity,
        max_unit_price_fen=2_000,
        due_date=DAY + dt.timedelta(days=20),
        latitude=30.0,
        longitude=120.0,
    )


def busy_and_idle(fairness_percent: int = 0) -> MatchingProblem:
    """Factory 1 is cheaper but has 60% of its window booked; factory 2 is idle."""
    return MatchingProblem(
        first_production_date=DAY,
        orders=(order(1),),
        factories=(factory(1, 1_000), factory(2, 1_100)),
        windows=(window(10, 1, booked=600), window(20, 2)),
        solver=SolverParams(time_limit_seconds=5, fairness_percent=fairness_percent),
    )


def test_it_is_off_by_default_and_the_cheaper_busy_factory_gets_the_order() -> None:
    assert SolverParams().fairness_percent == 0
    solution = solve(busy_and_idle())
    assert [a.factory_id for a in solution.assignments] == [1]


def test_with_fairness_on_the_idle_factory_gets_the_order_at_a_higher_cost() -> None:
    solution = solve(busy_and_idle(fairness_percent=20))
    assert [a.factory_id for a in solution.assignments] == [2]


def test_a_factory_s_booked_share_counts_every_window_it_has() -> None:
    problem = dataclasses.replace(
        busy_and_idle(),
        windows=(window(10, 1, booked=600), window(11, 1), window(20, 2)),
    )
    booked = {f.id: f.booked_percent for f in with_booked_percent(problem).factories}
    assert booked == {1: 30, 2: 0}


def test_a_booked_share_given_by_the_caller_is_kept() -> None:
    problem = busy_and_idle()
    given = dataclasses.replace(
        problem,
        factories=(
            dataclasses.replace(problem.factories[0], booked_percent=5),
            problem.factories[1],
        ),
    )
    assert [f.booked_percent for f in with_booked_percent(given).factories] == [5, 0]


def test_the_value_and_its_bound_stay_in_priority_weights() -> None:
    rng = random.Random(7)
    for _ in range(20):
        factories = tuple(factory(i, rng.randint(800, 1500)) for i in range(1, 5))
        windows = tuple(window(10 * i, i, booked=100 * rng.randint(0, 8)) for i in range(1, 5))
        orders = tuple(order(i, rng.randint(1, 6) * 100) for i in range(1, 8))
        fair = MatchingProblem(
            first_production_date=DAY,
            orders=orders,
            factories=factories,
            windows=windows,
            solver=SolverParams(time_limit_seconds=5, fairness_percent=30),
        )
        solution = solve(fair)
        assert solution.value <= solution.value_bound
        plain = solve(dataclasses.replace(fair, solver=SolverParams(time_limit_seconds=5)))
        # fairness gives up weighted units only where it moves work, never more than its share
        assert solution.value >= plain.value * 100 / 130 - 1


def test_a_unit_weighs_more_at_a_factory_with_less_booked() -> None:
    problem = with_booked_percent(busy_and_idle(fairness_percent=20))
    params = problem.solver
    candidates, _ = find_candidates(problem)
    by_factory = {c.factory.id: pair_weight(c, params) for c in candidates}
    base = priority_weight(problem.orders[0], params)
    assert by_factory[2] == base * (10_000 + 20 * 100)
    assert by_factory[1] == base * (10_000 + 20 * 40)
