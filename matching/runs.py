"""Match runs, their lifecycle: request and queue a run, the periodic schedule, claim it
(a conditional update: queued -> running), load the problem it solves, record its progress,
fail it. Solving is matching/solve.py, writing matching/write.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import User
from marketplace.notifications import stored_text_language
from matching.models import (
    MatchRun,
    MatchRunPhase,
    MatchRunStatus,
    MatchRunTrigger,
)
from matching.selectors import RowVersions, matching_problem_load
from matching.solver.bound import BoundPairs
from matching.solver.problem import MatchingProblem
from matching.solver.shards import (
    ShardPlan,
    shards_within,
    split_into_shards,
)
from orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)


# A run whose shards go to the Celery workers spreads its small components over at least
# this many shards (when it has that many): the run does not know how many workers there
# are, and a few shards each keep several of them busy. Run here, small components are
# solved in ``solve``'s own batches (shards.py, ``shard_units``).
WORKER_SHARDS_AT_LEAST = 8


class MatchRunBusy(Exception):
    """Another run is executing; try again later."""


class MatchRunTooLarge(Exception):
    """The run is over a size cap (MATCHING_MAX_ORDERS, MATCHING_MAX_PAIRS)."""


def _enqueue(run: MatchRun, *, countdown: float = 0, robust: bool = False) -> None:
    """Send the run's task once the transaction commits.

    ``robust``: a broker outage is logged instead of raised (the run stays queued and
    the sweeper in match_run_schedule sends it again), so that a saved order or window
    never turns into an error. Explicit requests are not robust: the person asking
    learns that the worker queue is unreachable.
    """
    from matching.tasks import match_run_execute_task

    run_id = run.pk
    transaction.on_commit(
        lambda: match_run_execute_task.apply_async(args=(run_id,), countdown=countdown),
        robust=robust,
    )


class MatchRunRequestOutcome(enum.Enum):
    """What a request for a match run did."""

    QUEUED = "queued"  # a new run was queued
    STARTED_NOW = "started_now"  # a delayed automatic run was waiting: it was sent at once
    ALREADY_QUEUED = "already_queued"  # a run waits already and starts once a worker takes it


def match_run_queue(
    *, trigger: str, requested_by: User | None = None, countdown: float = 0
) -> tuple[MatchRun, MatchRunRequestOutcome]:
    """Queue a run, or return the run already queued, and say which happened. The task is
    sent on commit.

    A manual, admin or scheduled request while a (possibly delayed) event run waits
    sends that run's task again at once: the claim makes the later delivery a no-op.
    """
    for _attempt in range(3):
        queued = MatchRun.objects.filter(status=MatchRunStatus.QUEUED).first()
        if queued is not None:
            if trigger != MatchRunTrigger.EVENT and queued.trigger == MatchRunTrigger.EVENT:
                _enqueue(queued, robust=trigger == MatchRunTrigger.SCHEDULE)
                return queued, MatchRunRequestOutcome.STARTED_NOW
            return queued, MatchRunRequestOutcome.ALREADY_QUEUED
        try:
            with transaction.atomic():
                run = MatchRun.objects.create(
                    trigger=trigger,
                    requested_by=requested_by,
                    time_limit_seconds=settings.MATCHING_TIME_LIMIT_SECONDS,
                )
        except IntegrityError:
            continue  # another request queued one at the same moment: return that one
        _enqueue(run, countdown=countdown, robust=trigger == MatchRunTrigger.EVENT)
        return run, MatchRunRequestOutcome.QUEUED
    raise RuntimeError("Could not queue a match run")


def match_run_request(
    *, trigger: str, requested_by: User | None = None, countdown: float = 0
) -> tuple[MatchRun, bool]:
    """Queue a run, or return the run already queued (``match_run_queue``); the flag says
    whether a new run was queued."""
    run, outcome = match_run_queue(trigger=trigger, requested_by=requested_by, countdown=countdown)
    return run, outcome is MatchRunRequestOutcome.QUEUED


def match_run_request_on_change() -> None:
    """Orders or capacity changed: make sure a run will look at them soon."""
    if settings.MATCHING_AUTO_RUN_ON_CHANGE:
        match_run_request(
            trigger=MatchRunTrigger.EVENT, countdown=settings.MATCHING_EVENT_DELAY_SECONDS
        )


def match_run_schedule() -> MatchRun | None:
    """Periodic: queue a run when orders wait, and re-send runs whose message got lost
    (sent while Redis was down, or lost when Redis restarted without persistence). A
    duplicate message is harmless: the claim ignores it."""
    stale = timezone.now() - dt.timedelta(
        seconds=settings.MATCHING_EVENT_DELAY_SECONDS
        + settings.MATCHING_RESEND_QUEUED_AFTER_SECONDS
    )
    for run in MatchRun.objects.filter(status=MatchRunStatus.QUEUED, created_at__lt=stale):
        logger.warning("Re-sending match run %s, queued since %s", run.pk, run.created_at)
        _enqueue(run, robust=True)
    match_run_fail_lost()
    if not Order.objects.filter(status=OrderStatus.OPEN).exists():
        return None
    run, _created = match_run_request(trigger=MatchRunTrigger.SCHEDULE)
    return run


def _claim(*, run_id: int, task_id: str) -> bool:
    """queued -> running, or resume our own running run (a retry of the same task)."""
    try:
        with transaction.atomic():
            claimed = (
                MatchRun.objects.filter(pk=run_id)
                .filter(
                    Q(status=MatchRunStatus.QUEUED)
                    | Q(status=MatchRunStatus.RUNNING, task_id=task_id)
                )
                .update(
                    status=MatchRunStatus.RUNNING,
                    task_id=task_id,
                    started_at=timezone.now(),
                    attempts=F("attempts") + 1,
                    # a resumed run starts its progress again
                    phase=MatchRunPhase.LOADING,
                    shards_total=0,
                    shards_done=0,
                    best_objective=None,
                    progress_updated_at=timezone.now(),
                )
            )
    except IntegrityError as exc:  # one_running_match_run: another run executes
        raise MatchRunBusy(f"Match run {run_id} waits for the running one") from exc
    return claimed == 1


@dataclass(frozen=True)
class RunSnapshot:
    """What the write step needs from the start of a run: plain data, so that it can
    travel in a Celery message to whichever worker writes a sharded run."""

    run_id: int
    task_id: str
    open_orders: int
    load_seconds: float
    versions: RowVersions
    plan: ShardPlan  # without its shards: unmatched orders, pair count, split time


@dataclass(frozen=True)
class PreparedRun:
    snapshot: RunSnapshot
    shards: tuple[MatchingProblem, ...]
    # the pairs of the whole problem's LP bound (block i is shard i), and the seconds of
    # the run's limit left for it after the split: the run's one bound (shards.py)
    bound_pairs: BoundPairs | None = None
    bound_seconds: float = 0.0


def match_run_prepare(*, run_id: int, task_id: str) -> PreparedRun | None:
    """Claim the run, load what it matches and split it into shards. None if it was
    claimed already, or if it is over a size cap (the run then fails with a message and
    writes nothing)."""
    if not _claim(run_id=run_id, task_id=task_id):
        logger.info("Match run %s already claimed or finished; nothing to do", run_id)
        return None
    run = MatchRun.objects.get(pk=run_id)
    try:
        _check_size(orders=_orders_to_place())
        started = time.perf_counter()
        loaded = matching_problem_load(time_limit_seconds=run.time_limit_seconds or 10.0)
        load_seconds = time.perf_counter() - started
        plan = split_into_shards(
            loaded.problem,
            at_least=WORKER_SHARDS_AT_LEAST if settings.MATCHING_SHARDS_ON_WORKERS else 1,
        )
        _check_size(pairs=plan.candidate_pairs)
        # the time limit covers the split too: the shards share what is left of it
        limit = loaded.problem.solver.time_limit_seconds
        plan = dataclasses.replace(
            plan, shards=shards_within(plan.shards, limit - plan.split_seconds)
        )
    except MatchRunTooLarge as exc:
        logger.warning("Match run %s: %s", run_id, exc)
        match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        return None
    match_run_progress_record(run_id, phase=MatchRunPhase.SOLVING, shards_total=len(plan.shards))
    snapshot = RunSnapshot(
        run_id=run_id,
        task_id=task_id,
        open_orders=sum(1 for order in loaded.problem.orders if not order.current),
        load_seconds=load_seconds,
        versions=loaded.versions,
        plan=dataclasses.replace(plan, shards=(), bound_pairs=None),
    )
    return PreparedRun(
        snapshot=snapshot,
        shards=plan.shards,
        bound_pairs=plan.bound_pairs,
        bound_seconds=max(limit - plan.split_seconds, 0.0),
    )


def _orders_to_place() -> int:
    """An upper bound on the orders a run loads (open, and offered with unanswered offers),
    counted before anything is loaded."""
    return Order.objects.filter(status__in=(OrderStatus.OPEN, OrderStatus.OFFERED)).count()


def _check_size(*, orders: int | None = None, pairs: int | None = None) -> None:
    """Refuse a run over a size cap, with the message the run records (site language)."""
    with stored_text_language():
        if orders is not None and orders > settings.MATCHING_MAX_ORDERS:
            raise MatchRunTooLarge(
                _(
                    "%(orders)s orders to place, over the cap of %(cap)s "
                    "(MATCHING_MAX_ORDERS); nothing was matched or written."
                )
                % {"orders": orders, "cap": settings.MATCHING_MAX_ORDERS}
            )
        if pairs is not None and pairs > settings.MATCHING_MAX_PAIRS:
            raise MatchRunTooLarge(
                _(
                    "%(pairs)s eligible order-window pairs, over the cap of %(cap)s "
                    "(MATCHING_MAX_PAIRS); nothing was matched or written."
                )
                % {"pairs": pairs, "cap": settings.MATCHING_MAX_PAIRS}
            )


def match_run_progress_record(
    run_id: int, *, only_in_phase: str | None = None, **changes: object
) -> None:
    """One conditional UPDATE of a running run's progress columns; never fails the run.

    It runs in its own savepoint, so that a database error here leaves the caller's
    transaction usable, and it touches nothing but the run's row: a shard task blocked
    by the write transaction's lock on that row waits for it, but holds no lock the write
    needs, so the two cannot deadlock.
    """
    runs = MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING)
    if only_in_phase is not None:
        runs = runs.filter(phase=only_in_phase)
    try:
        with transaction.atomic():
            runs.update(progress_updated_at=timezone.now(), **changes)
    except Exception:
        logger.exception("Match run %s: could not record progress %s", run_id, changes)


def match_run_fail_lost() -> int:
    """Runs still 'running' with no sign of life (claim or progress) for
    MATCHING_LOST_RUN_AFTER_SECONDS lost their worker and their message: fail them, so that
    the next run is not blocked behind them. That is past the redelivery of a killed worker's
    message (visibility timeout) and the redelivered task's own time limit, so a run whose
    worker was killed is resumed by another worker, not failed (settings check the order)."""
    deadline = timezone.now() - dt.timedelta(seconds=settings.MATCHING_LOST_RUN_AFTER_SECONDS)
    with stored_text_language():
        error = _(
            "No result and no progress for %(seconds)s s, past the redelivery of its task: "
            "the worker running it was lost."
        ) % {"seconds": settings.MATCHING_LOST_RUN_AFTER_SECONDS}
    silent = Q(progress_updated_at__lt=deadline) | Q(
        progress_updated_at__isnull=True, started_at__lt=deadline
    )
    return MatchRun.objects.filter(silent, status=MatchRunStatus.RUNNING).update(
        status=MatchRunStatus.FAILED, finished_at=timezone.now(), error=error
    )


def match_run_fail(*, run_id: int, error: str) -> bool:
    """Failure hook: a queued or running run becomes failed with its error."""
    updated = MatchRun.objects.filter(
        pk=run_id, status__in=(MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)
    ).update(status=MatchRunStatus.FAILED, error=error[:10_000], finished_at=timezone.now())
    return updated == 1
