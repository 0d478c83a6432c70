"""With two workers, ``solve`` answers its units in two lanes of about equal weight, side by
side (one in a thread of its own), each lane's CP-SAT with one worker, and a run solved here
does the same with its shards; with one worker, or with an LP bound beside that would keep
the second core busy, everything runs in turn. The answer keeps every rule either way."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from ortools.sat.python import cp_model

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import Placement, evaluate_market
from matching.solver import MatchingProblem, MatchingSolution, model, solve
from matching.solver import shards as shards_module
from matching.solver.model import lanes
from matching.solver.shards import (
    ShardResult,
    merge_solutions,
    solve_shards_in_turn,
    split_into_shards,
)

MAIN = threading.main_thread().name


def market(*, workers: int) -> MatchingProblem:
    # components of 2,331 and 1,585 pairs, then 25 of at most 558: 13 units
    problem = generate_market(MarketConfig(orders=1_250, factories=250, weeks=8, seed=1)).problem
    params = dataclasses.replace(problem.solver, time_limit_seconds=6.0, workers=workers)
    return dataclasses.replace(problem, solver=params)


class CpsatSolves:
    """Each CP-SAT solve's thread and workers."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[tuple[str, int]] = []
        cpsat_solve = cp_model.CpSolver.solve

        def recorded(solver: cp_model.CpSolver, *args: Any, **kwargs: Any) -> Any:
            self.seen.append((threading.current_thread().name, solver.parameters.num_workers))
            return cpsat_solve(solver, *args, **kwargs)

        monkeypatch.setattr(cp_model.CpSolver, "solve", recorded)

    @property
    def threads(self) -> set[str]:
        return {"solve-lane" if name.startswith("solve-lane") else name for name, _ in self.seen}

    @property
    def workers(self) -> set[int]:
        return {workers for _, workers in self.seen}


def assert_every_rule_holds(problem: MatchingProblem, solution: MatchingSolution) -> None:
    placements = [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    score = evaluate_market(problem, placements)  # raises on any broken rule
    assert score.matched_orders > 0
    assert 0 < solution.value <= solution.value_bound


def test_the_lanes_are_of_about_equal_weight_and_keep_the_order_given() -> None:
    assert lanes([1, 2, 3, 10, 9, 1], workers=2) == ([0, 1, 3], [2, 4, 5])
    assert lanes([5, 5], workers=2) == ([0], [1])
    assert lanes([1, 2, 3], workers=1) == ([0, 1, 2], [])
    assert lanes([7], workers=2) == ([0], [])


def test_with_two_workers_it_solves_in_two_threads_of_one_cpsat_worker_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solves = CpsatSolves(monkeypatch)
    problem = market(workers=2)

    assert_every_rule_holds(problem, solve(problem))

    assert solves.threads == {MAIN, "solve-lane"}
    assert solves.workers == {1}


def test_with_one_worker_it_solves_every_unit_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    solves = CpsatSolves(monkeypatch)
    problem = market(workers=1)

    assert_every_rule_holds(problem, solve(problem))

    assert solves.threads == {MAIN}


def test_an_lp_that_would_keep_the_second_core_busy_keeps_it_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model, "LP_SECONDS_PER_PAIR", 1.0)  # the LP beside: an hour
    solves = CpsatSolves(monkeypatch)
    problem = market(workers=2)

    assert_every_rule_holds(problem, solve(problem))

    assert solves.threads == {MAIN}
    assert solves.workers == {2}


def test_a_run_solves_its_shards_in_two_lanes_and_reports_each_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = market(workers=2)
    plan = split_into_shards(problem)
    solved_in: dict[int, tuple[str, int]] = {}
    solve_shard = shards_module.solve_shard

    def recorded(shard: MatchingProblem, *, index: int, worker: str) -> ShardResult:
        solved_in[index] = (threading.current_thread().name, shard.solver.workers)
        return solve_shard(shard, index=index, worker=worker)

    monkeypatch.setattr(shards_module, "solve_shard", recorded)
    reported: list[tuple[int, str]] = []

    results = solve_shards_in_turn(
        plan.shards,
        seconds=6.0,
        worker="here",
        done=lambda r: reported.append((r.index, threading.current_thread().name)),
    )

    assert sorted(r.index for r in results) == list(range(len(plan.shards)))
    assert [index for index, _ in reported] == [r.index for r in results]
    # the callback may write to the database: always from the run's own thread
    assert {name for _, name in reported} == {MAIN}
    threads = {name.split("_")[0] for name, _ in solved_in.values()}
    assert threads == {MAIN, "solve-lane"}
    assert {workers for _, workers in solved_in.values()} == {1}
    assert_every_rule_holds(problem, merge_solutions(plan, [r.solution for r in results]))


def test_a_run_with_an_lp_that_keeps_a_core_busy_solves_its_shards_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = split_into_shards(market(workers=2))
    threads: set[str] = set()
    solve_shard = shards_module.solve_shard

    def recorded(shard: MatchingProblem, *, index: int, worker: str) -> ShardResult:
        threads.add(threading.current_thread().name)
        return solve_shard(shard, index=index, worker=worker)

    monkeypatch.setattr(shards_module, "solve_shard", recorded)

    results = solve_shards_in_turn(plan.shards, seconds=6.0, worker="here", side_by_side=False)

    assert len(results) == len(plan.shards)
    assert threads == {MAIN}
