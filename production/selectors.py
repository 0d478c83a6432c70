"""Reads of accepted work: an order's parts and delays, the owner's capacity calendar and
dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.probation import Probation, factory_probation
from marketplace.models import User
from matching.models import LIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus
from orders.models import Order
from orders.transitions import action_allowed
from production.models import (
    Delay,
    DelayStatus,
    Dispute,
    DisputeStatus,
    StandbySwitch,
    StandbySwitchStatus,
)


def order_parts(*, order: Order) -> QuerySet[Assignment]:
    """The accepted offers (factories' parts) of an order, with milestones and delays."""
    return (
        Assignment.objects.filter(order=order, status=AssignmentStatus.ACCEPTED)
        .select_related("factory", "order")
        .prefetch_related("milestones", "delays", "factory__capabilities")
        .order_by("pk")
    )


def order_delay(*, order: Order, delay_id: int) -> Delay | None:
    return Delay.objects.filter(assignment__order=order, pk=delay_id).first()


def order_standby_switches(*, order: Order) -> QuerySet[StandbySwitch]:
    """The standby factories proposed for an order's parts (production/standby.py)."""
    return (
        StandbySwitch.objects.filter(part__order=order)
        .select_related("part__factory", "factory")
        .order_by("pk")
    )


def order_standby_switch(*, order: Order, switch_id: int) -> StandbySwitch | None:
    return order_standby_switches(order=order).filter(pk=switch_id).first()


def order_standby_pending(*, order: Order) -> list[StandbySwitch]:
    """The standby proposals of an order that wait for the seller, while it may answer."""
    if not action_allowed(order, "switch_to_standby"):
        return []
    pending = order_standby_switches(order=order).filter(
        status=StandbySwitchStatus.PENDING,
        part__status=AssignmentStatus.ACCEPTED,
        part__shipped_on__isnull=True,
    )
    return list(pending)


def order_disputes(*, order: Order) -> QuerySet[Dispute]:
    """The disputes about an order's parts, newest first."""
    return (
        Dispute.objects.filter(assignment__order=order)
        .select_related("assignment__factory")
        .prefetch_related("photos")
    )


def part_disputes(*, part: Assignment) -> QuerySet[Dispute]:
    """The dispute about a part (at most one), as a query."""
    return (
        Dispute.objects.filter(assignment=part)
        .select_related("assignment__factory")
        .prefetch_related("photos")
    )


def delay_pending_for(*, order: Order) -> list[Delay]:
    """The delays of an order that wait for the seller's answer."""
    return list(
        Delay.objects.filter(assignment__order=order, status=DelayStatus.PENDING).order_by("pk")
    )


# --- Pages: the capacity calendar and the owner's dashboard ---------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of a bar, as percentages of the calendar's width."""

    left: float
    width: float
    title: str


@dataclass(frozen=True)
class WindowBar:
    window: CapacityWindow
    left: float
    width: float
    utilisation: float  # booked + offered units over total units
    level: int  # 0..4, the colour step
    booked: tuple[Segment, ...]  # accepted orders on their planned days
    offered: tuple[Segment, ...]  # offers waiting for an answer


@dataclass(frozen=True)
class CalendarRow:
    factory: Factory
    category_name: str
    bars: tuple[WindowBar, ...]


@dataclass(frozen=True)
class Calendar:
    start: dt.date
    days: int
    rows: tuple[CalendarRow, ...]
    weeks: tuple[tuple[dt.date, float], ...]  # each Monday and its left %

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


def utilisation_level(share: float) -> int:
    """Colour step of a window: 0 idle, 1 under 40%, 2 under 70%, 3 under 95%, 4 full."""
    if share <= 0:
        return 0
    for level, limit in ((1, 0.4), (2, 0.7), (3, 0.95)):
        if share < limit:
            return level
    return 4


def capacity_calendar(*, owner: User, start: dt.date, days: int) -> Calendar:
    """The owner's windows over ``days`` days from ``start`` (Gantt rows per factory and
    category), with accepted orders and waiting offers drawn inside them. Idle days are the
    gaps between bars and the light part of a bar."""
    end = start + dt.timedelta(days=days - 1)

    def span(first: dt.date, last: dt.date) -> tuple[float, float]:
        first, last = max(first, start), min(last, end)
        left = (first - start).days / days * 100
        return round(left, 3), round(((last - first).days + 1) / days * 100, 3)

    windows = (
        CapacityWindow.objects.filter(
            factory__owner_id=owner.pk, start_date__lte=end, end_date__gte=start
        )
        .select_related("factory", "category")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(
                    status__in=LIVE_ASSIGNMENT_STATUSES
                ).select_related("order"),
                to_attr="live",
            )
        )
        .order_by("factory__name", "factory_id", "category__name", "start_date")
    )
    rows: dict[tuple[int, int], list[WindowBar]] = {}
    labels: dict[tuple[int, int], tuple[Factory, str]] = {}
    for window in windows:
        share = (window.booked_units + window.offered_units) / window.total_units
        parts: dict[str, list[Segment]] = {"accepted": [], "proposed": []}
        for a in window.live:
            if a.planned_finish < start or a.planned_start > end:
                continue
            left, width = span(a.planned_start, a.planned_finish)
            title = f"#{a.order_id} {a.order.title} × {a.quantity}"
            if a.status == AssignmentStatus.COUNTERED:
                title = _("Counter-offer waiting for the seller: %(offer)s") % {"offer": title}
            accepted = a.status == AssignmentStatus.ACCEPTED
            parts["accepted" if accepted else "proposed"].append(Segment(left, width, title))
        left, width = span(window.start_date, window.end_date)
        key = (window.factory_id, window.category_id)
        labels[key] = (window.factory, window.category.display_name)
        rows.setdefault(key, []).append(
            WindowBar(
                window=window,
                left=left,
                width=width,
                utilisation=share,
                level=utilisation_level(share),
                booked=tuple(parts["accepted"]),
                offered=tuple(parts["proposed"]),
            )
        )
    mondays = []
    day = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    while day <= end:
        mondays.append((day, round((day - start).days / days * 100, 3)))
        day += dt.timedelta(days=7)
    return Calendar(
        start=start,
        days=days,
        rows=tuple(
            CalendarRow(factory=labels[key][0], category_name=labels[key][1], bars=tuple(bars))
            for key, bars in rows.items()
        ),
        weeks=tuple(mondays),
    )


