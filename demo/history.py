"""The demo's past: each verified factory (but the newest, on probation) made a few orders in
the last months. They are written as the rows the lifecycle leaves behind (a past capacity
window, the order delivered and rated, its part accepted, the milestones on the days they
happened, the history lines at their times), so the lead times, delays, demonstrated output
and scores a new user reads are learned from production that took days, not from milestones
the demo posts within a second (demo/lifecycle.py does that for today's orders).

Each factory has a habit: most ship on the promised day, some a day or two late now and then,
a few often late; most lines make their declared daily output, some 80-90% of it."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bench.geography import DESTINATIONS
from demo.data import PRODUCTS, VARIANTS
from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import Role, User
from marketplace.money import from_fen
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus, MatchRunTrigger
from matching.selectors import transport_params
from matching.solver.geo import haversine_km, transport_for
from orders.models import MilestoneKind, Order, OrderEvent, OrderStatus
from production.models import Milestone
from production.scores import factory_scores_recompute

PAST_JOBS = (2, 5)  # per factory, inclusive
# a factory's habit: the chance a job ships late, and by how many days when it does
HABITS = ((0.05, (1,)), (0.2, (1, 2)), (0.45, (1, 2, 3, 5)))
HABIT_WEIGHTS = (5, 3, 1)
# the share of its declared daily output a factory's lines really make
PACES = (1.0, 0.9, 0.8)
PACE_WEIGHTS = (6, 2, 1)
CARRIERS = ("SF Express", "ZTO Express", "YTO Express", "Deppon Logistics")


@dataclass(frozen=True)
class PastJob:
    """The dates of one past job."""

    posted: dt.date
    accepted: dt.date
    start: dt.date
    planned_finish: dt.date
    finished: dt.date  # quality check passed; shipped the same day
    delivered: dt.date


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))


@transaction.atomic
def demo_history_create(*, seed: int = 2026) -> int:
    """Write the past jobs; returns how many. Scores are recomputed from them (track records
    are learned by the lifecycle, after today's deliveries)."""
    rng = random.Random(seed + 7)
    today = timezone.localdate()
    sellers = list(User.objects.filter(role=Role.SELLER).order_by("pk"))
    factories = Factory.objects.filter(verified=True, probation_ended_at__isnull=False)
    run = MatchRun.objects.create(
        status=MatchRunStatus.SUCCEEDED, trigger=MatchRunTrigger.ADMIN, task_id="demo-history"
    )
    jobs = 0
    for factory in factories.order_by("pk"):
        capabilities = list(factory.capabilities.select_related("category").order_by("pk"))
        if not capabilities or not sellers:
            continue
        late_share, late_days = rng.choices(HABITS, weights=HABIT_WEIGHTS)[0]
        pace = rng.choices(PACES, weights=PACE_WEIGHTS)[0]
        for _ in range(rng.randint(*PAST_JOBS)):
            capability = rng.choice(capabilities)
            late = rng.choice(late_days) if rng.random() < late_share else 0
            _past_job(rng, run, factory, capability, rng.choice(sellers), today, late, pace)
            jobs += 1
    first = Assignment.objects.filter(run=run).order_by("planned_start").first()
    finished = at(today - dt.timedelta(days=10), 18)
    MatchRun.objects.filter(pk=run.pk).update(
        created_at=at(first.planned_start, 2) if first else finished,
        started_at=at(first.planned_start, 2) if first else finished,
        finished_at=finished,
        matched_orders=jobs,
    )
    factory_scores_recompute(factory_ids=factories.values_list("pk", flat=True))
    return jobs


def _past_job(
    rng: random.Random,
    run: MatchRun,
    factory: Factory,
    capability: FactoryCapability,
    seller: User,
    today: dt.date,
    late: int,
    pace: float,
) -> None:
    per_day = max(1, capability.daily_output)
    lowest, highest = max(factory.min_order_quantity, 10), factory.max_order_quantity
    quantity = min(highest, max(lowest, 10 * round(per_day * rng.uniform(1.5, 6) / 10)))
    planned_days = math.ceil(quantity / per_day)
    made_days = max(planned_days, math.ceil(quantity / (per_day * pace)))
    destination = rng.choices([d for d, _ in DESTINATIONS], [w for _, w in DESTINATIONS])[0]
    distance = haversine_km(
        factory.latitude, factory.longitude, destination.latitude, destination.longitude
    )
    transport_days, transport_fen = transport_for(distance, transport_params())
    start = today - dt.timedelta(days=rng.randint(30, 110))
    accepted = start - dt.timedelta(days=rng.randint(1, 4))
    planned_finish = start + dt.timedelta(days=planned_days - 1)
    finished = start + dt.timedelta(days=made_days - 1 + late)
    job = PastJob(
        posted=accepted - dt.timedelta(days=rng.randint(1, 3)),
        accepted=accepted,
        start=start,
        planned_finish=planned_finish,
        finished=finished,
        delivered=finished + dt.timedelta(days=transport_days),
    )
    end = planned_finish + dt.timedelta(days=rng.randint(2, 6))
    window = CapacityWindow.objects.create(
        factory=factory,
        category=capability.category,
        start_date=start,
        end_date=end,
        units_per_day=per_day,
        total_units=per_day * ((end - start).days + 1),
        booked_units=quantity,
    )
    CapacityWindow.objects.filter(pk=window.pk).update(created_at=at(job.posted, 9))
    order = Order.objects.create(
        seller=seller,
        title=f"{rng.choice(PRODUCTS[capability.category.slug])}, {rng.choice(VARIANTS)}",
        category=capability.category,
        quantity=quantity,
        max_unit_price=capability.unit_price * Decimal("1.1"),
        due_date=planned_finish + dt.timedelta(days=transport_days + rng.randint(2, 8)),
        ship_to_city=destination.name,
        ship_to_latitude=destination.latitude,
        ship_to_longitude=destination.longitude,
        status=OrderStatus.DELIVERED,
    )
    quality = rng.choices([5, 4, 3, 2], weights=[5, 4, 2, 1])[0]
    part = Assignment.objects.create(
        run=run,
        order=order,
        factory=factory,
        window=window,
        quantity=quantity,
        unit_price=capability.unit_price,
        distance_km=round(distance, 1),
        transport_days=transport_days,
        transport_cost=from_fen(transport_fen * quantity),
        planned_start=start,
        planned_finish=planned_finish,
        promised_finish=planned_finish,
        status=AssignmentStatus.ACCEPTED,
        responded_at=at(job.accepted, 10),
        shipped_on=job.finished,
        delivered_on=job.delivered,
        on_time=job.finished <= planned_finish,
        quality_rating=quality,
        rated_at=at(job.delivered, 16),
    )
    _timestamps(rng, order, part, job, quality)


def _timestamps(
    rng: random.Random, order: Order, part: Assignment, job: PastJob, quality: int
) -> None:
    """The order's and part's times, the milestones and the history lines, on their days."""
    Order.objects.filter(pk=order.pk).update(created_at=at(job.posted, 9))
    Assignment.objects.filter(pk=part.pk).update(created_at=at(job.posted + dt.timedelta(1), 2))
    factory = part.factory.name
    tracking = "SF" + "".join(rng.choice("0123456789") for _ in range(12))
    carrier = rng.choice(CARRIERS)
    delivered, rated = at(job.delivered, 15), at(job.delivered, 16)
    milestones = (
        (MilestoneKind.MATERIALS_READY, at(max(job.accepted, job.start - dt.timedelta(1)), 17)),
        (MilestoneKind.PRODUCTION_STARTED, at(job.start, 9)),
        (MilestoneKind.QUALITY_PASSED, at(job.finished, 14)),
        (MilestoneKind.SHIPPED, at(job.finished, 18)),
    )
    for kind, when in milestones:
        shipped = kind == MilestoneKind.SHIPPED
        milestone = Milestone.objects.create(
            assignment=part,
            kind=kind,
            carrier=carrier if shipped else "",
            tracking_number=tracking if shipped else "",
            posted_by=part.factory.owner,
        )
        Milestone.objects.filter(pk=milestone.pk).update(created_at=when)
    owner, seller = part.factory.owner, order.seller
    accepted = {"factory": factory, "quantity": f"{part.quantity:,}"}
    accepted["date"] = part.planned_finish.isoformat()
    # what each milestone did to the order: (action, status before, status after)
    follows = {
        MilestoneKind.MATERIALS_READY: ("milestone_materials_ready", "accepted", "accepted"),
        MilestoneKind.PRODUCTION_STARTED: ("start_production", "accepted", "in_production"),
        MilestoneKind.QUALITY_PASSED: (
            "milestone_quality_passed",
            "in_production",
            "in_production",
        ),
        MilestoneKind.SHIPPED: ("ship", "in_production", "shipped"),
    }
    on_time = {"factory": factory, "on_time": part.on_time}
    steps = [
        ("create", seller, "open", "open", {}, at(job.posted, 9)),
        ("offer", None, "open", "offered", {"run": part.run_id}, at(job.accepted, 2)),
        ("accept", owner, "offered", "accepted", accepted, at(job.accepted, 10)),
        *(
            (
                follows[kind][0],
                owner,
                follows[kind][1],
                follows[kind][2],
                {
                    "order": order.pk,
                    "factory": factory,
                    "milestone": str(kind),
                    "carrier": carrier if kind == MilestoneKind.SHIPPED else "",
                    "number": tracking if kind == MilestoneKind.SHIPPED else "",
                    "note": "",
                },
                when,
            )
            for kind, when in milestones
        ),
        ("confirm_delivery", seller, "shipped", "delivered", {"parts": [on_time]}, delivered),
        ("rate", seller, "delivered", "delivered", {"factory": factory, "quality": quality}, rated),
    ]
    for action, actor, source, target, params, when in steps:
        event = OrderEvent.objects.create(
            order=order,
            actor=actor,
            action=action,
            from_status=source,
            to_status=target,
            params=params,
        )
        OrderEvent.objects.filter(pk=event.pk).update(created_at=when)
