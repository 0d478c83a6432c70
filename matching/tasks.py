"""Celery interface to the matching services: a service call, nothing else.

A run is started by ``match_run_execute_task(run_id)``. A run with several independent
shards fans out as a chord: ``match_run_bound_task`` (the run's LP bound over the whole
problem) and ``match_shard_solve_task`` per shard on any worker, then
``match_run_write_task`` writes everything in one transaction. Shard tasks carry their
shard's data (not ids), so every shard solves exactly the snapshot the run loaded.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task, chord, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_init
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from matching.solver.bound import BoundPairs, pack_bound_pairs
from matching.solver.problem import MatchingProblem
from matching.solver.ruin_recreate import warm_up
from matching.solver.serialize import from_data, problem_from_data, to_data
from matching.solver.shards import ShardResult

DATABASE_ERRORS = (OperationalError, InterfaceError)
logger = logging.getLogger(__name__)


@worker_init.connect(dispatch_uid="matching.tasks.warm_up_the_solver")
def _warm_up_the_solver(**_: Any) -> None:
    """Compile the solver's numba kernels (or load them from numba's on-disk cache) when a
    worker starts, so that no match run pays for it. In the main process: its pool
    processes, forked after this, inherit the compiled kernels (a pool process must report
    ready within Celery's ``worker_proc_alive_timeout``, 4 s, shorter than a compilation)."""
    logger.info("solver kernels ready in %.2f s", warm_up())


class MatchRunTask(Task):
    """Marks the run failed once the task has failed for good (saleor-style hook).

    Also on the time limits: the soft limit raises in the task (nothing is written: the
    write is one transaction), and on the hard limit the worker's main process kills the
    pool process and calls this hook itself, so a run is never left running in silence.
    """

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple, kwargs: dict, einfo: Any
    ) -> None:
        from matching.runs import match_run_fail

        run_id = kwargs.get("run_id", args[0] if args else None)
        if run_id is not None:
            match_run_fail(run_id=run_id, error=failure_message(exc))


def failure_message(exc: BaseException) -> str:
    """What a failed run records (in the site language)."""
    from marketplace.notifications import stored_text_language

    name = type(exc).__name__
    with stored_text_language():
        if isinstance(exc, SoftTimeLimitExceeded):
            text = _(
                "stopped at the soft time limit of %(seconds)s s before the run finished; "
                "nothing was written."
            ) % {"seconds": settings.CELERY_TASK_SOFT_TIME_LIMIT}
            return f"{name}: {text}"
        if isinstance(exc, TimeLimitExceeded):
            text = _(
                "the worker process was killed at the hard time limit of %(seconds)s s; "
                "nothing was written."
            ) % {"seconds": settings.CELERY_TASK_TIME_LIMIT}
            return f"{name}: {text}"
    return f"{name}: {exc}"


@shared_task(
    bind=True,
    base=MatchRunTask,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=settings.MATCHING_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=60,
    max_retries=settings.MATCHING_TASK_RETRIES,
)
def match_run_execute_task(self: MatchRunTask, run_id: int) -> None:
    from matching.runs import MatchRunBusy
    from matching.solve import match_run_start

    try:
        match_run_start(run_id=run_id, task_id=self.request.id or "direct-call")
    except MatchRunBusy as exc:
        # another run executes: wait for it (bounded, then the failure hook records it)
        raise self.retry(exc=exc, countdown=5, max_retries=120) from exc


@shared_task(
    bind=True,
    ignore_result=False,
    autoretry_for=(Exception,),
    retry_backoff=1,
    max_retries=settings.MATCHING_SHARD_RETRIES,
)
def match_shard_solve_task(
    self: Task, shard: dict[str, Any], index: int, run_id: int | None = None
) -> dict[str, Any]:
    from matching.solve import match_shard_solve

    result = match_shard_solve(
        shard=problem_from_data(shard),
        index=index,
        worker=self.request.hostname or "unknown",
        run_id=run_id,  # None in messages sent before shards recorded progress
    )
    return to_data(result)


