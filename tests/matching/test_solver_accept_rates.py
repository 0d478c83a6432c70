"""Acceptance-aware offers in the pure solver: a capability's ``accept_rate`` scales the
stage-1 weight of its units, so the solver offers expected accepted units; unset, nothing
changes (pure, no database)."""

from __future__ import annotations

import dataclasses
import json

from matching.solver import solve
from matching.solver.bound import VALUE_PER_WEIGHTED_UNIT
from matching.solver.candidates import find_candidates
from matching.solver.model import pair_weight, priority_weight
from matching.solver.problem import (
    Capability,
    FactoryData,
    MatchingProblem,
    SolverParams,
)
from matching.solver.serialize import problem_from_data, to_data
from tests.matching.test_solver_fairness import DAY, order, window
from tests.matching.test_solver_fairness import factory as plain_factory


def factory(factory_id: int, price_fen: int, accept_rate: float | None) -> FactoryData:
    """The fairness tests' factory, its capability with ``accept_rate``."""
    plain = plain_factory(factory_id, price_fen)
    return dataclasses.replace(
        plain,
        capabilities=tuple(
            dataclasses.replace(c, accept_rate=accept_rate) for c in plain.capabilities
        ),
    )


def cheap_and_willing(cheap_rate: float | None, willing_rate: float | None) -> MatchingProblem:
    """Factory 1 is cheaper, factory 2 dearer; one order either could make."""
    return MatchingProblem(
        first_production_date=DAY,
        orders=(order(1, 300),),
        factories=(factory(1, 1_000, cheap_rate), factory(2, 1_100, willing_rate)),
        windows=(window(10, 1), window(20, 2)),
        solver=SolverParams(time_limit_seconds=5),
    )


def test_without_acceptance_rates_the_cheaper_factory_gets_the_order() -> None:
    assert Capability(category_id=1, unit_price_fen=1, daily_output=1).accept_rate is None
    solution = solve(cheap_and_willing(None, None))
    assert [a.factory_id for a in solution.assignments] == [1]


def test_equal_acceptance_rates_leave_the_choice_to_cost() -> None:
    solution = solve(cheap_and_willing(0.7, 0.7))
    assert [a.factory_id for a in solution.assignments] == [1]


def test_the_factory_likelier_to_accept_gets_the_order_at_a_higher_cost() -> None:
    solution = solve(cheap_and_willing(0.4, 0.9))
    assert [a.factory_id for a in solution.assignments] == [2]


def test_a_unit_weighs_its_priority_weight_times_the_rate_in_hundredths() -> None:
    problem = cheap_and_willing(0.4, 0.9)
    candidates, _ = find_candidates(problem)
    weights = {c.factory.id: pair_weight(c, problem.solver) for c in candidates}
    base = priority_weight(problem.orders[0], problem.solver)
    assert weights == {1: 40 * base, 2: 90 * base}
    # rates are clamped to 1..100 hundredths: a factory never seen to accept still counts
    clamped = dataclasses.replace(problem, factories=(factory(1, 1_000, 0.0),))
    candidates, _ = find_candidates(dataclasses.replace(clamped, windows=(window(10, 1),)))
    assert [pair_weight(c, problem.solver) for c in candidates] == [base]


def test_the_value_and_its_bound_stay_in_priority_weights_with_acceptance_rates() -> None:
    problem = dataclasses.replace(
        cheap_and_willing(0.4, 0.9), orders=(order(1, 300), order(2, 900), order(3, 700))
    )
    solution = solve(problem)
    assert sum(a.quantity for a in solution.assignments) == 1900  # every order fits
    # the value counts units at their priority weight, not scaled by the rates
    full = VALUE_PER_WEIGHTED_UNIT * priority_weight(problem.orders[0], problem.solver) * 1900
    assert 0.99 * full < solution.value <= solution.value_bound <= full


def test_acceptance_rates_survive_the_trip_to_a_shard_worker() -> None:
    problem = cheap_and_willing(0.4, None)
    assert problem_from_data(json.loads(json.dumps(to_data(problem)))) == problem
