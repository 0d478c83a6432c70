"""The Lagrangian branch and bound for small GAP instances (no Django, no database)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.evaluate import evaluate_gap
from bench.gap_branch import new_branch_and_bound, warm_up
from bench.gap_solver import GapInstance, solve_gap


def _random_instance(seed: int, agents: int = 3, jobs: int = 7) -> GapInstance:
    """Type D-like: costs fall as weights rise, capacities tight (some instances infeasible)."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(1, 30, size=(agents, jobs))
    cost = 40 - weight + rng.integers(-5, 6, size=(agents, jobs))
    capacity = np.maximum(1, (0.8 * weight.sum(axis=1) / agents).astype(int))
    return GapInstance(
        cost=tuple(tuple(int(c) for c in row) for row in cost),
        weight=tuple(tuple(int(w) for w in row) for row in weight),
        capacity=tuple(int(b) for b in capacity),
    )


def _brute_force(instance: GapInstance) -> int | None:
    best = None
    for assignment in itertools.product(range(instance.agents), repeat=instance.jobs):
        load = [0] * instance.agents
        for job, agent in enumerate(assignment):
            load[agent] += instance.weight[agent][job]
        if all(used <= room for used, room in zip(load, instance.capacity, strict=True)):
            value = sum(instance.cost[agent][job] for job, agent in enumerate(assignment))
            best = value if best is None else min(best, value)
    return best


def _search(instance: GapInstance, upper: int):
    cost = np.asarray(instance.cost, dtype=np.int64)
    weight = np.asarray(instance.weight, dtype=np.int64)
    capacity = np.asarray(instance.capacity, dtype=np.int64)
    return new_branch_and_bound(cost, weight, capacity, cost.min(axis=0), upper)


def _no_limit(instance: GapInstance) -> int:
    return sum(
        max(instance.cost[i][j] for i in range(instance.agents)) for j in range(instance.jobs)
    )


@pytest.mark.parametrize("seed", range(40))
def test_it_proves_the_brute_force_optimum_with_a_root_bound_below_it(seed: int) -> None:
    warm_up()
    instance = _random_instance(seed)
    optimum = _brute_force(instance)
    outcome = _search(instance, _no_limit(instance) + 1).run()
    assert outcome.proven
    if optimum is None:
        assert outcome.assignment is None
        return
    assert outcome.assignment is not None
    assignment = tuple(int(a) for a in outcome.assignment)
    assert evaluate_gap(instance, assignment) == outcome.value == optimum
    assert outcome.lower_bound == optimum
    assert outcome.root_bound is not None and outcome.root_bound <= optimum


def test_it_looks_only_below_a_cost_another_thread_reported() -> None:
    instance = next(
        candidate
        for candidate in map(_random_instance, range(100))
        if _brute_force(candidate) is not None
    )
    optimum = _brute_force(instance)
    assert optimum is not None
    search = _search(instance, _no_limit(instance) + 1)
    search.lower_upper(optimum)
    outcome = search.run()
    # Nothing cheaper than the optimum exists, so it finds nothing and proves just that.
    assert outcome.proven and outcome.assignment is None and outcome.value is None
    assert outcome.upper == optimum == outcome.lower_bound


def test_it_ends_unproven_when_asked_to_stop() -> None:
    instance = _random_instance(3, agents=4, jobs=12)
    search = _search(instance, _no_limit(instance) + 1)
    search.request_stop()
    outcome = search.run()
    assert not outcome.proven and outcome.nodes == 0 and search.finished
    assert outcome.lower_bound is None


def test_solver_proves_small_instances_optimal() -> None:
    # 4 agents x 8 jobs: solve_gap runs the branch and bound beside the tabu search.
    for seed in range(6):
        instance = _random_instance(seed, agents=4, jobs=8)
        optimum = _brute_force(instance)
        if optimum is None:
            continue
        solution = solve_gap(instance, time_limit_seconds=5.0, workers=2, seed=0)
        assert solution.status == "OPTIMAL"
        assert evaluate_gap(instance, solution.assignment) == solution.objective == optimum
        assert solution.bound == optimum


def test_it_hands_each_answer_to_the_tabu_search_once() -> None:
    instance = _random_instance(0)
    optimum = _brute_force(instance)
    search = _search(instance, _no_limit(instance) + 1)
    assert search.answer() is None
    search.run()
    found = search.answer()
    assert found is not None
    assignment, value = found
    assert evaluate_gap(instance, tuple(int(a) for a in assignment)) == value == optimum
    assert search.answer() is None
