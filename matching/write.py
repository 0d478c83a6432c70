"""Writing a solved run in one transaction: re-check each planned part against locked rows
(marketplace/locks.py), fit what still fits, apply it (offers, window holds, order statuses,
notifications), then the unmatched orders' reasons and the run's figures."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.services import capacity_windows_hold
from marketplace.locks import rows_lock
from marketplace.models import Notification, User
from marketplace.money import from_fen
from marketplace.notifications import notification_create_many
from matching.guidance import price_guidance_record
from matching.models import (
    LIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    MatchRun,
    MatchRunPhase,
    MatchRunStatus,
)
from matching.offers import offer_expiry
from matching.runs import RunSnapshot, match_run_progress_record
from matching.selectors import RowVersions, matching_problem_load
from matching.solver.problem import MatchingProblem, MatchingSolution, PlannedAssignment
from matching.solver.relax import Relaxation, suggest_relaxations
from matching.solver.shards import (
    ShardResult,
    merge_solutions,
    with_run_bound,
)
from orders.models import Order, OrderEvent, OrderEventAction, OrderStatus
from orders.transitions import order_transition_many

logger = logging.getLogger(__name__)


def match_run_write(
    *,
    snapshot: RunSnapshot,
    results: list[ShardResult],
    shard_bounds: Sequence[float] | None = None,
    solve_seconds: float | None = None,
) -> MatchRun | None:
    """Merge the shards' solutions and write all of it in one transaction. ``shard_bounds``:
    the run's whole-problem LP bound per shard, which tightens each shard's own bound.
    ``solve_seconds``: the seconds the shards took together when solved here (two lanes
    side by side, ``solve_shards_in_turn``); None: their sum (on workers)."""
    results = with_run_bound(results, shard_bounds, snapshot.plan.shard_blocks)
    solution = merge_solutions(snapshot.plan, [r.solution for r in results])
    if solve_seconds is not None:
        solution = dataclasses.replace(solution, solve_seconds=solve_seconds)
    # before the transaction: it locks the run's row until it commits
    match_run_progress_record(snapshot.run_id, phase=MatchRunPhase.WRITING)
    write_started = time.perf_counter()
    with transaction.atomic():
        run = MatchRun.objects.select_for_update(no_key=True, of=("self",)).get(pk=snapshot.run_id)
        if run.status != MatchRunStatus.RUNNING or run.task_id != snapshot.task_id:
            logger.warning("Match run %s was taken over; dropping this result", run.pk)
            return None
        laps = _Laps()
        written = _write_assignments(
            run=run, versions=snapshot.versions, solution=solution, laps=laps
        )
        left = _write_unmatched(versions=snapshot.versions, solution=solution, laps=laps)
        price_guidance_record(run=run, problem=left, solution=_only_recorded(solution, left))
        laps.lap("guidance")
        _record_stats(run=run, snapshot=snapshot, solution=solution, written=written)
        run.shard_stats = [_shard_stats(result) for result in sorted(results, key=_by_index)]
        run.write_seconds = time.perf_counter() - write_started
        run.status = MatchRunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.phase = MatchRunPhase.DONE
        run.progress_updated_at = run.finished_at
        run.save()
    logger.info("Match run %s written in %.2f s: %s", run.pk, run.write_seconds, laps)
    return run


class _Laps:
    """Seconds of each step of the write, for the log."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.seconds.items())


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
        "value": solution.value,
        "value_bound": solution.value_bound,
        "gap": round(solution.value_gap, 6),
        "seconds": round(result.seconds, 3),
        "worker": result.worker,
    }


@dataclass
class Written:
    """What the write of a run changed."""

    assignments: list[Assignment]  # new offers (new orders, and offers that moved)
    moved_offers: int  # orders whose unanswered offers moved to other factories


