"""With two workers, ``solve`` answers its large components (the searches on the arrays) in
a second thread beside the units CP-SAT solves, each lane's CP-SAT with one worker, and a
run solved here does the same with its shards; with one worker everything runs in turn.
The answer keeps every rule either way."""

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
from matching.solver.shards import (
    ShardResult,
    merge_solutions,
    solve_shards_in_turn,
    split_into_shards,
)


def market(*, workers: int) -> MatchingProblem:
    # components of 2,331 and 1,585 pairs, then 25 of at most 558
    problem = generate_market(MarketConfig(orders=1_250, factories=250, weeks=8, seed=1)).problem
    params = dataclasses.replace(problem.solver, time_limit_seconds=6.0, workers=workers)
    return dataclasses.replace(problem, solver=params)


class Recorder:
    """Which thread answered each large component, and each CP-SAT solve's thread and
    workers."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.searches: list[str] = []
        self.cpsat: list[tuple[str, int]] = []
        search, cpsat_solve = model.solve_large_component, cp_model.CpSolver.solve

        def recorded_search(*args: Any, **kwargs: Any) -> Any:
            self.searches.append(threading.current_thread().name)
            return search(*args, **kwargs)

        def recorded_solve(solver: cp_model.CpSolver, *args: Any, **kwargs: Any) -> Any:
            self.cpsat.append((threading.current_thread().name, solver.parameters.num_workers))
            return cpsat_solve(solver, *args, **kwargs)

        monkeypatch.setattr(model, "solve_large_component", recorded_search)
        monkeypatch.setattr(cp_model.CpSolver, "solve", recorded_solve)


def assert_it_keeps_every_rule(problem: MatchingProblem) -> None:
    assert_every_rule_holds(problem, solve(problem))


def assert_every_rule_holds(problem: MatchingProblem, solution: MatchingSolution) -> None:
    placements = [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    score = evaluate_market(problem, placements)  # raises on any broken rule
    assert score.matched_orders > 0
    assert 0 < solution.value <= solution.value_bound


def test_it_searches_the_large_components_beside_the_cpsat_units(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model, "CPSAT_MAX_PAIRS", 1_000)
    recorder = Recorder(monkeypatch)

    assert_it_keeps_every_rule(market(workers=2))

    assert len(recorder.searches) >= 2
    assert all(name.startswith("search-lane") for name in recorder.searches)
    cpsat_threads = {name for name, _ in recorder.cpsat}
    assert threading.main_thread().name in cpsat_threads
    # two lanes, one CP-SAT worker each: the solve keeps to its two threads
    assert {workers for _, workers in recorder.cpsat} == {1}


def test_with_one_worker_it_answers_every_unit_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "CPSAT_MAX_PAIRS", 1_000)
    recorder = Recorder(monkeypatch)

    assert_it_keeps_every_rule(market(workers=1))

    assert len(recorder.searches) >= 2
    assert set(recorder.searches) == {threading.main_thread().name}
    assert {name for name, _ in recorder.cpsat} == {threading.main_thread().name}


def test_without_large_components_it_keeps_cpsat_its_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder(monkeypatch)

    assert_it_keeps_every_rule(market(workers=2))

    assert recorder.searches == []
    assert {workers for _, workers in recorder.cpsat} == {2}


def test_a_run_solves_its_large_shards_beside_the_others_and_reports_each_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model, "CPSAT_MAX_PAIRS", 1_000)
    monkeypatch.setattr(shards_module, "CPSAT_MAX_PAIRS", 1_000)
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
    assert {name for _, name in reported} == {threading.main_thread().name}
    large = {i for i, shard in enumerate(plan.shards) if shard.pairs and shard.pairs.rows > 1_000}
    assert len(large) >= 2
    for index, (thread, workers) in solved_in.items():
        assert thread.startswith("search-lane") == (index in large)
        assert workers == 1
    assert_every_rule_holds(problem, merge_solutions(plan, [r.solution for r in results]))
