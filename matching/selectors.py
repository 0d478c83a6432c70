"""Reads for matching: the problem a run solves, runs, offers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.probation import factory_probation
from marketplace.models import User
from marketplace.money import to_fen
from matching.models import (
    LIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    Counter,
    MatchRun,
    PriceGuidance,
    WhatIf,
)
from matching.solver.acceptance import PairAcceptEstimate, PairAnswer, with_pair_estimates
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Placement,
    Priority,
    SolverParams,
    TransportParams,
    WindowData,
    with_booked_percent,
)
from orders.models import Order, OrderKind, OrderStatus, SampleDecision


class LiveAssignments(TypedDict):
    live_assignments: list[Assignment]


# Orders and windows read with their live assignments (Prefetch to_attr="live_assignments")
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    LiveOrder = WithAnnotations[Order, LiveAssignments]
    LiveWindow = WithAnnotations[CapacityWindow, LiveAssignments]


@dataclass(frozen=True)
class RowVersions:
    """``updated_at`` (ISO text) of every row a run read. The write re-checks them, so a
    row changed while the solver ran is never written over. Plain data: it travels in
    Celery messages to the worker that writes a sharded run."""

    orders: dict[int, str]
    windows: dict[int, str]
    factories: dict[int, str]
    # (factory id, category id) -> version of that capability (price, daily output)
    capabilities: dict[tuple[int, int], str]
    # the unanswered offers the run may move: order id -> its assignment ids
    offers: dict[int, tuple[int, ...]] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class LoadedProblem:
    problem: MatchingProblem
    versions: RowVersions


def transport_params() -> TransportParams:
    return TransportParams(
        km_per_day=settings.TRANSPORT_KM_PER_DAY,
        handling_days=settings.TRANSPORT_HANDLING_DAYS,
        cost_base_fen_per_unit=settings.TRANSPORT_COST_BASE_FEN_PER_UNIT,
        cost_fen_per_unit_per_100km=settings.TRANSPORT_COST_FEN_PER_UNIT_PER_100KM,
    )


@dataclass(frozen=True)
class OrderHistory:
    """What earlier offers say about an order's next match."""

    # factories that declined it or let its offer expire
    excluded: frozenset[int] = frozenset()
    # units its accepted parts already cover (a split order matched again for the rest)
    accepted_units: int = 0
    # the factory that made its approved sample, if it is a bulk order made from one
    sample_factory_id: int | None = None


def _order_data(
    order: Order, now: dt.datetime, offers: list[Assignment], history: OrderHistory
) -> OrderData:
    quantity = order.quantity - history.accepted_units
    required = history.sample_factory_id if order.sample_factory_required else None
    return OrderData(
        id=order.pk,
        category_id=order.category_id,
        quantity=quantity,
        max_unit_price_fen=to_fen(order.max_unit_price),
        due_date=order.due_date,
        latitude=order.ship_to_latitude,
        longitude=order.ship_to_longitude,
        priority=Priority(order.priority),
        age_days=max(0, (now - order.created_at).days),
        allow_split=order.allow_split,
        min_lot_quantity=min(order.min_lot_quantity, quantity),
        current=tuple(Placement(window_id=a.window_id, units=a.quantity) for a in offers),
        excluded_factory_ids=history.excluded,
        preferred_factory_id=history.sample_factory_id,
        required_factory_id=required,
        allows_pooling=order.allows_pooling,
    )


def order_histories(orders: Sequence[Order]) -> dict[int, OrderHistory]:
    """Exclusions, accepted units and sample factories of the given orders (3 queries)."""
    ids = [order.pk for order in orders]
    excluded: dict[int, set[int]] = {}
    for order_id, factory_id in Assignment.objects.filter(
        order_id__in=ids,
        # a factory whose late part the seller moved to a standby factory is not offered
        # the order again either (production/standby.py)
        status__in=(AssignmentStatus.DECLINED, AssignmentStatus.EXPIRED, AssignmentStatus.SWITCHED),
    ).values_list("order_id", "factory_id"):
        excluded.setdefault(order_id, set()).add(factory_id)
    accepted: dict[int, int] = {}
    for order_id, quantity in Assignment.objects.filter(
        order_id__in=ids, status=AssignmentStatus.ACCEPTED
    ).values_list("order_id", "quantity"):
        accepted[order_id] = accepted.get(order_id, 0) + quantity
    sample_ids = {order.sample_id for order in orders if order.sample_id}
    # the factory that made (the largest part of) each sample
    sample_factory: dict[int, int] = {}
    for order_id, factory_id in (
        Assignment.objects.filter(order_id__in=sample_ids, status=AssignmentStatus.ACCEPTED)
        .order_by("order_id", "quantity", "pk")
        .values_list("order_id", "factory_id")
    ):
        sample_factory[order_id] = factory_id
    return {
        order.pk: OrderHistory(
            excluded=frozenset(excluded.get(order.pk, ())),
            accepted_units=accepted.get(order.pk, 0),
            sample_factory_id=sample_factory.get(order.sample_id) if order.sample_id else None,
        )
        for order in orders
    }


