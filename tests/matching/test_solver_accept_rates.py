"""Acceptance-aware offers in the pure solver: a capability's ``accept_rate`` scales the
stage-1 weight of its units, so the solver offers expected accepted units; unset, nothing
changes (pure, no database)."""

from __future__ import annotations

import dataclasses
import json
import random

from matching.solver import solve
from matching.solver.bound import VALUE_PER_WEIGHTED_UNIT
from matching.solver.candidate_arrays import (
    build_candidate_arrays,
    component_groups,
    components,
    to_candidates,
)
from matching.solver.candidates import find_candidates
from matching.solver.model import ProblemColumns, pair_table_of_rows, pair_weight, priority_weight
from matching.solver.problem import (
    Capability,
    FactoryData,
    MatchingProblem,
    SolverParams,
)
from matching.solver.serialize import problem_from_data, to_data
from tests.matching.test_solver_fairness import DAY, order, window
from tests.matching.test_solver_fairness import factory as plain_factory
from tests.matching.test_solver_greedy_arrays import market


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


def with_pair_estimates(problem: MatchingProblem, rates: dict[int, int]) -> MatchingProblem:
    """Every order carries the per-pair estimate ``rates`` (window id -> hundredths)."""
    orders = tuple(
        dataclasses.replace(o, window_accept=tuple(sorted(rates.items()))) for o in problem.orders
    )
    return dataclasses.replace(problem, orders=orders)


def test_a_pair_estimate_takes_the_place_of_the_capability_rate() -> None:
    # the capabilities say the cheap factory 1 accepts more often; the pair estimate
    # (this order at these factories) says factory 2
    problem = with_pair_estimates(cheap_and_willing(0.9, 0.4), {10: 30, 20: 80})
    candidates, _ = find_candidates(problem)
    base = priority_weight(problem.orders[0], problem.solver)
    assert {c.factory.id: pair_weight(c, problem.solver) for c in candidates} == {
        1: 30 * base,
        2: 80 * base,
    }
    assert [a.factory_id for a in solve(problem).assignments] == [2]


def test_without_pair_estimates_the_capability_rates_decide_as_before() -> None:
    assert order(1, 300).window_accept == ()
    assert [a.factory_id for a in solve(cheap_and_willing(0.9, 0.4)).assignments] == [1]


def test_pair_estimates_survive_the_trip_to_a_shard_worker() -> None:
    problem = with_pair_estimates(cheap_and_willing(None, None), {10: 30, 20: 80})
    assert problem_from_data(json.loads(json.dumps(to_data(problem)))) == problem


def test_a_large_component_from_the_arrays_weighs_pairs_by_their_estimates() -> None:
    problem = market(1_250, 250, fairness=20, rates=True)
    rng = random.Random(7)
    orders = (
        tuple(
            dataclasses.replace(
                o, window_accept=tuple((w.id, rng.randint(0, 120)) for w in problem.windows)
            )
            for o in problem.orders[::2]
        )
        + problem.orders[1::2]
    )
    problem = dataclasses.replace(problem, orders=orders)
    arrays = build_candidate_arrays(problem)
    rows = component_groups(components(problem, arrays))[0]
    candidates = to_candidates(problem, arrays, rows)

    table = pair_table_of_rows(problem, arrays, rows, ProblemColumns.of(problem))

    assert table.weight.tolist() == [pair_weight(c, problem.solver) for c in candidates]
    assert any(o.window_accept for o in table.orders)
    assert any(not o.window_accept for o in table.orders)
