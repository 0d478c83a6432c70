"""Match runs: request, claim, solve, write; offers withdrawn on cancellation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import itertools
import logging
import socket
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.services import capacity_window_hold, capacity_window_release
from marketplace.models import User
from marketplace.money import from_fen
from marketplace.notifications import notification_create, stored_text_language
from matching.locks import rows_lock
from matching.models import (
    LIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    MatchRun,
    MatchRunPhase,
    MatchRunStatus,
    MatchRunTrigger,
)
from matching.offers import offer_expiry
from matching.selectors import RowVersions, matching_problem_load
from matching.solver.problem import MatchingProblem, MatchingSolution, PlannedAssignment
from matching.solver.relax import Relaxation, suggest_relaxations
from matching.solver.shards import (
    ShardPlan,
    ShardResult,
    merge_solutions,
    solve_shard,
    split_into_shards,
)
from orders.models import Order, OrderStatus
from orders.transitions import order_transition_many

logger = logging.getLogger(__name__)


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
        plan = split_into_shards(loaded.problem)
        _check_size(pairs=plan.candidate_pairs)
    except MatchRunTooLarge as exc:
        logger.warning("Match run %s: %s", run_id, exc)
        match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        return None
    _record_progress(run_id, phase=MatchRunPhase.SOLVING, shards_total=len(plan.shards))
    snapshot = RunSnapshot(
        run_id=run_id,
        task_id=task_id,
        open_orders=sum(1 for order in loaded.problem.orders if not order.current),
        load_seconds=load_seconds,
        versions=loaded.versions,
        plan=dataclasses.replace(plan, shards=()),
    )
    return PreparedRun(snapshot=snapshot, shards=plan.shards)


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

        match_run_solve_shards_on_workers(snapshot=prepared.snapshot, shards=prepared.shards)
        return None
    return _solve_here_and_write(prepared)


def _solve_here_and_write(prepared: PreparedRun) -> MatchRun | None:
    worker = socket.gethostname()
    run_id = prepared.snapshot.run_id
    results = []
    for index, shard in enumerate(prepared.shards):
        result = solve_shard(shard, index=index, worker=worker)
        _record_shard_done(run_id, result)
        results.append(result)
    return match_run_write(snapshot=prepared.snapshot, results=results)


def match_shard_solve(
    *, shard: MatchingProblem, index: int, worker: str, run_id: int | None = None
) -> ShardResult:
    """One shard of a run, on whichever worker took it. The solve needs no database; with
    ``run_id`` the shard then counts itself done in the run's progress."""
    result = solve_shard(shard, index=index, worker=worker)
    if run_id is not None:
        _record_shard_done(run_id, result)
    return result


def _record_progress(run_id: int, *, only_in_phase: str | None = None, **changes: object) -> None:
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
    _record_progress(run_id, only_in_phase=MatchRunPhase.SOLVING, **_shard_done_changes(result))


def match_run_write(*, snapshot: RunSnapshot, results: list[ShardResult]) -> MatchRun | None:
    """Merge the shards' solutions and write all of it in one transaction."""
    solution = merge_solutions(snapshot.plan, [r.solution for r in results])
    # before the transaction: it locks the run's row until it commits
    _record_progress(snapshot.run_id, phase=MatchRunPhase.WRITING)
    write_started = time.perf_counter()
    with transaction.atomic():
        run = MatchRun.objects.select_for_update(no_key=True, of=("self",)).get(pk=snapshot.run_id)
        if run.status != MatchRunStatus.RUNNING or run.task_id != snapshot.task_id:
            logger.warning("Match run %s was taken over; dropping this result", run.pk)
            return None
        written = _write_assignments(run=run, versions=snapshot.versions, solution=solution)
        _write_unmatched(versions=snapshot.versions, solution=solution)
        _record_stats(run=run, snapshot=snapshot, solution=solution, written=written)
        run.shard_stats = [_shard_stats(result) for result in sorted(results, key=_by_index)]
        run.write_seconds = time.perf_counter() - write_started
        run.status = MatchRunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.phase = MatchRunPhase.DONE
        run.progress_updated_at = run.finished_at
        run.save()
    return run


