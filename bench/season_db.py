"""A season through the database and the real code path (``manage.py simulate_season``).

Small and slow where ``python -m bench season`` is large and fast: a few hundred orders a
week, every write through the services the API and the pages call (order and window
services, offer answers and expiry, milestones, delays, delivery, ratings, cancellations),
every match run by ``match_run_execute_task`` on a real Celery worker. After every simulated
day it checks what must always hold (``season_invariants``): no window over-booked (units
and, day by day, the accepted work's planned days), no order lost or accepted in more than
its quantity, every run ended, and every order's history a complete chain ending in its
status. It is also a soak test of the whole system.

Days are simulated, not waited for: day ``d`` is ``today + d`` for the dates the seller and
the factory choose (due dates, windows, delays); the services keep the real clock for what
they stamp. An offer left unanswered for ``expire_after_days`` simulated days is expired
through ``offer_expire`` with its own expiry time as "now".
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test.utils import override_settings
from django.utils import timezone

from bench.geography import DESTINATIONS
from demo.data import MARKER_USERNAME, demo_data_create, demo_data_present
from factories.models import CapacityWindow, FactoryCapability
from factories.services import capacity_window_create
from marketplace.errors import Conflict
from marketplace.models import Role, User
from matching.models import (
    Assignment,
    AssignmentStatus,
    DeclineReason,
    MatchRun,
    MatchRunStatus,
    MatchRunTrigger,
)
from matching.offers import offer_accept, offer_decline, offer_expire
from matching.runs import match_run_request
from matching.selectors import window_commitments
from matching.solver.problem import WindowData
from matching.solver.schedule import late_commitments
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_cancel, order_create
from production.models import Delay, DelayStatus
from production.services import (
    delay_accept,
    delay_report,
    delivery_confirm,
    milestone_post,
    next_milestone,
    order_rate,
)

# orders arriving on each weekday, relative (Monday first): sellers post early in the week
WEEKDAY_SHAPE = (1.3, 1.2, 1.1, 1.0, 0.9, 0.7, 0.8)
UNFINISHED = (MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)


class SeasonError(Exception):
    """The simulation cannot go on (no worker, a run that never ends, data present)."""


@dataclass(frozen=True)
class SeasonConfig:
    days: int = 14
    factories: int = 30
    orders_per_week: int = 200
    windows_per_week: int = 40
    run_every_days: int = 1
    seed: int = 0
    accept_share: float = 0.7  # of the offers a factory answers each day
    decline_share: float = 0.1
    expire_after_days: int = 2  # an offer still waiting this many days later expires
    delay_share: float = 0.1  # of the parts, reported late once
    cancel_share: float = 0.02  # of the waiting orders, cancelled by their seller each day
    run_timeout_seconds: float = 300.0


@dataclass
class DayReport:
    day: int
    date: str
    counts: Counter[str] = field(default_factory=Counter)
    run_id: int | None = None
    run_status: str = ""
    violations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "day": self.day,
            "date": self.date,
            "run": self.run_id,
            "run_status": self.run_status,
            **dict(sorted(self.counts.items())),
            "violations": self.violations,
        }


def _window_overbooked(window: CapacityWindow) -> str | None:
    if window.booked_units + window.offered_units > window.total_units:
        return (
            f"window {window.pk}: booked {window.booked_units} + offered "
            f"{window.offered_units} > {window.total_units} units"
        )
    data = WindowData(
        id=window.pk,
        factory_id=window.factory_id,
        category_id=window.category_id,
        start_date=window.start_date,
        end_date=window.end_date,
        units_per_day=window.units_per_day,
        remaining_units=0,
        commitments=window_commitments(window_id=window.pk),
    )
    late = late_commitments(data)
    return f"window {window.pk}: accepted work not made on its days: {late}" if late else None


def _window_violations() -> list[str]:
    violations = []
    held: dict[tuple[int, str], int] = defaultdict(int)
    for window_id, status, units in Assignment.objects.filter(
        status__in=(AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED)
    ).values_list("window_id", "status", "quantity"):
        held[(window_id, status)] += units
    for window in CapacityWindow.objects.order_by("pk"):
        booked = held[(window.pk, AssignmentStatus.ACCEPTED)]
        offered = held[(window.pk, AssignmentStatus.PROPOSED)]
        if (window.booked_units, window.offered_units) != (booked, offered):
            violations.append(
                f"window {window.pk}: holds {window.booked_units} booked and "
                f"{window.offered_units} offered units, its assignments {booked} and {offered}"
            )
        if problem := _window_overbooked(window):
            violations.append(problem)
    return violations


COMMITTED = (
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def _order_violations() -> list[str]:
    violations = []
    accepted = dict(
        Assignment.objects.filter(status=AssignmentStatus.ACCEPTED)
        .values("order_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_id", "units")
    )
    proposed = set(
        Assignment.objects.filter(status=AssignmentStatus.PROPOSED).values_list(
            "order_id", flat=True
        )
    )
    for order in Order.objects.order_by("pk").only("pk", "status", "quantity"):
        units = accepted.get(order.pk, 0)
        # a split order may wait (open or offered) for the rest while parts are accepted
        if order.status in COMMITTED and units != order.quantity:
            violations.append(
                f"order {order.pk} ({order.status}): {units} of {order.quantity} accepted"
            )
        elif units > order.quantity:
            violations.append(f"order {order.pk}: {units} of {order.quantity} units accepted")
        elif order.status in (OrderStatus.DRAFT, OrderStatus.CANCELLED) and units:
            violations.append(f"order {order.pk} ({order.status}) has {units} accepted units")
        if order.status == OrderStatus.OFFERED and order.pk not in proposed:
            violations.append(f"order {order.pk} is offered without a waiting offer")
        if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELLED) and order.pk in proposed:
            violations.append(f"order {order.pk} ({order.status}) has a waiting offer")
    return violations


def _history_violations() -> list[str]:
    violations = []
    chains: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    events = OrderEvent.objects.order_by("order_id", "created_at", "pk")
    for order_id, action, before, after in events.values_list(
        "order_id", "action", "from_status", "to_status"
    ):
        chains[order_id].append((action, before, after))
    for order_id, status in Order.objects.values_list("pk", "status"):
        chain = chains.get(order_id, [])
        if not chain or chain[0][0] != "create":
            violations.append(f"order {order_id}: history does not start with its creation")
            continue
        for (_a, _b, after), (action, before, _after) in zip(chain, chain[1:], strict=False):
            if before != after:
                violations.append(f"order {order_id}: {action} from {before}, but it was {after}")
        if chain[-1][2] != status:
            violations.append(f"order {order_id}: history ends at {chain[-1][2]}, it is {status}")
    return violations


def season_invariants() -> list[str]:
    """What must hold after every day; each violation in words (empty: all hold)."""
    unfinished = MatchRun.objects.filter(status__in=UNFINISHED).count()
    runs = [f"{unfinished} match run(s) not ended"] if unfinished else []
    return runs + _window_violations() + _order_violations() + _history_violations()


class SeasonSimulation:
    """The state of one simulated season; ``day()`` runs one day and returns its report."""

    def __init__(self, config: SeasonConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.start = timezone.localdate()
        self.offered_on: dict[int, int] = {}  # offer id -> the day it was first seen
        self.delayed: set[int] = set()

    # --- set-up ----------------------------------------------------------------------

    def set_up(self) -> None:
        if demo_data_present():
            raise SeasonError(
                f"The database holds the demo data ({MARKER_USERNAME} exists): simulate a "
                "season on a fresh database, e.g. DATABASE_URL=sqlite:///season.sqlite3."
            )
        demo_data_create(seed=self.config.seed, factories=self.config.factories, orders=0)

    # --- one day ---------------------------------------------------------------------

    def day(self, d: int) -> DayReport:
        today = self.start + dt.timedelta(days=d)
        report = DayReport(day=d, date=today.isoformat())
        self._windows_arrive(today, report.counts)
        self._orders_arrive(today, report.counts)
        if d % self.config.run_every_days == 0:
            run = self._run(report)
            report.run_id, report.run_status = run.pk, run.status
        self._offers_answered(d, report.counts)
        self._production_advances(today, report.counts)
        self._sellers_cancel(report.counts)
        report.violations = season_invariants()
        return report

    def _poisson(self, mean: float) -> int:
        # Knuth's method: small means only
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _windows_arrive(self, today: dt.date, counts: Counter[str]) -> None:
        """Factories post their next idle days: a window after the last one they have for
        the category (windows of one factory and category may not overlap)."""
        capabilities = list(
            FactoryCapability.objects.select_related("factory", "category").order_by("pk")
        )
        for _ in range(self._poisson(self.config.windows_per_week / 7)):
            capability = self.rng.choice(capabilities)
            last = (
                CapacityWindow.objects.filter(
                    factory=capability.factory, category=capability.category
                )
                .order_by("-end_date")
                .values_list("end_date", flat=True)
                .first()
            )
            start = max(today, last or today) + dt.timedelta(days=self.rng.randint(1, 4))
            try:
                capacity_window_create(
                    factory=capability.factory,
                    category=capability.category,
                    start_date=start,
                    end_date=start + dt.timedelta(days=self.rng.randint(6, 20)),
                    units_per_day=max(1, capability.daily_output // self.rng.choice((1, 2, 3))),
                    request_match=False,
                )
                counts["windows_created"] += 1
            except ValidationError:
                counts["windows_refused"] += 1  # e.g. beyond the planning horizon

    def _orders_arrive(self, today: dt.date, counts: Counter[str]) -> None:
        sellers = list(User.objects.filter(role=Role.SELLER).order_by("pk"))
        prices: dict[int, list[Decimal]] = defaultdict(list)
        categories = {}
        for capability in FactoryCapability.objects.select_related("category"):
            prices[capability.category_id].append(capability.unit_price)
            categories[capability.category_id] = capability.category
        mean = self.config.orders_per_week / 7 * WEEKDAY_SHAPE[today.weekday()]
        for _ in range(self._poisson(mean)):
            category_id = self.rng.choice(sorted(prices))
            price = sorted(prices[category_id])[len(prices[category_id]) // 2]
            quantity = self.rng.choice((100, 200, 300, 500, 800, 1000, 2000, 5000))
            destination = self.rng.choices(
                [city for city, _ in DESTINATIONS], [weight for _, weight in DESTINATIONS]
            )[0]
            order_create(
                seller=self.rng.choice(sellers),
                title=f"Season order {counts['orders_created'] + 1} of {today.isoformat()}",
                category=categories[category_id],
                quantity=quantity,
                max_unit_price=(price * Decimal(self.rng.uniform(0.85, 1.4))).quantize(
                    Decimal("0.01")
                ),
                due_date=today + dt.timedelta(days=self.rng.randint(10, 45)),
                ship_to_city=destination.name,
                ship_to_latitude=destination.latitude,
                ship_to_longitude=destination.longitude,
                allow_split=quantity >= 2000,
                min_lot_quantity=quantity // 4 if quantity >= 2000 else 1,
                request_match=False,
            )
            counts["orders_created"] += 1

    def _run(self, report: DayReport) -> MatchRun:
        run, _created = match_run_request(trigger=MatchRunTrigger.SCHEDULE)
        deadline = time.monotonic() + self.config.run_timeout_seconds
        while time.monotonic() < deadline:
            run.refresh_from_db()
            waiting = MatchRun.objects.filter(status__in=UNFINISHED).exists()
            if run.status not in UNFINISHED and not waiting:
                report.counts["runs"] += 1
                return run
            time.sleep(0.2)
        raise SeasonError(
            f"Match run {run.pk} is still {run.status} after "
            f"{self.config.run_timeout_seconds:.0f} s: is a worker running "
            "(make run, or celery -A marketplace worker)?"
        )

    def _offers_answered(self, d: int, counts: Counter[str]) -> None:
        waiting = Assignment.objects.filter(status=AssignmentStatus.PROPOSED).select_related(
            "factory__owner"
        )
        for offer in waiting.order_by("pk"):
            seen = self.offered_on.setdefault(offer.pk, d)
            roll = self.rng.random()
            try:
                if d - seen >= self.config.expire_after_days and offer.expires_at:
                    expired = offer_expire(
                        offer_id=offer.pk, now=offer.expires_at + dt.timedelta(seconds=1)
                    )
                    counts["offers_expired"] += expired
                elif roll < self.config.accept_share:
                    offer_accept(offer=offer, actor=offer.factory.owner)
                    counts["offers_accepted"] += 1
                elif roll < self.config.accept_share + self.config.decline_share:
                    reason = self.rng.choice([r for r in DeclineReason.values if r != "other"])
                    offer_decline(offer=offer, actor=offer.factory.owner, reason=reason)
                    counts["offers_declined"] += 1
            except Conflict:
                counts["answers_refused"] += 1  # the capacity or the order moved meanwhile

    def _production_advances(self, today: dt.date, counts: Counter[str]) -> None:
        for delay in Delay.objects.filter(status=DelayStatus.PENDING).select_related(
            "assignment__order__seller"
        ):
            delay_accept(delay=delay, actor=delay.assignment.order.seller)
            counts["delays_accepted"] += 1
        # production starts once the whole order is accepted (a split order's other parts
        # may still wait for their factories)
        parts = Assignment.objects.filter(
            status=AssignmentStatus.ACCEPTED,
            shipped_on__isnull=True,
            order__status__in=(OrderStatus.ACCEPTED, OrderStatus.IN_PRODUCTION),
        ).select_related("factory__owner", "order")
        for part in parts.order_by("pk"):
            owner = part.factory.owner
            if part.pk not in self.delayed and self.rng.random() < self.config.delay_share:
                self.delayed.add(part.pk)
                finish = part.planned_finish + dt.timedelta(days=self.rng.randint(1, 5))
                try:
                    delay_report(part=part, actor=owner, new_finish=finish, reason="Dye lot late")
                    counts["delays_reported"] += 1
                    continue
                except (ValidationError, Conflict):
                    counts["delays_refused"] += 1
            kind = next_milestone(part)
            if kind is None:
                continue
            milestone_post(
                part=part,
                actor=owner,
                kind=kind,
                carrier="SF Express",
                tracking_number=f"SF{part.pk:010d}",
            )
            counts["milestones"] += 1
        for order in Order.objects.filter(status=OrderStatus.SHIPPED).select_related("seller"):
            delivery_confirm(order=order, actor=order.seller)
            for part in order.assignments.filter(status=AssignmentStatus.ACCEPTED):
                order_rate(
                    order=order, actor=order.seller, quality=self.rng.randint(3, 5), part=part
                )
            counts["orders_delivered"] += 1

    def _sellers_cancel(self, counts: Counter[str]) -> None:
        waiting = Order.objects.filter(
            status__in=(OrderStatus.OPEN, OrderStatus.OFFERED)
        ).select_related("seller")
        for order in waiting.order_by("pk"):
            if self.rng.random() < self.config.cancel_share:
                order_cancel(order=order, actor=order.seller, note="No longer needed")
                counts["orders_cancelled"] += 1


def season_simulate(
    config: SeasonConfig, *, on_day: Callable[[DayReport], None] | None = None
) -> list[DayReport]:
    """Set up the factories (the demo's generator, no orders), then run every day; runs are
    left to the worker. Automatic runs on each change are off: runs come every
    ``run_every_days`` as a schedule would queue them."""
    simulation = SeasonSimulation(config)
    reports = []
    with override_settings(MATCHING_AUTO_RUN_ON_CHANGE=False):
        simulation.set_up()
        for d in range(config.days):
            report = simulation.day(d)
            reports.append(report)
            if on_day is not None:
                on_day(report)
    return reports
