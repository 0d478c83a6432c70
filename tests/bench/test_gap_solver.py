"""solve_gap on small OR-Library instances with proven optima (no Django, no database)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.evaluate import evaluate_gap
from bench.gap_solver import GapInstance, read_gap, solve_gap

DATA = Path(__file__).resolve().parents[1] / "data" / "gap"
with (DATA / "best_known.csv").open(newline="") as _handle:
    BEST_KNOWN = {row["instance"]: int(row["best_known_value"]) for row in csv.DictReader(_handle)}


@pytest.mark.parametrize("name", sorted(BEST_KNOWN))
def test_solver_reaches_the_proven_optimum_with_a_valid_bound(name: str) -> None:
    instance = read_gap(DATA / name)
    solution = solve_gap(instance, time_limit_seconds=5.0, workers=2, seed=0)
    assert evaluate_gap(instance, solution.assignment) == solution.objective
    assert solution.objective == BEST_KNOWN[name]
    assert solution.bound is not None and 0 < solution.bound <= solution.objective
    assert solution.status in ("OPTIMAL", "FEASIBLE")


def test_solver_proves_optimality_of_a_small_instance() -> None:
    solution = solve_gap(read_gap(DATA / "gap1-0"), time_limit_seconds=5.0)
    assert solution.status == "OPTIMAL"
    assert solution.bound == solution.objective == BEST_KNOWN["gap1-0"]
    assert solution.gap == 0.0


def test_solver_reports_an_instance_where_a_job_fits_nowhere_as_infeasible() -> None:
    instance = GapInstance(cost=((1, 1),), weight=((1, 5),), capacity=(4,))
    solution = solve_gap(instance, time_limit_seconds=1.0)
    assert solution.status == "INFEASIBLE"
    assert solution.assignment == () and solution.objective is None


def test_solver_reports_an_instance_without_room_for_all_jobs_as_infeasible() -> None:
    # Each job fits alone, but the two together exceed the only agent.
    instance = GapInstance(cost=((1, 1),), weight=((3, 3),), capacity=(4,))
    solution = solve_gap(instance, time_limit_seconds=1.0)
    assert solution.status == "INFEASIBLE"
    assert solution.assignment == ()


def test_solver_respects_capacity_when_the_cheapest_agent_is_too_small() -> None:
    # Both jobs are cheapest on agent 0, which can take only one of them.
    instance = GapInstance(cost=((1, 1), (10, 3)), weight=((2, 2), (1, 1)), capacity=(3, 5))
    solution = solve_gap(instance, time_limit_seconds=1.0)
    assert solution.assignment == (0, 1)
    assert solution.objective == 4 and solution.status == "OPTIMAL"