def _by_index(result: ShardResult) -> int:
    return result.index


def _shard_stats(result: ShardResult) -> dict[str, object]:
    solution = result.solution
    return {
        "shard": result.index,
        "orders": result.orders,
        "windows": result.windows,
        "pairs": solution.candidate_pairs,
        "matched_orders": len({a.order_id for a in solution.assignments}),
        "status": solution.solver_status,
        "objective": solution.objective,
        "bound": solution.best_bound,
        "gap": round(solution.gap, 6),
        "seconds": round(result.seconds, 3),
        "worker": result.worker,
    }


@dataclass
class Written:
    """What the write of a run changed."""

    assignments: list[Assignment]  # new offers (new orders, and offers that moved)
    moved_offers: int  # orders whose unanswered offers moved to other factories


def _write_assignments(
    *, run: MatchRun, versions: RowVersions, solution: MatchingSolution
) -> Written:
    """Re-check every planned assignment against locked rows, then write them at once.

    An order is written whole or not at all: every part of a split order, and for an
    order whose unanswered offers the run reconsidered, its old offers are superseded
    only if its new ones are written. Orders that changed while the solver ran are
    skipped. Offers that move are handled first, so what they free is there for others.
    """
    planned = sorted(solution.assignments, key=lambda a: (a.order_id, a.window_id))
    plans = {oid: list(parts) for oid, parts in itertools.groupby(planned, lambda a: a.order_id)}
    reconsidered = {oid for oid in solution.unmatched if oid in versions.offers}
    order_ids = sorted(set(plans) | reconsidered, key=lambda oid: (oid not in versions.offers, oid))
    offer_ids = [pk for oid in order_ids for pk in versions.offers.get(oid, ())]
    factory_ids = sorted({a.factory_id for a in planned})
    # in the global lock order (matching/locks.py): orders, offers, factories, capabilities,
    # windows
    orders = rows_lock(Order, order_ids)
    old_offers = rows_lock(Assignment, offer_ids)
    factories = rows_lock(Factory, factory_ids)
    capabilities = {
        (c.factory_id, c.category_id): c.updated_at.isoformat()
        for c in FactoryCapability.objects.select_for_update(no_key=True, of=("self",))
        .filter(factory_id__in=factory_ids)
        .order_by("pk")
    }
    windows = rows_lock(
        CapacityWindow,
        [a.window_id for a in planned] + [a.window_id for a in old_offers.values()],
    )
    room = {pk: w.remaining_units for pk, w in windows.items()}

    def order_unchanged(order_id: int) -> bool:
        order = orders.get(order_id)
        if order is None or order.updated_at.isoformat() != versions.orders.get(order_id):
            return False
        if order_id not in versions.offers:
            return order.status == OrderStatus.OPEN
        offers = [old_offers.get(pk) for pk in versions.offers[order_id]]
        return order.status == OrderStatus.OFFERED and all(
            a is not None and a.status == AssignmentStatus.PROPOSED for a in offers
        )

    def part_unchanged(plan: PlannedAssignment) -> bool:
        window, factory = windows.get(plan.window_id), factories.get(plan.factory_id)
        return (
            window is not None
            and factory is not None
            and window.updated_at.isoformat() == versions.windows.get(window.pk)
            and factory.updated_at.isoformat() == versions.factories.get(factory.pk)
            and capabilities.get((factory.pk, window.category_id))
            == versions.capabilities.get((factory.pk, window.category_id))
        )

    new_parts: list[PlannedAssignment] = []
    superseded: list[Assignment] = []
    rescheduled: list[Assignment] = []
    for order_id in order_ids:
        parts = plans.get(order_id, [])
        current = {
            old_offers[pk].window_id: old_offers[pk] for pk in versions.offers.get(order_id, ())
        }
        if not order_unchanged(order_id) or not all(part_unchanged(p) for p in parts):
            logger.info("Match run %s: order %s changed while solving; skipped", run.pk, order_id)
            continue
        if current and {p.window_id: p.quantity for p in parts} == {
            w: a.quantity for w, a in current.items()
        }:
            rescheduled += _kept_offers_with_new_dates(current, parts)
            continue
        for offer in current.values():  # free the old offers' units, then place the new ones
            room[offer.window_id] += offer.quantity
        need: dict[int, int] = defaultdict(int)
        for part in parts:
            need[part.window_id] += part.quantity
        if any(units > room[window_id] for window_id, units in need.items()):
            for offer in current.values():
                room[offer.window_id] -= offer.quantity
            continue
        for window_id, units in need.items():
            room[window_id] -= units
        superseded += current.values()
        new_parts += parts

    _hold(new_parts, superseded)
    now = timezone.now()
    Assignment.objects.filter(pk__in=[a.pk for a in superseded]).update(
        status=AssignmentStatus.SUPERSEDED, updated_at=now
    )
    Assignment.objects.bulk_update(rescheduled, ["planned_start", "planned_finish"])
    matched = {p.order_id for p in new_parts}
    Order.objects.filter(pk__in=matched).update(unmatched_reason="", relax_suggestion={})
    order_transition_many(order_ids=matched, action="offer", params={"run": run.pk})
    # offers that could no longer stand and found no new place: the order waits again
    # (its version is kept, so its reason and what-to-relax are recorded below)
    order_transition_many(
        order_ids={a.order_id for a in superseded} - matched,
        action="reopen",
        params={"run": run.pk},
        touch=False,
    )
    expires_at = offer_expiry(now)
    created = Assignment.objects.bulk_create(
        Assignment(
            run=run,
            order_id=plan.order_id,
            factory_id=plan.factory_id,
            window_id=plan.window_id,
            quantity=plan.quantity,
            unit_price=from_fen(plan.unit_price_fen),
            distance_km=round(plan.distance_km, 1),
            transport_days=plan.transport_days,
            transport_cost=from_fen(plan.transport_cost_fen),
            planned_start=plan.planned_start,
            planned_finish=plan.planned_finish,
            expires_at=expires_at,
        )
        for plan in new_parts
    )
    _notify_factories(created, superseded, expires_at)
    moved = len({a.order_id for a in superseded} & matched)
    return Written(assignments=created, moved_offers=moved)


