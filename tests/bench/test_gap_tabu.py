"""The compiled tabu search / path relinking (bench.gap_tabu), the plain CP-SAT reference
method and ``--method`` of the bench (no Django, no database)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bench.evaluate import evaluate_gap
from bench.gap_lp import lp_bound
from bench.gap_solver import (
    EARLY_PROOF_PAIRS,
    GapInstance,
    hand_over,
    metaheuristic,
    read_gap,
    solve_gap_cpsat,
)
from bench.gap_tabu import (
    ELITE_DISTANCE_DIVISOR,
    ELITE_ENTRIES,
    FEASIBLE_ENDS,
    LOCAL_SEARCHES,
    NEW_BESTS,
    RESTART_ROUNDS,
    RESTARTS,
    TabuSearch,
    _offer_elite,
    new_search,
    warm_up,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "gap"
with (DATA / "best_known.csv").open(newline="") as _handle:
    BEST_KNOWN = {row["instance"]: int(row["best_known_value"]) for row in csv.DictReader(_handle)}


def arrays(instance: GapInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.asarray(instance.cost, dtype=np.int64),
        np.asarray(instance.weight, dtype=np.int64),
        np.asarray(instance.capacity, dtype=np.int64),
    )


def test_warm_up_compiles_the_kernels_and_a_search_then_runs() -> None:
    assert warm_up() >= 0.0
    # A second warm-up only loads what is compiled (no assertion on its time: no timed tests).
    assert warm_up() >= 0.0
    cost = np.array([[1, 5], [5, 1]], dtype=np.int64)
    weight = np.array([[1, 1], [1, 1]], dtype=np.int64)
    capacity = np.array([1, 1], dtype=np.int64)
    # Start infeasible (both jobs on agent 0): the penalised search must leave it.
    search = new_search(
        cost, weight, capacity, cost.astype(float), np.zeros(2, np.int64), np.ones(2), seed=3
    )
    search.run(time.perf_counter() + 0.05)
    assert search.best_value == 2
    assert search.best.tolist() == [0, 1]


@pytest.mark.parametrize("name", sorted(BEST_KNOWN))
def test_search_from_an_infeasible_start_returns_an_assignment_the_evaluator_accepts(
    name: str,
) -> None:
    instance = read_gap(DATA / name)
    cost, weight, capacity = arrays(instance)
    relaxation = lp_bound(cost, weight, capacity, upper_bound=1e9, time_limit_seconds=5.0)
    u = relaxation.multipliers
    guide = cost + u[:, None] * weight
    start = guide.argmin(axis=0)  # the Lagrangian optimum: usually over capacity
    search = new_search(cost, weight, capacity, guide, start, 1.5 * u + 0.1, seed=0)
    search.run(time.perf_counter() + 0.3)
    assert search.best_value is not None
    assignment = search.best.tolist()
    assert evaluate_gap(instance, assignment) == search.best_value
    assert search.best_value >= BEST_KNOWN[name]  # never below the proven optimum
    # Every elite solution is feasible and its recorded cost is its cost.
    for e in range(int(search.elite_count[0])):
        assert evaluate_gap(instance, search.elite[e].tolist()) == search.elite_cost[e]


def test_solver_stage_returns_a_feasible_assignment_better_than_its_start() -> None:
    instance = read_gap(DATA / "gap12-4")
    cost, weight, capacity = arrays(instance)
    relaxation = lp_bound(cost, weight, capacity, upper_bound=1e9, time_limit_seconds=5.0)
    found = metaheuristic(
        cost, weight, capacity, relaxation, None, time.perf_counter() + 0.5, workers=2, seed=0
    )
    assert found is not None
    assert evaluate_gap(instance, found.tolist()) >= BEST_KNOWN["gap12-4"]


def test_plain_cpsat_reaches_the_proven_optimum_of_a_small_instance() -> None:
    instance = read_gap(DATA / "gap4-1")
    solution = solve_gap_cpsat(instance, time_limit_seconds=10.0, workers=2)
    assert evaluate_gap(instance, solution.assignment) == solution.objective
    assert solution.objective == BEST_KNOWN["gap4-1"]
    assert solution.status == "OPTIMAL" and solution.bound == solution.objective


def test_plain_cpsat_reports_a_job_that_fits_nowhere_as_infeasible() -> None:
    instance = GapInstance(cost=((1, 1),), weight=((1, 5),), capacity=(4,))
    solution = solve_gap_cpsat(instance, time_limit_seconds=1.0)
    assert solution.status == "INFEASIBLE" and solution.assignment == ()


@pytest.mark.parametrize("method", ["solver", "cpsat"])
def test_bench_method_option_prints_answers_the_evaluator_accepted(method: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "gap",
            str(DATA / "gap8-3"),
            "--time-limit",
            "3",
            "--json",
            "--method",
            method,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["objective"] == BEST_KNOWN["gap8-3"]
    assert row["status"] in ("OPTIMAL", "FEASIBLE")
    assert ("numba warm-up" in done.stderr) == (method == "solver")


def test_tabu_stage_hands_a_small_model_to_the_mip_only_once_it_has_stalled() -> None:
    # d20100 has 2,000 pairs in all: the search used to stop after its first 0.25 s there.
    assert not hand_over(6210, 6166, EARLY_PROOF_PAIRS, stalled_seconds=0.5, stall=5.0)
    assert hand_over(6210, 6166, EARLY_PROOF_PAIRS, stalled_seconds=5.0, stall=5.0)
    # A model too big to prove never ends the search early, stalled or not.
    assert not hand_over(6210, 6166, EARLY_PROOF_PAIRS + 1, stalled_seconds=60.0, stall=5.0)
    # Reaching the bound always does.
    assert hand_over(6166, 6166, 10**6, stalled_seconds=0.0, stall=5.0)


def _elite(n: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.zeros((size, n), dtype=np.int64),
        np.full(size, 2**62, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )


def test_elite_set_rejects_duplicates_and_keeps_its_members_apart() -> None:
    n = 4 * ELITE_DISTANCE_DIVISOR
    elite, cost, count = _elite(n, 3)
    first = np.zeros(n, dtype=np.int64)
    assert _offer_elite(elite, cost, count, first, 100)
    assert not _offer_elite(elite, cost, count, first.copy(), 100)  # the same assignment
    near = first.copy()
    near[0] = 1  # one job apart: closer than n / ELITE_DISTANCE_DIVISOR
    assert not _offer_elite(elite, cost, count, near, 101)  # worse than its neighbour: out
    assert int(count[0]) == 1
    assert _offer_elite(elite, cost, count, near, 99)  # better: replaces its neighbour
    assert int(count[0]) == 1 and int(cost[0]) == 99 and elite[0].tolist() == near.tolist()
    far = np.ones(n, dtype=np.int64)
    assert _offer_elite(elite, cost, count, far, 120)  # far from all: a new member
    third = np.full(n, 2, dtype=np.int64)
    assert _offer_elite(elite, cost, count, third, 130)
    assert int(count[0]) == 3
    fourth = np.full(n, 3, dtype=np.int64)
    assert not _offer_elite(elite, cost, count, fourth, 140)  # worse than the worst member
    assert _offer_elite(elite, cost, count, fourth, 110)  # replaces the worst (130)
    assert sorted(cost.tolist()) == [99, 110, 120]


def lagrangian_search(instance: GapInstance, seed: int) -> TabuSearch:
    """A search started from the Lagrangian optimum (usually over capacity)."""
    cost, weight, capacity = arrays(instance)
    relaxation = lp_bound(cost, weight, capacity, upper_bound=1e9, time_limit_seconds=5.0)
    u = relaxation.multipliers
    guide = cost + u[:, None] * weight
    return new_search(cost, weight, capacity, guide, guide.argmin(axis=0), 1.5 * u + 0.1, seed)


def test_search_counts_its_work_and_rebuilds_a_stale_elite_set() -> None:
    instance = read_gap(DATA / "gap12-4")
    search = lagrangian_search(instance, seed=0)
    # One chunk of enough rounds that the elite set of this small instance goes stale at least
    # once (the chunk is seeded, so what it does does not depend on the clock).
    search.run(time.perf_counter() + 0.3, rounds_per_chunk=4 * RESTART_ROUNDS)
    counters = search.counters
    assert counters[LOCAL_SEARCHES] >= counters[FEASIBLE_ENDS] >= counters[ELITE_ENTRIES] > 0
    assert counters[NEW_BESTS] >= 1
    assert counters[RESTARTS] >= 1
    assert search.best_value is not None and search.best_value >= BEST_KNOWN["gap12-4"]
    assert evaluate_gap(instance, search.best.tolist()) == search.best_value


def test_a_search_adopts_the_best_assignment_of_another_into_its_elite_set() -> None:
    instance = read_gap(DATA / "gap8-3")
    first = lagrangian_search(instance, seed=0)
    second = lagrangian_search(instance, seed=1)
    assert not first.adopt(second)  # nothing found yet: nothing to adopt
    second.run(time.perf_counter() + 0.05)
    assert second.best_value is not None
    assert first.adopt(second)
    assert int(first.elite_count[0]) == 1
    assert first.elite[0].tolist() == second.best.tolist()
    assert int(first.elite_cost[0]) == evaluate_gap(instance, second.best.tolist())
    assert not first.adopt(second)  # already a member


def test_an_answer_offered_from_outside_becomes_the_best_when_cheaper() -> None:
    instance = read_gap(DATA / "gap8-3")
    donor = lagrangian_search(instance, seed=1)
    donor.run(time.perf_counter() + 0.05)
    assert donor.best_value is not None
    search = lagrangian_search(instance, seed=0)
    assert search.best_value is None
    assert search.offer(donor.best, donor.best_value)
    assert search.best_value == donor.best_value
    assert search.best.tolist() == donor.best.tolist()
    assert not search.offer(donor.best, donor.best_value)  # already a member
