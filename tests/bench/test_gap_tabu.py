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
from bench.gap_solver import GapInstance, metaheuristic, read_gap, solve_gap_cpsat
from bench.gap_tabu import new_search, warm_up

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
