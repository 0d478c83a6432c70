"""``solve`` takes its small components in batches (one CP-SAT model of independent parts)
and its large ones alone, smallest first; the answer keeps every rule and the bound holds. A
batch whose time cannot pay for its model is answered on the arrays, its tiny components
still exactly."""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import Placement, evaluate_market
from matching.solver.candidate_arrays import (
    CandidateArrays,
    component_groups,
    components,
    problem_pairs,
    to_candidates,
)
from matching.solver.candidates import Candidate
from matching.solver.model import (
    BATCH_MAX_PAIRS,
    CPSAT_MAX_PAIRS,
    EXACT_MAX_PAIRS,
    MODEL_SECONDS_PER_PAIR,
    ProblemColumns,
    batches,
    pair_weight,
    solve,
    solve_batch,
    solve_component,
    solve_large_component,
)
from matching.solver.problem import MatchingProblem
from matching.solver.shards import split_into_shards


def groups_of(sizes: list[int]) -> list[np.ndarray]:
    """Components of these sizes (largest first, as ``component_groups`` gives them)."""
    return [np.arange(size, dtype=np.int64) for size in sizes]


def test_small_components_go_in_batches_smallest_first_and_large_ones_alone() -> None:
    sizes = [CPSAT_MAX_PAIRS + 1, CPSAT_MAX_PAIRS, 1_500, 400, 300, 200, 3, 2, 1]

    units = batches(groups_of(sizes))

    # every component once, smallest first
    assert [i for unit in units for i in unit] == list(reversed(range(len(sizes))))
    assert units == [[8, 7, 6, 5, 4, 3], [2], [1], [0]]
    for unit in units:
        assert len(unit) == 1 or sum(sizes[i] for i in unit) <= BATCH_MAX_PAIRS


def test_a_batched_solve_keeps_every_rule_and_stays_within_its_bound() -> None:
    problem = generate_market(MarketConfig(orders=1_250, factories=250, weeks=8, seed=1)).problem
    problem = dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, time_limit_seconds=8.0)
    )

    solution = solve(problem)

    score = evaluate_market(
        problem, [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    )
    assert score.matched_orders > 0
    assert 0 < solution.value <= solution.value_bound
    assert solution.solver_status in ("OPTIMAL", "FEASIBLE")


def shard_of_several_components() -> tuple[MatchingProblem, CandidateArrays, list[np.ndarray]]:
    """A shard of a run (``split_into_shards``) holding several components of more than
    ``EXACT_MAX_PAIRS`` pairs and some tiny ones, whose rows (packed for the worker) are by
    component, so not by order across them."""
    problem = generate_market(MarketConfig(orders=1_250, factories=250, weeks=8, seed=1)).problem
    for shard in split_into_shards(problem).shards:
        arrays = problem_pairs(shard)
        groups = component_groups(components(shard, arrays))
        by_order = bool(np.all(np.diff(arrays.order) >= 0))
        tiny = len(groups[-1]) <= EXACT_MAX_PAIRS
        if len(groups) > 1 and not by_order and len(groups[1]) > EXACT_MAX_PAIRS and tiny:
            return shard, arrays, groups
    raise AssertionError("the market has no such shard")


def test_rows_of_several_components_get_the_answer_each_gets_alone() -> None:
    shard, arrays, groups = shard_of_several_components()
    columns = ProblemColumns.of(shard)
    rows = np.sort(np.concatenate(groups))

    # no time: the greedy answer, which takes each component as if alone
    together = solve_large_component(shard, arrays, rows, columns, 0.0)
    alone = [solve_large_component(shard, arrays, np.sort(g), columns, 0.0) for g in groups]

    assert sorted((c.key, units) for c, units in together.chosen) == sorted(
        (c.key, units) for result in alone for c, units in result.chosen
    )
    assert together.objective == sum(result.objective for result in alone)


def test_a_batch_without_time_for_its_model_keeps_its_tiny_components_exact() -> None:
    shard, arrays, groups = shard_of_several_components()
    columns = ProblemColumns.of(shard)
    tiny = [g for g in groups if len(g) <= EXACT_MAX_PAIRS]
    rest = np.sort(np.concatenate([g for g in groups if len(g) > EXACT_MAX_PAIRS]))
    assert tiny

    # half of what the rest's model needs: the rest is answered on the arrays
    seconds = MODEL_SECONDS_PER_PAIR * len(rest) / 2
    result = solve_batch(shard, arrays, groups, seconds, lambda: columns)

    score = evaluate_market(
        shard, [Placement(c.order.id, c.window.id, units) for c, units in result.chosen]
    )
    assert score.matched_orders > 0
    exact = [solve_component(to_candidates(shard, arrays, np.sort(g)), shard, 0.0) for g in tiny]
    assert all(r.status == "OPTIMAL" for r in exact)
    tiny_keys = {c.key for g in tiny for c in to_candidates(shard, arrays, np.sort(g))}
    assert sorted((c.key, u) for c, u in result.chosen if c.key in tiny_keys) == sorted(
        (c.key, u) for r in exact for c, u in r.chosen
    )
    # the rest at least as heavy as its greedy answer
    greedy = solve_large_component(shard, arrays, rest, columns, 0.0)
    params = shard.solver

    def weighted(chosen: list[tuple[Candidate, int]]) -> int:
        return sum(pair_weight(c, params) * units for c, units in chosen if c.key not in tiny_keys)

    assert weighted(result.chosen) >= weighted(greedy.chosen) > 0
