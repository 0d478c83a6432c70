"""Shards: a run split into independent parts solves to the same answer as the whole."""

import dataclasses
import json

import numpy as np
import pytest

from matching.solver import MatchingProblem, UnmatchedReason, candidate_arrays, solve
from matching.solver import shards as shards_module
from matching.solver.candidate_arrays import problem_pairs, unpack_pairs
from matching.solver.serialize import problem_from_data, solution_from_data, to_data
from matching.solver.shards import (
    ShardResult,
    merge_solutions,
    shard_units,
    solve_shards_in_turn,
    split_into_shards,
    with_run_bound,
)
from tests.matching.test_solver_components import two_category_factory
from tests.matching.test_solver_model import FIRST_DAY, SOLVER, order, window


def three_category_problem() -> MatchingProblem:
    factories = (two_category_factory(1, 100), two_category_factory(2, 120))
    windows = (
        window(1, 1, category_id=1),
        window(2, 2, category_id=1),
        window(3, 1, category_id=2),
        window(4, 2, category_id=2, end=3),
    )
    orders = (
        order(1, quantity=60),
        order(2, quantity=60),
        order(3, quantity=70, age=5),
        order(4, quantity=80, category_id=2, rush=True),
        order(5, quantity=90, category_id=2),
        order(6, quantity=10, category_id=2, max_price=50),  # below every price
        order(7, quantity=10, category_id=3),  # nobody makes category 3
    )
    return MatchingProblem(FIRST_DAY, orders, factories, windows, solver=SOLVER)


def test_small_components_go_together_in_one_shard_that_gets_the_whole_time_limit() -> None:
    problem = three_category_problem()

    plan = split_into_shards(problem)

    assert [sorted(o.id for o in shard.orders) for shard in plan.shards] == [[1, 2, 3, 4, 5]]
    assert plan.unmatched == {
        6: UnmatchedReason.PRICE_BELOW_MARKET,
        7: UnmatchedReason.NO_CAPABLE_FACTORY,
    }
    assert abs(plan.shards[0].solver.time_limit_seconds - SOLVER.time_limit_seconds) < 1e-9


def test_asked_for_at_least_two_shards_it_makes_one_per_component_and_shares_the_time() -> None:
    problem = three_category_problem()

    plan = split_into_shards(problem, at_least=2)

    assert sorted(sorted(o.id for o in shard.orders) for shard in plan.shards) == [
        [1, 2, 3],
        [4, 5],
    ]
    shares = [shard.solver.time_limit_seconds for shard in plan.shards]
    assert abs(sum(shares) - SOLVER.time_limit_seconds) < 1e-9
    for shard in plan.shards:
        assert {w.category_id for w in shard.windows} == {o.category_id for o in shard.orders}


def test_shards_are_solves_batches_largest_first_a_large_component_alone() -> None:
    groups = [np.arange(n) for n in (6_000, 1_500, 600, 300, 20)]  # largest first

    assert shard_units(groups) == [[0], [1], [4, 3, 2]]
    assert shard_units(groups, at_least=4) == [[0], [1], [2], [4, 3]]


def test_a_shard_of_several_components_takes_the_sum_of_their_lp_blocks_as_its_run_bound() -> None:
    problem = three_category_problem()
    plan = split_into_shards(problem)
    assert plan.shard_blocks == (2,)  # one shard, two components: two blocks of the LP
    result = ShardResult(0, 5, 4, "here", 0.0, solve(plan.shards[0]))

    (bounded,) = with_run_bound([result], [10.0, 5.0], plan.shard_blocks)

    assert bounded.solution.value_bound == min(result.solution.value_bound, 15.0)
    assert with_run_bound([result], [7.0])[0].solution.value_bound == min(
        result.solution.value_bound, 7.0
    )  # a plan written before the blocks were counted: one block per shard