@shared_task(ignore_result=False)
def match_run_bound_task(pairs: str, deadline: float) -> dict[str, Any]:
    """The run's LP bound over the whole problem, per shard, until ``deadline`` (epoch
    seconds: the end of the run's limit), beside the shards. Any failure only leaves the
    shards' own bounds."""
    from matching.solve import match_run_bound
    from matching.solver.bound import unpack_bound_pairs

    try:
        bounds = match_run_bound(
            bound_pairs=unpack_bound_pairs(pairs), seconds=max(deadline - time.time(), 0.1)
        )
    except Exception:  # the run must not fail for its bound
        logger.exception("The run's LP bound failed; the shards' own bounds stand")
        return {"run_shard_bounds": None}
    return {"run_shard_bounds": list(bounds)}


@shared_task(
    bind=True,
    base=MatchRunTask,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=settings.MATCHING_RETRY_BACKOFF_SECONDS,
    max_retries=settings.MATCHING_TASK_RETRIES,
)
def match_run_write_task(
    self: MatchRunTask, results: list[dict[str, Any]], *, run_id: int, snapshot: dict[str, Any]
) -> None:
    from matching.runs import RunSnapshot
    from matching.write import match_run_write

    bounds = [r["run_shard_bounds"] for r in results if "run_shard_bounds" in r]
    match_run_write(
        snapshot=from_data(RunSnapshot, snapshot),
        results=[from_data(ShardResult, r) for r in results if "run_shard_bounds" not in r],
        shard_bounds=bounds[0] if bounds else None,  # None too when the bound task failed
    )


@shared_task
def match_run_shards_failed_task(request: Any, exc: Exception, traceback: Any, run_id: int) -> None:
    """Chord error callback: a shard failed for good, so the run fails and nothing is written."""
    from marketplace.notifications import stored_text_language
    from matching.runs import match_run_fail

    with stored_text_language():
        error = _("A shard failed after retries: %(error)s") % {"error": repr(exc)}
    match_run_fail(run_id=run_id, error=error)


def match_run_solve_shards_on_workers(
    *,
    snapshot: Any,
    shards: tuple[MatchingProblem, ...],
    bound_pairs: BoundPairs | None = None,
    bound_seconds: float = 0.0,
) -> None:
    """Send the chord: the run's bound (first, so that it runs beside the shards) and every
    shard to any worker, then one write of all results."""
    write = match_run_write_task.s(run_id=snapshot.run_id, snapshot=to_data(snapshot))
    write.on_error(match_run_shards_failed_task.s(run_id=snapshot.run_id))
    bound = (
        [match_run_bound_task.s(pack_bound_pairs(bound_pairs), time.time() + bound_seconds)]
        if bound_pairs is not None
        else []
    )
    header = group(
        bound
        + [
            match_shard_solve_task.s(to_data(shard), index, run_id=snapshot.run_id)
            for index, shard in enumerate(shards)
        ]
    )
    chord(header)(write)


@shared_task
def match_run_schedule_task() -> None:
    from matching.runs import match_run_schedule

    match_run_schedule()


@shared_task
def offers_expire_task() -> int:
    """Offers and counter-offers past their time (one sweep, as both lapse alike)."""
    from matching.counters import counters_expire
    from matching.offers import offers_expire

    return offers_expire() + counters_expire()


class WhatIfTask(Task):
    """Marks the what-if failed once its task has failed for good (also at the time
    limits, as MatchRunTask does)."""

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple, kwargs: dict, einfo: Any
    ) -> None:
        from matching.whatif import what_if_fail

        what_if_id = kwargs.get("what_if_id", args[0] if args else None)
        if what_if_id is not None:
            what_if_fail(what_if_id=what_if_id, error=failure_message(exc))


@shared_task(bind=True, base=WhatIfTask)
def what_if_execute_task(self: WhatIfTask, what_if_id: int) -> None:
    from matching.whatif import what_if_execute

    what_if_execute(what_if_id=what_if_id, task_id=self.request.id or "direct-call")


@shared_task
def what_ifs_sweep_task() -> None:
    from matching.whatif import what_if_sweep

    what_if_sweep()