def _notify_factories(
    offers: list[Assignment], withdrawn: list[Assignment], expires_at: dt.datetime
) -> None:
    """One notification per factory owner for the offers a run made them, and one for the
    unanswered offers it moved elsewhere."""
    made_to: dict[int, list[Assignment]] = defaultdict(list)
    taken_from: dict[int, list[Assignment]] = defaultdict(list)
    for offer in offers:
        made_to[offer.factory_id].append(offer)
    for offer in withdrawn:
        taken_from[offer.factory_id].append(offer)
    owners = dict(
        Factory.objects.filter(pk__in=list(made_to) + list(taken_from)).values_list(
            "pk", "owner_id"
        )
    )
    users = User.objects.in_bulk(set(owners.values()))
    for factory_id, made in made_to.items():
        notification_create(
            recipients=[users[owners[factory_id]]],
            kind="new_offers",
            params={"offers": _listed(made), "until": expires_at.isoformat()},
            order_id=made[0].order_id if len(made) == 1 else None,
        )
    for factory_id, lost in taken_from.items():
        notification_create(
            recipients=[users[owners[factory_id]]],
            kind="offers_withdrawn",
            params={"offers": _listed(lost)},
            order_id=lost[0].order_id if len(lost) == 1 else None,
        )


def _listed(offers: list[Assignment]) -> list[list[int]]:
    """[order id, units] of each offer (rendered by matching/messages.py)."""
    return [[a.order_id, a.quantity] for a in offers]


def _kept_offers_with_new_dates(
    current: dict[int, Assignment], parts: list[PlannedAssignment]
) -> list[Assignment]:
    """Offers that stay where they are, with the days the new schedule plans for them."""
    changed = []
    for part in parts:
        offer = current[part.window_id]
        if (offer.planned_start, offer.planned_finish) != (part.planned_start, part.planned_finish):
            offer.planned_start, offer.planned_finish = part.planned_start, part.planned_finish
            changed.append(offer)
    return changed


