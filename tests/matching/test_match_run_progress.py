"""A run records its progress as it goes (phase, shards done, best objective so far), on
the in-process path and on real workers; the progress bar reads it with match_run_progress."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from django.db.models.expressions import RawSQL
from rest_framework.test import APIClient

from marketplace.models import ProductCategory, Role
from matching import solve
from matching.models import MatchRun, MatchRunPhase, MatchRunStatus
from matching.reports import match_run_progress
from matching.solver import shards
from tests.builders import make_factory, make_order, make_run, make_user, make_window, run_matching
from tests.worker import celery_worker, wait_for

SLUGS = ["t-shirts", "hoodies", "jeans", "backpacks"]


def _one_shard_per_category(slugs: list[str], *, orders: int = 3) -> None:
    for slug in slugs:
        category = ProductCategory.objects.get(slug=slug)
        make_window(make_factory(), category, start=1, end=15, units_per_day=200)
        for n in range(orders):
            make_order(category=category, quantity=100 + 50 * n)


def _running_run() -> MatchRun:
    return MatchRun.objects.get(status=MatchRunStatus.RUNNING)


@pytest.mark.django_db
def test_each_shard_solved_here_counts_itself_done_before_the_next_one_starts(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # in turn: with two workers the shards run in two lanes, and the other lane's are
    # counted when the run's own thread finishes one (tests/matching/test_solver_lanes.py)
    settings.MATCHING_WORKERS = 1
    _one_shard_per_category(SLUGS[:3])
    seen: list[tuple[str, int, int]] = []
    real_solve_shard = shards.solve_shard

    def spying_solve_shard(*args: Any, **kwargs: Any) -> object:
        run = _running_run()
        seen.append((run.phase, run.shards_done, run.shards_total))
        return real_solve_shard(*args, **kwargs)

    monkeypatch.setattr(shards, "solve_shard", spying_solve_shard)

    run = run_matching()

    assert seen == [("solving", 0, 3), ("solving", 1, 3), ("solving", 2, 3)]
    run.refresh_from_db()
    assert run.status == MatchRunStatus.SUCCEEDED
    assert (run.phase, run.shards_done, run.shards_total) == (MatchRunPhase.DONE, 3, 3)
    assert run.objective is not None and run.objective > 0
    assert run.best_objective == pytest.approx(run.objective)
    assert run.started_at is not None and run.progress_updated_at is not None
    assert run.progress_updated_at >= run.started_at


@pytest.mark.django_db
def test_a_finished_run_shows_a_full_bar_with_its_shards_and_best_objective() -> None:
    _one_shard_per_category(SLUGS[:2])

    run = run_matching()

    progress = match_run_progress(run=MatchRun.objects.get(pk=run.pk))
    assert progress["percent"] == 100
    assert (progress["status"], progress["phase"], progress["finished"]) == (
        "succeeded",
        "done",
        True,
    )
    assert (progress["shards_done"], progress["shards_total"]) == (2, 2)
    assert progress["best_objective"] == pytest.approx(run.objective)
    # the objective is in fen (cost plus the solver's premiums), shown in yuan as well
    assert run.objective is not None
    assert progress["best_objective_cny"] == Decimal(round(run.objective)) / 100
    assert progress["label"] == "Done"


@pytest.mark.django_db
def test_the_bar_only_grows_from_queued_through_each_shard_to_done() -> None:
    run = make_run(status=MatchRunStatus.RUNNING, phase=MatchRunPhase.QUEUED)
    steps: list[dict[str, Any]] = [
        {"phase": MatchRunPhase.QUEUED},
        {"phase": MatchRunPhase.LOADING},
        {"phase": MatchRunPhase.SOLVING, "shards_total": 4, "shards_done": 0},
        {"phase": MatchRunPhase.SOLVING, "shards_total": 4, "shards_done": 1},
        {"phase": MatchRunPhase.SOLVING, "shards_total": 4, "shards_done": 3},
        {"phase": MatchRunPhase.SOLVING, "shards_total": 4, "shards_done": 4},
        {"phase": MatchRunPhase.WRITING, "shards_total": 4, "shards_done": 4},
        {"phase": MatchRunPhase.DONE, "status": MatchRunStatus.SUCCEEDED},
    ]
    shown = []
    for step in steps:
        MatchRun.objects.filter(pk=run.pk).update(**step)
        shown.append(match_run_progress(run=MatchRun.objects.get(pk=run.pk)))

    percents = [p["percent"] for p in shown]
    assert percents == sorted(set(percents)), percents
    assert (percents[0], percents[-1]) == (0, 100)
    assert all(p["percent"] < 100 for p in shown[:-1])
    assert shown[3]["label"] == "Solving: 1 of 4 shards done"
    assert [p["finished"] for p in shown] == [False] * 7 + [True]


@pytest.mark.django_db
def test_a_failed_run_keeps_its_bar_where_it_stopped_and_shows_the_error() -> None:
    run = make_run(
        status=MatchRunStatus.FAILED,
        phase=MatchRunPhase.SOLVING,
        shards_total=4,
        shards_done=2,
        error="A shard failed after retries",
    )

    progress = match_run_progress(run=run)

    assert progress["percent"] == 50
    assert (progress["status"], progress["finished"], progress["label"]) == (
        "failed",
        True,
        "Failed",
    )
    assert progress["error"] == "A shard failed after retries"


@pytest.mark.django_db
def test_a_shard_counted_twice_never_shows_more_shards_done_than_there_are() -> None:
    run = make_run(
        status=MatchRunStatus.RUNNING, phase=MatchRunPhase.SOLVING, shards_total=2, shards_done=2
    )
    result = _solved_shard_result()

    solve._record_shard_done(run.pk, result)

    run.refresh_from_db()
    assert (run.shards_done, run.shards_total) == (2, 2)
    assert run.best_objective == pytest.approx(result.solution.objective)


@pytest.mark.django_db
def test_a_shard_of_a_run_that_is_no_longer_solving_changes_nothing() -> None:
    run = make_run(status=MatchRunStatus.RUNNING, phase=MatchRunPhase.WRITING, shards_total=1)

    solve._record_shard_done(run.pk, _solved_shard_result())

    run.refresh_from_db()
    assert (run.shards_done, run.best_objective) == (0, None)


@pytest.mark.django_db
def test_a_progress_write_that_fails_is_logged_and_the_run_still_succeeds(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _one_shard_per_category(SLUGS[:2])
    # an UPDATE the database rejects (division by zero), inside the run's transaction
    monkeypatch.setattr(
        solve, "_shard_done_changes", lambda result: {"shards_done": RawSQL("1 / 0", ())}
    )

    with caplog.at_level(logging.ERROR, logger="matching.runs"):
        run = run_matching()

    run.refresh_from_db()
    assert run.status == MatchRunStatus.SUCCEEDED
    assert run.matched_orders == 6
    assert (run.phase, run.shards_done, run.shards_total) == (MatchRunPhase.DONE, 0, 2)
    assert sum("could not record progress" in r.getMessage() for r in caplog.records) == 2
    # the bar of a run that succeeded is full and shows all of its shards
    progress = match_run_progress(run=run)
    assert (progress["percent"], progress["shards_done"], progress["shards_total"]) == (100, 2, 2)


def _solved_shard_result() -> solve.ShardResult:
    from matching.solver.problem import MatchingSolution

    solution = MatchingSolution(
        solver_status="OPTIMAL",
        assignments=(),
        unmatched={},
        candidate_pairs=1,
        objective=1234.0,
        best_bound=1234.0,
        build_seconds=0.0,
        solve_seconds=0.0,
    )
    return solve.ShardResult(
        index=0, orders=1, windows=1, worker="w", seconds=0.0, solution=solution
    )


def _finished(run_id: int) -> MatchRun | None:
    return MatchRun.objects.filter(
        pk=run_id, status__in=(MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED)
    ).first()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_shards_solved_at_the_same_time_on_a_real_worker_all_count_themselves_done() -> None:
    _one_shard_per_category(SLUGS, orders=4)
    staff = APIClient()
    staff.force_authenticate(make_user(Role.STAFF))

    with celery_worker(concurrency=2) as worker:
        response = staff.post("/api/match-runs/")
        assert response.status_code == 201
        run = wait_for(lambda: _finished(response.json()["id"]), timeout=90)
        assert run is not None

    assert run.status == MatchRunStatus.SUCCEEDED, run.error
    assert {shard["worker"] for shard in run.shard_stats} == {worker}
    assert run.phase == MatchRunPhase.DONE
    assert run.shards_done == run.shards_total == len(SLUGS) == len(run.shard_stats)
    # only the shard tasks add to best_objective: every one of them did
    assert run.best_objective == pytest.approx(run.objective)
    assert match_run_progress(run=run)["percent"] == 100
