"""Solving a claimed run: every shard here, or the shards on several workers (a Celery
chord whose callback writes); each shard counts itself done in the run's progress."""

from __future__ import annotations

import logging
import socket
import time

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Least

from matching.models import (
    MatchRun,
    MatchRunPhase,
)
from matching.runs import PreparedRun, match_run_prepare, match_run_progress_record
from matching.solver.bound import BoundPairs, LpBound
from matching.solver.model import second_lane_pays
from matching.solver.problem import MatchingProblem
from matching.solver.shards import (
    ShardResult,
    run_shard_bounds,
    solve_shard,
    solve_shards_in_turn,
)
from matching.write import match_run_write

logger = logging.getLogger(__name__)


def match_run_execute(*, run_id: int, task_id: str) -> MatchRun | None:
    """Claim, solve every shard here, and write one run. None when there was nothing to do."""
    prepared = match_run_prepare(run_id=run_id, task_id=task_id)
    return None if prepared is None else _solve_here_and_write(prepared)


def match_run_start(*, run_id: int, task_id: str) -> MatchRun | None:
    """The task's entry: a run with several shards is solved by the workers as a chord
    (its callback writes); a run with one shard or none is solved right here."""
    prepared = match_run_prepare(run_id=run_id, task_id=task_id)
    if prepared is None:
        return None
    if settings.MATCHING_SHARDS_ON_WORKERS and len(prepared.shards) > 1:
        from matching.tasks import match_run_solve_shards_on_workers

        match_run_solve_shards_on_workers(
            snapshot=prepared.snapshot,
            shards=prepared.shards,
            bound_pairs=prepared.bound_pairs,
            bound_seconds=prepared.bound_seconds,
        )
        return None
    return _solve_here_and_write(prepared)


def _solve_here_and_write(prepared: PreparedRun) -> MatchRun | None:
    """Every shard here, one after the other (smallest first, each with its share of the
    time left), with the run's LP bound (HiGHS in its own process) beside them for the
    run's whole time."""
    worker = socket.gethostname()
    run_id = prepared.snapshot.run_id
    started = time.perf_counter()
    lp = (
        LpBound(prepared.bound_pairs, prepared.bound_seconds)
        if prepared.bound_pairs is not None
        else None
    )
    lp_built = time.perf_counter()
    # building the LP took some of the shards' time; what a shard leaves rolls over
    results = solve_shards_in_turn(
        prepared.shards,
        seconds=sum(s.solver.time_limit_seconds for s in prepared.shards)
        - (time.perf_counter() - started),
        worker=worker,
        done=lambda result: _record_shard_done(run_id, result),
        side_by_side=second_lane_pays(lp, prepared.bound_seconds),
    )
    solved = time.perf_counter()
    shard_bounds = None
    if lp is not None:
        waited = prepared.bound_seconds - (time.perf_counter() - started)
        shard_bounds = run_shard_bounds(lp.finish(max(waited, 0.0)))
    logger.info(
        "Match run %s: LP bound built in %.2f s, %s shards solved in %.2f s, LP waited %.2f s",
        run_id,
        lp_built - started,
        len(results),
        solved - lp_built,
        time.perf_counter() - solved,
    )
    # the shards' own builds (candidates) count as build, as in a single solve
    shard_builds = sum(r.solution.build_seconds for r in results)
    return match_run_write(
        snapshot=prepared.snapshot,
        results=results,
        shard_bounds=shard_bounds,
        solve_seconds=max(solved - lp_built - shard_builds, 0.0),
    )


def match_run_bound(*, bound_pairs: BoundPairs, seconds: float) -> tuple[float, ...]:
    """The run's LP bound per shard, on whichever worker took it (beside the shards)."""
    return run_shard_bounds(LpBound(bound_pairs, seconds).finish(seconds))


def match_shard_solve(
    *, shard: MatchingProblem, index: int, worker: str, run_id: int | None = None
) -> ShardResult:
    """One shard of a run, on whichever worker took it. The solve needs no database; with
    ``run_id`` the shard then counts itself done in the run's progress."""
    result = solve_shard(shard, index=index, worker=worker)
    if run_id is not None:
        _record_shard_done(run_id, result)
    return result


def _shard_done_changes(result: ShardResult) -> dict[str, object]:
    """Count one more shard done and add its objective, in the database (no read first:
    shard tasks on several workers finish at the same moment). A shard delivered twice is
    counted twice, so the count stops at the total."""
    changes: dict[str, object] = {"shards_done": Least(F("shards_done") + 1, F("shards_total"))}
    if result.solution.solver_status in ("OPTIMAL", "FEASIBLE"):  # as merge_solutions sums
        changes["best_objective"] = Coalesce(F("best_objective"), Value(0.0)) + Value(
            float(result.solution.objective)
        )
    return changes


def _record_shard_done(run_id: int, result: ShardResult) -> None:
    match_run_progress_record(
        run_id, only_in_phase=MatchRunPhase.SOLVING, **_shard_done_changes(result)
    )