def _write_assignments(
    *, run: MatchRun, versions: RowVersions, solution: MatchingSolution, laps: _Laps
) -> Written:
    """Re-check every planned assignment against locked rows, fit what still fits, then
    write it all at once.

    An order is written whole or not at all: every part of a split order, and for an
    order whose unanswered offers the run reconsidered, its old offers are superseded
    only if its new ones are written. Orders that changed while the solver ran are
    skipped. Offers that move are handled first, so what they free is there for others.
    """
    planned = sorted(solution.assignments, key=lambda a: (a.order_id, a.window_id))
    plans = {oid: list(parts) for oid, parts in itertools.groupby(planned, lambda a: a.order_id)}
    reconsidered = {oid for oid in solution.unmatched if oid in versions.offers}
    order_ids = sorted(set(plans) | reconsidered, key=lambda oid: (oid not in versions.offers, oid))
    locked = _LockedRows.lock(order_ids=order_ids, planned=planned, versions=versions)
    laps.lap("lock")
    fit = _fit(run=run, order_ids=order_ids, plans=plans, locked=locked)
    # a pool (拼单) is written whole or not at all: when one of its orders changed or lost
    # its room, none of its orders is placed (they wait again, like orders left unmatched)
    while broken := _broken_pools(plans, fit):
        logger.info("Match run %s: pools in windows %s not written whole", run.pk, broken)
        for order_id, parts in plans.items():
            if any(p.pool in broken for p in parts):
                plans[order_id] = []
        fit = _fit(run=run, order_ids=order_ids, plans=plans, locked=locked)
    laps.lap("fit")
    return _apply(run=run, fit=fit, laps=laps)


def _broken_pools(plans: dict[int, list[PlannedAssignment]], fit: _Fit) -> set[int]:
    """The pools (by window) of which some order's plan was not written."""
    standing = {p.order_id for p in fit.new_parts} | fit.kept
    return {
        p.pool
        for order_id, parts in plans.items()
        for p in parts
        if p.pool is not None and order_id not in standing
    }


# what the write reads of a locked window: its version, category and room
WINDOW_CHECK_FIELDS = (
    "id", "category_id", "total_units", "booked_units", "offered_units", "updated_at",
)  # fmt: skip


@dataclass
class _LockedRows:
    """The rows a run's write re-checks, locked in the global order (marketplace/locks.py),
    and the versions the solver read them at."""

    versions: RowVersions
    orders: dict[int, Order]
    old_offers: dict[int, Assignment]
    factories: dict[int, Factory]
    capabilities: dict[tuple[int, int], str]
    windows: dict[int, CapacityWindow]

    @classmethod
    def lock(
        cls, *, order_ids: list[int], planned: list[PlannedAssignment], versions: RowVersions
    ) -> _LockedRows:
        offer_ids = [pk for oid in order_ids for pk in versions.offers.get(oid, ())]
        factory_ids = sorted({a.factory_id for a in planned})
        # only the columns the checks read (thousands of orders and windows at 10k orders)
        orders = rows_lock(Order, order_ids, fields=("id", "status", "updated_at"))
        old_offers = rows_lock(Assignment, offer_ids)
        factories = rows_lock(Factory, factory_ids, fields=("id", "updated_at"))
        capabilities = {
            (c.factory_id, c.category_id): c.updated_at.isoformat()
            for c in FactoryCapability.objects.select_for_update(no_key=True, of=("self",))
            .filter(factory_id__in=factory_ids)
            .only("id", "factory_id", "category_id", "updated_at")
            .order_by("pk")
        }
        windows = rows_lock(
            CapacityWindow,
            [a.window_id for a in planned] + [a.window_id for a in old_offers.values()],
            fields=WINDOW_CHECK_FIELDS,
        )
        return cls(versions, orders, old_offers, factories, capabilities, windows)

    def current_offers(self, order_id: int) -> dict[int, Assignment]:
        """The order's unanswered offers the run reconsidered, by window."""
        offers = (self.old_offers[pk] for pk in self.versions.offers.get(order_id, ()))
        return {offer.window_id: offer for offer in offers}

    def order_unchanged(self, order_id: int) -> bool:
        order = self.orders.get(order_id)
        if order is None or order.updated_at.isoformat() != self.versions.orders.get(order_id):
            return False
        if order_id not in self.versions.offers:
            return order.status == OrderStatus.OPEN
        offers = [self.old_offers.get(pk) for pk in self.versions.offers[order_id]]
        return order.status == OrderStatus.OFFERED and all(
            a is not None and a.status == AssignmentStatus.PROPOSED for a in offers
        )

    def part_unchanged(self, plan: PlannedAssignment) -> bool:
        window, factory = self.windows.get(plan.window_id), self.factories.get(plan.factory_id)
        versions = self.versions
        return (
            window is not None
            and factory is not None
            and window.updated_at.isoformat() == versions.windows.get(window.pk)
            and factory.updated_at.isoformat() == versions.factories.get(factory.pk)
            and self.capabilities.get((factory.pk, window.category_id))
            == versions.capabilities.get((factory.pk, window.category_id))
        )