def _factory_data(factory: Factory) -> FactoryData:
    probation = factory_probation(factory=factory)
    return FactoryData(
        id=factory.pk,
        latitude=factory.latitude,
        longitude=factory.longitude,
        min_order_quantity=factory.min_order_quantity,
        max_order_quantity=factory.max_order_quantity,
        capabilities=tuple(
            Capability(
                category_id=c.category_id,
                unit_price_fen=to_fen(c.unit_price),
                daily_output=c.daily_output,
                slip_p50_days=c.delay_p50_days or 0,
                slip_p90_days=c.delay_p90_days or 0,
            )
            for c in factory.capabilities.all()
        ),
        active=factory.active and not factory.is_paused,
        verified=factory.verified,
        quality_score=factory.quality_percent,
        on_time_percent=factory.on_time_percent,
        max_order_units=probation.max_units if probation else None,
        max_order_value_fen=to_fen(probation.max_value) if probation else None,
    )


def _commitment(assignment: Assignment) -> Commitment:
    return Commitment(
        start=assignment.planned_start, finish=assignment.planned_finish, units=assignment.quantity
    )


def window_commitments(*, window_id: int) -> tuple[Commitment, ...]:
    """The accepted orders of a window as fixed work on their planned days."""
    accepted = Assignment.objects.filter(window_id=window_id, status=AssignmentStatus.ACCEPTED)
    return tuple(_commitment(a) for a in accepted)


Capabilities = dict[tuple[int, int], FactoryCapability]  # by (factory id, category id)


def _capabilities(factories: Sequence[Factory]) -> Capabilities:
    """The factories' capabilities (prefetched) by factory and category."""
    return {(c.factory_id, c.category_id): c for f in factories for c in f.capabilities.all()}