def _hold(new_parts: list[PlannedAssignment], freed: list[Assignment]) -> None:
    """Move each window's offered units by what is placed minus what is freed (the room
    was re-checked against the locked windows above)."""
    delta: dict[int, int] = defaultdict(int)
    for part in new_parts:
        delta[part.window_id] += part.quantity
    for offer in freed:
        delta[offer.window_id] -= offer.quantity
    for window_id, units in delta.items():
        if units:
            capacity_window_hold(window_id=window_id, units=units)


def _write_unmatched(*, versions: RowVersions, solution: MatchingSolution) -> None:
    """Record why orders stayed open and what to relax, unless the seller changed the order
    meanwhile. Called after this run's offers are written, so that "the capacity left" is
    read back with them booked."""
    current = dict(
        Order.objects.filter(pk__in=list(solution.unmatched), status=OrderStatus.OPEN).values_list(
            "pk", "updated_at"
        )
    )
    unmatched = {
        order_id: reason
        for order_id, reason in solution.unmatched.items()
        if order_id in current and current[order_id].isoformat() == versions.orders.get(order_id)
    }
    if not unmatched:
        return
    left = matching_problem_load(time_limit_seconds=0, move_offers=False).problem
    relaxations = suggest_relaxations(left, dataclasses.replace(solution, assignments=()))
    # bulk_update leaves updated_at alone: recording the outcome is not an edit
    Order.objects.bulk_update(
        [
            Order(
                pk=order_id,
                unmatched_reason=str(reason),
                relax_suggestion=_relaxation_data(relaxations.get(order_id, Relaxation())),
            )
            for order_id, reason in unmatched.items()
        ],
        ["unmatched_reason", "relax_suggestion"],
        batch_size=1000,
    )


def _relaxation_data(relaxation: Relaxation) -> dict[str, object]:
    data: dict[str, object] = {}
    if relaxation.max_unit_price_fen is not None:
        data["max_unit_price"] = str(from_fen(relaxation.max_unit_price_fen))
        data["max_unit_price_factory"] = relaxation.max_unit_price_factory_id
    if relaxation.due_date is not None:
        data["due_date"] = relaxation.due_date.isoformat()
        data["due_date_factory"] = relaxation.due_date_factory_id
    if relaxation.quantity is not None:
        data["quantity"] = relaxation.quantity
        data["quantity_factory"] = relaxation.quantity_factory_id
    return data


def _record_stats(
    *,
    run: MatchRun,
    snapshot: RunSnapshot,
    solution: MatchingSolution,
    written: Written,
) -> None:
    new = written.assignments
    run.open_orders = snapshot.open_orders
    run.load_seconds = snapshot.load_seconds
    run.candidate_pairs = solution.candidate_pairs
    run.matched_orders = len({a.order_id for a in new})
    run.matched_units = sum(a.quantity for a in new)
    run.moved_offers = written.moved_offers
    run.production_cost = sum((a.unit_price * a.quantity for a in new), start=from_fen(0))
    run.transport_cost = sum((a.transport_cost for a in new), start=from_fen(0))
    run.objective = solution.objective
    run.best_bound = solution.best_bound
    run.gap = solution.gap
    run.solver_status = solution.solver_status
    run.build_seconds = solution.build_seconds
    run.solve_seconds = solution.solve_seconds


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


def assignment_withdraw_for_order(*, order: Order) -> list[Assignment]:
    """The order was cancelled: its offers and accepted parts are withdrawn and their
    units freed. Returns them."""
    withdrawn = []
    for assignment in Assignment.objects.select_for_update(no_key=True, of=("self",)).filter(
        order=order, status__in=LIVE_ASSIGNMENT_STATUSES
    ):
        offered = assignment.status == AssignmentStatus.PROPOSED
        assignment.status = AssignmentStatus.WITHDRAWN
        assignment.save(update_fields=["status", "updated_at"])
        capacity_window_release(
            window_id=assignment.window_id, units=assignment.quantity, offered=offered
        )
        withdrawn.append(assignment)
    return withdrawn