@dataclass
class _Fit:
    """What the write changes: new parts, the offers they replace, kept offers re-dated."""

    new_parts: list[PlannedAssignment] = dataclasses.field(default_factory=list)
    superseded: list[Assignment] = dataclasses.field(default_factory=list)
    rescheduled: list[Assignment] = dataclasses.field(default_factory=list)
    kept: set[int] = dataclasses.field(default_factory=set)  # orders whose offers stay
    # the pools (拼单) of this run by window: their ``Assignment.pool_key``
    pool_keys: dict[int, str] = dataclasses.field(default_factory=dict)

    def pool_key(self, part: PlannedAssignment) -> str:
        return "" if part.pool is None else self.pool_keys[part.pool]


def _fit(
    *,
    run: MatchRun,
    order_ids: list[int],
    plans: dict[int, list[PlannedAssignment]],
    locked: _LockedRows,
) -> _Fit:
    """Each order's plan, whole or not at all, where its rows are unchanged and the locked
    windows still have room (its old offers' units freed first)."""
    fit = _Fit(pool_keys=_pool_keys(run.pk, order_ids, plans, locked))
    room = {pk: w.remaining_units for pk, w in locked.windows.items()}
    for order_id in order_ids:
        parts = plans.get(order_id, [])
        current = locked.current_offers(order_id)
        if not locked.order_unchanged(order_id) or not all(map(locked.part_unchanged, parts)):
            logger.info("Match run %s: order %s changed while solving; skipped", run.pk, order_id)
            continue
        if current and {p.window_id: p.quantity for p in parts} == {
            w: a.quantity for w, a in current.items()
        }:
            fit.rescheduled += _kept_offers_with_new_dates(current, parts, fit)
            fit.kept.add(order_id)
            continue
        change: dict[int, int] = defaultdict(int)  # room by window: old offers freed, parts placed
        for offer in current.values():
            change[offer.window_id] += offer.quantity
        for part in parts:
            change[part.window_id] -= part.quantity
        if any(room[window_id] + units < 0 for window_id, units in change.items()):
            continue
        for window_id, units in change.items():
            room[window_id] += units
        fit.superseded += current.values()
        fit.new_parts += parts
    return fit