def test_solved_here_the_smallest_shard_goes_first_and_its_unused_time_rolls_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = split_into_shards(three_category_problem(), at_least=2)
    limits: dict[int, float] = {}

    def instant(shard: MatchingProblem, *, index: int, worker: str) -> ShardResult:
        limits[index] = shard.solver.time_limit_seconds
        return ShardResult(index, len(shard.orders), len(shard.windows), worker, 0.0, solve(shard))

    monkeypatch.setattr(shards_module, "solve_shard", instant)
    done: list[int] = []
    results = solve_shards_in_turn(
        plan.shards, seconds=10.0, worker="here", done=lambda r: done.append(r.index)
    )

    assert [r.index for r in results] == done == [1, 0]
    assert limits[1] < limits[0]
    assert 9.0 < limits[0] <= 10.0  # all but what the first (instant) shard took


def test_merged_shard_solutions_equal_the_solution_of_the_whole() -> None:
    problem = three_category_problem()
    plan = split_into_shards(problem)

    merged = merge_solutions(plan, [solve(shard) for shard in reversed(plan.shards)])
    whole = solve(problem)

    assert merged.assignments == whole.assignments
    assert merged.unmatched == whole.unmatched
    assert (merged.objective, merged.best_bound) == (whole.objective, whole.best_bound)
    assert merged.candidate_pairs == whole.candidate_pairs
    assert merged.solver_status == "OPTIMAL"


def test_problems_and_solutions_survive_a_trip_through_json() -> None:
    problem = three_category_problem()
    first = dataclasses.replace(
        problem.orders[0], excluded_factory_ids=frozenset({7, 3}), preferred_factory_id=5
    )
    problem = dataclasses.replace(problem, orders=(first, *problem.orders[1:]))
    solution = solve(problem)

    assert problem_from_data(json.loads(json.dumps(to_data(problem)))) == problem
    assert solution_from_data(json.loads(json.dumps(to_data(solution)))) == solution


def test_a_run_without_candidates_merges_to_no_candidates() -> None:
    problem = MatchingProblem(FIRST_DAY, (order(1, category_id=9),), (), (), solver=SOLVER)

    plan = split_into_shards(problem)
    merged = merge_solutions(plan, [])

    assert plan.shards == ()
    assert merged.solver_status == "NO_CANDIDATES"
    assert merged.unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}


def test_each_shard_carries_its_pairs_so_its_solve_does_not_filter_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = three_category_problem()
    whole = solve(problem)
    plan = split_into_shards(problem)
    # through JSON, as a Celery message carries a shard to a worker
    shards = [problem_from_data(json.loads(json.dumps(to_data(s)))) for s in plan.shards]
    assert shards == list(plan.shards)

    def no_second_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("a shard filtered its pairs again")

    monkeypatch.setattr(candidate_arrays, "build_candidate_arrays", no_second_build)
    merged = merge_solutions(plan, [solve(shard) for shard in shards])

    assert merged.assignments == whole.assignments
    assert merged.unmatched == whole.unmatched
    assert (
        merged.candidate_pairs
        == whole.candidate_pairs
        == sum(solve(shard).candidate_pairs for shard in shards)
    )


def test_a_shard_whose_orders_changed_after_the_split_finds_its_pairs_again() -> None:
    plan = split_into_shards(three_category_problem(), at_least=2)
    shard = next(s for s in plan.shards if len(s.orders) == 3)
    fewer = dataclasses.replace(shard, orders=shard.orders[1:])

    assert unpack_pairs(shard.pairs).order.tolist() == [0, 0, 1, 1, 2, 2]  # type: ignore[arg-type]
    assert len(problem_pairs(fewer).reason_code) == 2
    assert solve(fewer).assignments == solve(dataclasses.replace(fewer, pairs=None)).assignments


def test_a_shard_message_without_pairs_is_still_read() -> None:
    """Messages sent before shards carried their pairs have no such field."""
    shard = split_into_shards(three_category_problem()).shards[0]
    data = to_data(shard)
    del data["pairs"]

    assert problem_from_data(data) == dataclasses.replace(shard, pairs=None)