@dataclass(frozen=True)
class OwnerDashboard:
    waiting_offers: list[Assignment]
    in_work: list[Assignment]  # accepted parts not yet delivered
    month_total_units: int
    month_booked_units: int
    paused: list[Factory]
    # each capability's track record: lead times, delays, declared against demonstrated
    track_records: list[FactoryCapability]
    # the owner's factories on probation, with their limits and progress
    on_probation: list[tuple[Factory, Probation]] = field(default_factory=list)
    # disputes about the owner's parts that wait for the owner's answer
    disputes_to_answer: list[Dispute] = field(default_factory=list)


def owner_dashboard(*, owner: User, today: dt.date) -> OwnerDashboard:
    """Offers to answer, work in hand, and this month's utilisation: units of accepted
    orders planned on this month's days over the units the owner's windows have on them."""
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    offers = Assignment.objects.filter(factory__owner_id=owner.pk).select_related(
        "order", "order__category", "factory"
    )
    total = booked = 0
    for window in CapacityWindow.objects.filter(
        factory__owner_id=owner.pk, start_date__lte=last, end_date__gte=first
    ):
        days = (min(window.end_date, last) - max(window.start_date, first)).days + 1
        total += days * window.units_per_day
    for part in offers.filter(
        status=AssignmentStatus.ACCEPTED, planned_start__lte=last, planned_finish__gte=first
    ):
        # spread evenly over its planned days; count the days inside this month
        days = (part.planned_finish - part.planned_start).days + 1
        inside = (min(part.planned_finish, last) - max(part.planned_start, first)).days + 1
        booked += round(part.quantity * inside / days)
    return OwnerDashboard(
        waiting_offers=list(
            offers.filter(status=AssignmentStatus.PROPOSED).order_by("expires_at", "pk")
        ),
        in_work=list(
            offers.filter(status=AssignmentStatus.ACCEPTED, delivered_on__isnull=True)
            .exclude(order__status="cancelled")
            .order_by("planned_finish", "pk")
        ),
        month_total_units=total,
        month_booked_units=min(booked, total),
        paused=list(Factory.objects.filter(owner_id=owner.pk, paused_at__isnull=False)),
        track_records=list(
            FactoryCapability.objects.filter(factory__owner_id=owner.pk)
            .select_related("factory", "category")
            .order_by("factory__name", "factory_id", "category_id")
        ),
        on_probation=[
            (factory, probation)
            for factory in Factory.objects.filter(owner_id=owner.pk).order_by("name", "pk")
            if (probation := factory_probation(factory=factory)) is not None
        ],
        disputes_to_answer=list(
            Dispute.objects.filter(
                assignment__factory__owner_id=owner.pk, status=DisputeStatus.OPEN
            )
            .select_related("assignment__order", "assignment__factory")
            .order_by("created_at", "pk")
        ),
    )