def _apply(*, run: MatchRun, fit: _Fit, laps: _Laps) -> Written:
    """Write the fit: window holds, superseded and re-dated offers, order statuses, the new
    offers, and the factories told."""
    new_parts, superseded = fit.new_parts, fit.superseded
    _hold(new_parts, superseded)
    laps.lap("hold")
    now = timezone.now()
    Assignment.objects.filter(pk__in=[a.pk for a in superseded]).update(
        status=AssignmentStatus.SUPERSEDED, updated_at=now
    )
    Assignment.objects.bulk_update(fit.rescheduled, ["planned_start", "planned_finish", "pool_key"])
    matched = {p.order_id for p in new_parts}
    # (only rows that hold a reason: most newly matched orders have none to clear)
    Order.objects.filter(pk__in=matched).exclude(unmatched_reason="", relax_suggestion={}).update(
        unmatched_reason="", relax_suggestion={}
    )
    order_transition_many(order_ids=matched, action="offer", params={"run": run.pk})
    # offers that could no longer stand and found no new place: the order waits again
    # (its version is kept, so its reason and what-to-relax are recorded below)
    order_transition_many(
        order_ids={a.order_id for a in superseded} - matched,
        action="reopen",
        params={"run": run.pk},
        touch=False,
    )
    laps.lap("orders")
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
            pool_key=fit.pool_key(plan),
        )
        for plan in new_parts
    )
    laps.lap("offers")
    _record_pools(run, new_parts, fit)
    _notify_factories(created, superseded, expires_at)
    laps.lap("notify")
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
    notification_create_many(
        notifications=[
            Notification(
                recipient=users[owners[factory_id]],
                kind="new_offers",
                params={"offers": _listed(made), "until": expires_at.isoformat()},
                order_id=made[0].order_id if len(made) == 1 else None,
            )
            for factory_id, made in made_to.items()
        ]
        + [
            Notification(
                recipient=users[owners[factory_id]],
                kind="offers_withdrawn",
                params={"offers": _listed(lost)},
                order_id=lost[0].order_id if len(lost) == 1 else None,
            )
            for factory_id, lost in taken_from.items()
        ]
    )


def _listed(offers: list[Assignment]) -> list[list[int]]:
    """[order id, units] of each offer (rendered by matching/messages.py)."""
    return [[a.order_id, a.quantity] for a in offers]


def _kept_offers_with_new_dates(
    current: dict[int, Assignment], parts: list[PlannedAssignment], fit: _Fit
) -> list[Assignment]:
    """Offers that stay where they are, with the days the new schedule plans for them (and
    the pool this run put them in). Copies: the locked rows stay as read, so a fit done again
    (a pool not written whole) still sees which dates changed."""
    changed = []
    for part in parts:
        offer = current[part.window_id]
        key = fit.pool_key(part)
        if (offer.planned_start, offer.planned_finish, offer.pool_key) != (
            part.planned_start,
            part.planned_finish,
            key,
        ):
            moved = copy.copy(offer)
            moved.planned_start, moved.planned_finish = part.planned_start, part.planned_finish
            moved.pool_key = key
            changed.append(moved)
    return changed


def _pool_keys(
    run_id: int,
    order_ids: list[int],
    plans: dict[int, list[PlannedAssignment]],
    locked: _LockedRows,
) -> dict[int, str]:
    """The key of each pool (拼单) the run plans, by window: the key its unanswered offers
    carry from an earlier run when the pool keeps them (so it stays one pool with the parts
    its factory accepted meanwhile), else ``"<run id>-<window id>"``."""
    keys: dict[int, str] = {}
    for order_id in order_ids:
        current = locked.current_offers(order_id)
        for part in plans.get(order_id, []):
            offer = current.get(part.window_id)
            if part.pool is not None and offer is not None and offer.pool_key:
                keys.setdefault(part.pool, offer.pool_key)
    for parts in plans.values():
        for part in parts:
            if part.pool is not None:
                keys.setdefault(part.pool, f"{run_id}-{part.pool}")
    return keys


def _record_pools(run: MatchRun, new_parts: list[PlannedAssignment], fit: _Fit) -> None:
    """A history line on each newly offered order of a pool (拼单): how many orders and
    units the lot holds together (never the other sellers' names or prices)."""
    pools: dict[str, list[tuple[int, int]]] = defaultdict(list)  # key: (order, units)
    for plan in new_parts:
        if plan.pool is not None:
            pools[fit.pool_key(plan)].append((plan.order_id, plan.quantity))
    if not pools:
        return
    # the pools' other live parts: offers the run kept, parts accepted meanwhile
    for offer in Assignment.objects.filter(
        pool_key__in=list(pools), status__in=LIVE_ASSIGNMENT_STATUSES
    ).exclude(order_id__in=[o for members in pools.values() for o, _ in members]):
        pools[offer.pool_key].append((offer.order_id, offer.quantity))
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order_id=order_id,
            action=OrderEventAction.POOLED,
            from_status=OrderStatus.OFFERED,
            to_status=OrderStatus.OFFERED,
            params={
                "run": run.pk,
                "orders": len(members),
                "units": sum(units for _, units in members),
            },
        )
        for members in pools.values()
        for order_id, _units in members
        if any(p.order_id == order_id for p in new_parts)
    )