def _planned_units_per_day(window: CapacityWindow, capability: FactoryCapability | None) -> int:
    """The window's units a day as matching plans them: the declared figure, or the share of
    it the factory demonstrated once enough parts measured it (production/track_record.py)."""
    output = (
        capability.planning_daily_output(settings.DEMONSTRATED_MIN_PARTS) if capability else None
    )
    if capability is None or output is None:
        return window.units_per_day
    return max(1, window.units_per_day * output // capability.daily_output)


def _window_data(window: LiveWindow, movable: set[int], capabilities: Capabilities) -> WindowData:
    """The window as the solver sees it: offers it may move are not booked work here, and its
    units a day are what the factory demonstrated (never above what it declared)."""
    fixed = [a for a in window.live_assignments if a.pk not in movable]
    moving = sum(a.quantity for a in window.live_assignments if a.pk in movable)
    per_day = _planned_units_per_day(
        window, capabilities.get((window.factory_id, window.category_id))
    )
    held = window.total_units - window.remaining_units - moving  # booked and not moving
    days = (window.end_date - window.start_date).days + 1
    # a pool (拼单) some of whose offers the run reconsiders: its booked parts count toward it
    pools = {a.pool_key for a in window.live_assignments if a.pk in movable and a.pool_key}
    pooled = sum(a.quantity for a in fixed if a.pool_key and a.pool_key in pools)
    return WindowData(
        id=window.pk,
        factory_id=window.factory_id,
        category_id=window.category_id,
        start_date=window.start_date,
        end_date=window.end_date,
        units_per_day=per_day,
        remaining_units=max(0, min(window.remaining_units + moving, per_day * days - held)),
        commitments=tuple(_commitment(a) for a in fixed),
        pooled_units=pooled,
    )


@dataclass(frozen=True)
class SampleHold:
    """Capacity a sample's factory keeps for the bulk order expected after the sample
    (打样锁产能): from the day after the sample's finish, until ``until``."""

    sample_id: int
    factory_id: int
    category_id: int
    units: int
    start: dt.date
    until: dt.date


def sample_holds_live(*, now: dt.datetime, sample_id: int | None = None) -> list[SampleHold]:
    """The holds in force: a sample order with an expected bulk quantity whose part a factory
    accepted less than ``SAMPLE_HOLD_DAYS`` ago, not cancelled, not rejected, and with no bulk
    order made like it yet (placing one converts the hold: the run matches that order, which
    prefers the sample's factory, to the capacity freed)."""
    days = settings.SAMPLE_HOLD_DAYS
    if days <= 0:
        return []
    parts = (
        Assignment.objects.filter(
            status=AssignmentStatus.ACCEPTED,
            responded_at__gt=now - dt.timedelta(days=days),
            order__kind=OrderKind.SAMPLE,
            order__bulk_quantity_expected__gt=0,
            order__bulk_orders__isnull=True,
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .exclude(order__sample_decision=SampleDecision.REJECTED)
        .filter(**({} if sample_id is None else {"order_id": sample_id}))
        .select_related("order")
        .order_by("responded_at", "pk")
    )
    return [
        SampleHold(
            sample_id=part.order_id,
            factory_id=part.factory_id,
            category_id=part.order.category_id,
            units=part.order.bulk_quantity_expected or 0,
            start=(part.promised_finish or part.planned_finish) + dt.timedelta(days=1),
            until=timezone.localdate(part.responded_at) + dt.timedelta(days=days),
        )
        for part in parts
        if part.responded_at is not None
    ]


def with_sample_holds(
    windows: Sequence[WindowData], holds: Sequence[SampleHold]
) -> tuple[WindowData, ...]:
    """The windows with each hold booked in its factory's windows of the category, earliest
    first from the day after the sample, as far as they have room: other runs see it as
    booked work."""
    remaining = {w.id: w.remaining_units for w in windows}
    held: dict[int, list[Commitment]] = {}
    by_line = sorted(windows, key=lambda w: (w.start_date, w.id))
    for hold in holds:
        left = hold.units
        for window in by_line:
            if left <= 0:
                break
            if (window.factory_id, window.category_id) != (hold.factory_id, hold.category_id):
                continue
            if window.end_date < hold.start or remaining[window.id] <= 0:
                continue
            units = min(left, remaining[window.id])
            start = max(window.start_date, hold.start)
            held.setdefault(window.id, []).append(Commitment(start, window.end_date, units))
            remaining[window.id] -= units
            left -= units
    return tuple(
        dataclasses.replace(
            w,
            remaining_units=remaining[w.id],
            commitments=w.commitments + tuple(held[w.id]),
        )
        if w.id in held
        else w
        for w in windows
    )


def _movable_offers(orders: list[LiveOrder]) -> dict[int, list[Assignment]]:
    """Offered orders whose offers no factory has answered yet: a run may move them."""
    movable: dict[int, list[Assignment]] = {}
    for order in orders:
        live = order.live_assignments
        if live and all(a.status == AssignmentStatus.PROPOSED for a in live):
            movable[order.pk] = live
    return movable


# acceptance rates (MATCHING_ACCEPT_RATES): a factory without answers is assumed to accept
# this share, worth this many offers; a capability's rate is shrunk towards its factory's
ACCEPT_RATE_PRIOR = 0.8
ACCEPT_RATE_PRIOR_WEIGHT = 4.0
# answered offers: accepted (a part later moved to a standby factory was accepted first),
# declined or left to expire; counter-offers are neither
ACCEPTED_ANSWERS = (AssignmentStatus.ACCEPTED, AssignmentStatus.SWITCHED)
REFUSED_ANSWERS = (AssignmentStatus.DECLINED, AssignmentStatus.EXPIRED)
# per-pair estimates (MATCHING_PAIR_ACCEPT): the load of an answer recorded before loads were,
# when no answer has one; the least unit price a price ratio divides by
UNKNOWN_LOAD = 0.5
MIN_PRICE = Decimal("0.01")


def _recent_answers(factory_ids: Iterable[int]) -> QuerySet[Assignment]:
    """The factories' offers of the last ``SCORES_WINDOW_DAYS`` that were answered (accepted,
    or declined) or left to expire: what both acceptance estimates learn from."""
    since = timezone.now() - dt.timedelta(days=settings.SCORES_WINDOW_DAYS)
    return Assignment.objects.filter(
        factory_id__in=list(factory_ids),
        created_at__gte=since,
        status__in=ACCEPTED_ANSWERS + REFUSED_ANSWERS,
    )


def capability_accept_rates(*, factory_ids: Iterable[int]) -> dict[tuple[int, int], float]:
    """(factory, category) -> the share of its offers of the last ``SCORES_WINDOW_DAYS``
    the factory accepted (declines and expiries count against), shrunk towards the
    factory's own share, and that towards ``ACCEPT_RATE_PRIOR``; every capability of the
    given factories."""
    ids = list(factory_ids)
    counts: dict[tuple[int, int], list[int]] = {}
    for factory_id, category_id, status, count in (
        _recent_answers(ids)
        .values_list("factory_id", "order__category_id", "status")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        seen = counts.setdefault((factory_id, category_id), [0, 0])
        seen[0] += count if status in ACCEPTED_ANSWERS else 0
        seen[1] += count
    weight = ACCEPT_RATE_PRIOR_WEIGHT
    factory_rate: dict[int, float] = {}
    for factory_id in ids:
        yes = sum(c[0] for (f, _), c in counts.items() if f == factory_id)
        total = sum(c[1] for (f, _), c in counts.items() if f == factory_id)
        factory_rate[factory_id] = (yes + ACCEPT_RATE_PRIOR * weight) / (total + weight)
    return {
        (factory_id, category_id): (yes + factory_rate[factory_id] * weight) / (total + weight)
        for factory_id, category_id in FactoryCapability.objects.filter(
            factory_id__in=ids
        ).values_list("factory_id", "category_id")
        for yes, total in [counts.get((factory_id, category_id), [0, 0])]
    }


def pair_answers(*, factory_ids: Iterable[int]) -> list[PairAnswer]:
    """The answers to the given factories' offers of the last ``SCORES_WINDOW_DAYS``, oldest
    first, as the per-pair acceptance estimate reads them: an accepted or declined offer with
    its features (the order's price over the offer's less 1, thousands of km, the window's
    load when answered), an expired one as unanswered. An offer answered before loads were
    recorded gets the mean of the recorded ones (``UNKNOWN_LOAD`` when there are none)."""
    rows = list(
        _recent_answers(factory_ids)
        .order_by("created_at", "pk")
        .values_list(
            "factory_id",
            "status",
            "order__max_unit_price",
            "unit_price",
            "distance_km",
            "window_load",
        )
    )
    loads = [row[5] for row in rows if row[5] is not None]
    mean_load = sum(loads) / len(loads) if loads else UNKNOWN_LOAD
    return [
        PairAnswer(
            factory_id,
            (
                float(max_price / max(price, MIN_PRICE)) - 1.0,
                km / 1000.0,
                mean_load if load is None else load,
            ),
            answered=status != AssignmentStatus.EXPIRED,
            accepted=status in ACCEPTED_ANSWERS,
        )
        for factory_id, status, max_price, price, km, load in rows
    ]


def with_pair_accept(problem: MatchingProblem) -> MatchingProblem:
    """The problem with each pair's acceptance estimate (``OrderData.window_accept``) fitted
    on its factories' answers (``pair_answers``)."""
    answers = pair_answers(factory_ids=[f.id for f in problem.factories])
    return with_pair_estimates(problem, PairAcceptEstimate.fit(answers))


def with_accept_rates(problem: MatchingProblem) -> MatchingProblem:
    """The problem with every capability's ``accept_rate`` from the factories' answers."""
    rates = capability_accept_rates(factory_ids=[f.id for f in problem.factories])
    return dataclasses.replace(
        problem,
        factories=tuple(
            dataclasses.replace(
                factory,
                capabilities=tuple(
                    dataclasses.replace(
                        c,
                        accept_rate=rates.get((factory.id, c.category_id), ACCEPT_RATE_PRIOR),
                    )
                    for c in factory.capabilities
                ),
            )
            for factory in problem.factories
        ),
    )


# what a run reads of the live assignments of its orders and windows (the other columns,
# thousands of rows twice at 10k orders, are never read), and the order columns it skips
LIVE_ASSIGNMENT_FIELDS = (
    "id", "order_id", "window_id", "quantity", "status", "pool_key", "planned_start",
    "planned_finish",
)  # fmt: skip
ORDER_TEXT_FIELDS = ("title", "ship_to_city", "notes", "relax_suggestion")


def _live_assignment_rows() -> QuerySet[Assignment]:
    return Assignment.objects.filter(status__in=LIVE_ASSIGNMENT_STATUSES).only(
        *LIVE_ASSIGNMENT_FIELDS
    )


def matching_problem_load(*, time_limit_seconds: float, move_offers: bool = True) -> LoadedProblem:
    """Everything the solver needs: open orders, offered orders whose offers no factory
    has answered yet (``move_offers``; the run may move those offers), and the capacity of
    their categories."""
    now = timezone.now()
    first_day = timezone.localdate() + dt.timedelta(days=settings.MATCHING_LEAD_DAYS)
    statuses = [OrderStatus.OPEN, OrderStatus.OFFERED] if move_offers else [OrderStatus.OPEN]
    loaded = list(
        Order.objects.filter(status__in=statuses)
        .defer(*ORDER_TEXT_FIELDS)
        .prefetch_related(
            Prefetch("assignments", queryset=_live_assignment_rows(), to_attr="live_assignments")
        )
        .order_by("id")
    )
    offers = _movable_offers(loaded)
    orders = [o for o in loaded if o.status == OrderStatus.OPEN or o.pk in offers]
    movable = {a.pk for live in offers.values() for a in live}
    category_ids = {order.category_id for order in orders}
    windows = list(
        CapacityWindow.objects.filter(category_id__in=category_ids, end_date__gte=first_day)
        .prefetch_related(
            Prefetch("assignments", queryset=_live_assignment_rows(), to_attr="live_assignments")
        )
        .order_by("id")
    )
    factories = list(
        Factory.objects.filter(capabilities__category_id__in=category_ids)
        .distinct()
        .prefetch_related(
            Prefetch("capabilities", queryset=FactoryCapability.objects.order_by("category_id"))
        )
        .order_by("id")
    )
    histories = order_histories(orders)
    orders = [o for o in orders if o.quantity > histories[o.pk].accepted_units]
    capabilities = _capabilities(factories)
    problem = MatchingProblem(
        first_production_date=first_day,
        orders=tuple(
            _order_data(order, now, offers.get(order.pk, []), histories[order.pk])
            for order in orders
        ),
        factories=tuple(_factory_data(factory) for factory in factories),
        windows=with_sample_holds(
            [_window_data(window, movable, capabilities) for window in windows],
            sample_holds_live(now=now),
        ),
        transport=transport_params(),
        solver=solver_params(time_limit_seconds=time_limit_seconds),
    )
    # the per-pair estimate covers every pair, so the capability rates would go unread
    if settings.MATCHING_PAIR_ACCEPT:
        problem = with_pair_accept(problem)
    elif settings.MATCHING_ACCEPT_RATES:
        problem = with_accept_rates(problem)
    if problem.solver.fairness_percent:
        # each factory's booked share over all its windows, before the run is split in shards
        problem = with_booked_percent(problem)
    return LoadedProblem(
        problem=problem, versions=_row_versions(orders, windows, factories, offers)
    )


def solver_params(*, time_limit_seconds: float) -> SolverParams:
    """The solver's settings (``MATCHING_*``) with this run's time limit."""
    return SolverParams(
        time_limit_seconds=time_limit_seconds,
        workers=settings.MATCHING_WORKERS,
        rush_weight=settings.MATCHING_RUSH_WEIGHT,
        move_penalty_fen=settings.MATCHING_MOVE_PENALTY_FEN,
        move_threshold_percent=settings.MATCHING_MOVE_THRESHOLD_PERCENT,
        reliability_premium_percent=settings.MATCHING_RELIABILITY_PREMIUM_PERCENT,
        fairness_percent=settings.MATCHING_FAIRNESS_PERCENT,
        rush_plans_p90=settings.MATCHING_RUSH_PLANS_P90,
        pooling=settings.MATCHING_POOLING,
    )


def _row_versions(
    orders: Sequence[Order],
    windows: Sequence[CapacityWindow],
    factories: Sequence[Factory],
    offers: dict[int, list[Assignment]],
) -> RowVersions:
    """What the rows looked like when the run read them (the write re-checks each)."""
    return RowVersions(
        orders={order.pk: order.updated_at.isoformat() for order in orders},
        windows={window.pk: window.updated_at.isoformat() for window in windows},
        factories={factory.pk: factory.updated_at.isoformat() for factory in factories},
        capabilities={
            (c.factory_id, c.category_id): c.updated_at.isoformat()
            for factory in factories
            for c in factory.capabilities.all()
        },
        offers={order_id: tuple(a.pk for a in live) for order_id, live in offers.items()},
    )


def price_guidance_list(*, owner: User, today: dt.date | None = None) -> QuerySet[PriceGuidance]:
    """The latest run's price guidance (matching/guidance.py) for the windows of this user's
    factories that have not ended, by window and dearest price first."""
    today = today or timezone.localdate()
    return (
        PriceGuidance.objects.filter(factory__owner_id=owner.pk, window__end_date__gte=today)
        .select_related("factory", "window", "window__category", "run")
        .order_by("window__start_date", "window_id", "-unit_price", "pk")
    )


def match_run_list() -> QuerySet[MatchRun]:
    return MatchRun.objects.select_related("requested_by")


def offer_list(*, owner: User) -> QuerySet[Assignment]:
    """Assignments proposed to (or answered by) the factories this user owns."""
    return Assignment.objects.filter(factory__owner_id=owner.pk).select_related(
        "order", "order__category", "factory", "window", "run", "counter"
    )


def seller_assignment_list(*, seller: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(order__seller_id=seller.pk)
        .select_related("order", "factory", "window", "counter")
        .prefetch_related("factory__capabilities")
    )


def seller_assignment_allowed_actions(assignment: Assignment) -> tuple[str, ...]:
    """What the seller may do with an assignment of their order now: answer its
    counter-offer while it waits."""
    counter = assignment.counter_offer
    if (
        assignment.status == AssignmentStatus.COUNTERED
        and counter is not None
        and not counter.is_expired_at(timezone.now())
    ):
        return ("accept_counter", "reject_counter")
    return ()


def order_counters(*, order: Order) -> list[Counter]:
    """The order's counter-offers, newest first, with their assignments and factories."""
    return list(
        Counter.objects.filter(assignment__order_id=order.pk)
        .select_related("assignment__factory")
        .order_by("-created_at", "-pk")
    )


def offer_allowed_actions(offer: Assignment) -> tuple[str, ...]:
    """What the factory may do with its offer now."""
    from orders.transitions import action_allowed

    if offer.status == AssignmentStatus.PROPOSED:
        if offer.is_expired_at(timezone.now()):
            return ()
        if action_allowed(offer.order, "counter"):
            return ("accept", "decline", "counter")
        # the offer of a part the seller moved to a standby factory (production/standby.py):
        # the order is accepted already, so it is answered without a counter-offer
        if offer.order.status in (OrderStatus.ACCEPTED, OrderStatus.IN_PRODUCTION):
            return ("accept", "decline")
        return ()
    if offer.status != AssignmentStatus.ACCEPTED:
        return ()
    actions = [a for a in ("post_milestone", "report_delay") if action_allowed(offer.order, a)]
    if offer.shipped_on is not None and "report_delay" in actions:
        actions.remove("report_delay")
    return tuple(actions)


@dataclass(frozen=True)
class PlanPart:
    """One live assignment of the current plan, as a what-if compares plans."""

    assignment_id: int
    order_id: int
    factory_id: int
    window_id: int
    units: int
    status: str
    planned_start: dt.date
    planned_finish: dt.date
    production_cost_fen: int = 0
    transport_cost_fen: int = 0


def live_plan_load() -> tuple[PlanPart, ...]:
    """The current plan: every offer waiting for an answer and every accepted part."""
    return tuple(
        PlanPart(
            assignment_id=a.pk,
            order_id=a.order_id,
            factory_id=a.factory_id,
            window_id=a.window_id,
            units=a.quantity,
            status=a.status,
            planned_start=a.planned_start,
            planned_finish=a.planned_finish,
            production_cost_fen=to_fen(a.unit_price) * a.quantity,
            transport_cost_fen=to_fen(a.transport_cost),
        )
        for a in Assignment.objects.filter(status__in=LIVE_ASSIGNMENT_STATUSES).order_by("id")
    )


def orders_as_problem_data(units: dict[int, int]) -> tuple[OrderData, ...]:
    """Orders as the solver would see them if they were open for the given units (a
    what-if places again the parts a dropped factory will not make)."""
    now = timezone.now()
    orders = list(Order.objects.filter(pk__in=units).order_by("id"))
    histories = order_histories(orders)
    return tuple(
        dataclasses.replace(
            _order_data(order, now, [], histories[order.pk]),
            quantity=units[order.pk],
            min_lot_quantity=min(order.min_lot_quantity, units[order.pk]),
        )
        for order in orders
    )


def what_if_list() -> QuerySet[WhatIf]:
    return WhatIf.objects.select_related("requested_by")


def capability_lead_times(
    *, factory_ids: Iterable[int], category_id: int
) -> tuple[int | None, int | None]:
    """The middle of the factories' learned lead times in the category, from acceptance to
    shipping, at P50 and at P90 (production/track_record.py); None without any."""
    learned = list(
        FactoryCapability.objects.filter(
            factory_id__in=list(factory_ids),
            category_id=category_id,
            lead_p50_days__isnull=False,
            lead_p90_days__isnull=False,
        ).values_list("lead_p50_days", "lead_p90_days")
    )
    if not learned:
        return None, None
    return (
        statistics.median_high(p50 for p50, _p90 in learned if p50 is not None),
        statistics.median_high(p90 for _p50, p90 in learned if p90 is not None),
    )


def category_capacity_load(
    *, category_ids: set[int], first_day: dt.date
) -> tuple[tuple[FactoryData, ...], tuple[WindowData, ...]]:
    """The factories and windows of categories a run did not load (no order waits in them):
    every live assignment there is booked work, as no offer there can move."""
    live = Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status__in=LIVE_ASSIGNMENT_STATUSES),
        to_attr="live_assignments",
    )
    windows = CapacityWindow.objects.filter(
        category_id__in=category_ids, end_date__gte=first_day
    ).prefetch_related(live)
    factories = (
        Factory.objects.filter(capabilities__category_id__in=category_ids)
        .distinct()
        .prefetch_related(
            Prefetch("capabilities", queryset=FactoryCapability.objects.order_by("category_id"))
        )
    )
    loaded = list(factories.order_by("id"))
    capabilities = _capabilities(loaded)
    return (
        tuple(_factory_data(factory) for factory in loaded),
        with_sample_holds(
            [_window_data(window, set(), capabilities) for window in windows.order_by("id")],
            sample_holds_live(now=timezone.now()),
        ),
    )


@dataclass(frozen=True)
class PoolSummary:
    """A pool (拼单) as either side may see it: how many orders share the lot and their units
    together; never the other sellers' names, prices or places."""

    orders: int
    units: int


def pool_summaries(*, keys: Iterable[str]) -> dict[str, PoolSummary]:
    """Per pool key (``Assignment.pool_key``): its live parts (waiting or accepted)."""
    wanted = sorted({key for key in keys if key})
    if not wanted:
        return {}
    rows = (
        Assignment.objects.filter(pool_key__in=wanted, status__in=LIVE_ASSIGNMENT_STATUSES)
        .values("pool_key")
        .annotate(orders=Count("order", distinct=True), units=Sum("quantity"))
    )
    return {row["pool_key"]: PoolSummary(row["orders"], row["units"] or 0) for row in rows}


def with_pools(assignments: Iterable[Assignment]) -> list[Assignment]:
    """The assignments, each with ``pool``: its ``PoolSummary``, or None when it is made on
    its own (for the pages)."""
    listed = list(assignments)
    pools = pool_summaries(keys=(a.pool_key for a in listed))
    for assignment in listed:
        setattr(assignment, "pool", pools.get(assignment.pool_key))  # noqa: B010 (page only)
    return listed