def _hold(new_parts: list[PlannedAssignment], freed: list[Assignment]) -> None:
    """Move each window's offered units by what is placed minus what is freed (the room
    was re-checked against the locked windows above), all windows in one statement."""
    delta: dict[int, int] = defaultdict(int)
    for part in new_parts:
        delta[part.window_id] += part.quantity
    for offer in freed:
        delta[offer.window_id] -= offer.quantity
    capacity_windows_hold(units=delta)


def _write_unmatched(
    *, versions: RowVersions, solution: MatchingSolution, laps: _Laps | None = None
) -> MatchingProblem | None:
    """Record why orders stayed open and what to relax, unless the seller changed the order
    meanwhile. Called after this run's offers are written, so that "the capacity left" is
    read back with them booked; returns that problem (None when no order stayed open)."""
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
        return None
    left = matching_problem_load(time_limit_seconds=0, move_offers=False).problem
    left = dataclasses.replace(left, orders=tuple(o for o in left.orders if o.id in unmatched))
    if laps is not None:
        laps.lap("reload")
    pooled_units: dict[int, int] = defaultdict(int)  # this run's pools (拼单), now booked
    for a in solution.assignments:
        if a.pool is not None:
            pooled_units[a.window_id] += a.quantity
    relaxations = suggest_relaxations(
        left, dataclasses.replace(solution, assignments=()), pooled_units=pooled_units
    )
    if laps is not None:
        laps.lap("relax")
    _orders_record_unmatched(
        {
            order_id: (str(reason), _relaxation_data(relaxations.get(order_id, Relaxation())))
            for order_id, reason in unmatched.items()
        }
    )
    if laps is not None:
        laps.lap("unmatched")
    return left


def _orders_record_unmatched(outcomes: dict[int, tuple[str, dict[str, object]]]) -> None:
    """Each order's unmatched reason and what to relax (order id: both), in one statement
    (Django's ``bulk_update`` spent seconds building its CASE expressions at 10k orders).
    It leaves updated_at alone: recording the outcome is not an edit. (SQLite, which has no
    arrays to unnest, gets Django's ``bulk_update``, which leaves it alone too.)"""
    if connection.vendor != "postgresql":
        rows = [
            Order(pk=order_id, unmatched_reason=reason, relax_suggestion=relax)
            for order_id, (reason, relax) in outcomes.items()
        ]
        Order.objects.bulk_update(rows, ["unmatched_reason", "relax_suggestion"], batch_size=500)
        return
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET unmatched_reason = v.reason, relax_suggestion = v.relax "
            "FROM unnest(%s::bigint[], %s::text[], %s::jsonb[]) AS v(id, reason, relax) "
            "WHERE o.id = v.id",
            [
                list(outcomes),
                [reason for reason, _relax in outcomes.values()],
                [json.dumps(relax) for _reason, relax in outcomes.values()],
            ],
        )


def _only_recorded(solution: MatchingSolution, left: MatchingProblem | None) -> MatchingSolution:
    """The solution as read back: nothing left to place, the orders recorded unmatched."""
    orders = {o.id for o in left.orders} if left is not None else set()
    unmatched = {oid: reason for oid, reason in solution.unmatched.items() if oid in orders}
    return dataclasses.replace(solution, assignments=(), unmatched=unmatched)


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
    if relaxation.allow_pooling:
        data["allow_pooling"] = True
    if relaxation.pool_units_needed is not None:
        data["pool_units_needed"] = relaxation.pool_units_needed
        data["pool_factory"] = relaxation.pool_factory_id
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
    run.value = solution.value
    run.value_bound = solution.value_bound
    run.gap = solution.value_gap
    run.solver_status = solution.solver_status
    run.build_seconds = solution.build_seconds
    run.solve_seconds = solution.solve_seconds
