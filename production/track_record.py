"""A factory's track record per category, learned from its finished parts (issue 15, points 2
and 3): how many days it takes from accepting an offer to shipping, how many days it ships
after the finish it promised, and how many units a day it really makes.

Lead times and delays are **shrunk quantiles**: the P50 and P90 of a mixture of the factory's
own last ``TRACK_RECORD_RECENT_PARTS`` shipped parts in the category (each weighing one) and
the category's last ``TRACK_RECORD_PRIOR_PARTS`` parts marketplace-wide (weighing
``TRACK_RECORD_PRIOR_WEIGHT`` parts together). A new factory starts at the marketplace's
figures; after a few dozen parts its own record speaks for itself. No shape is assumed
(delays are mostly 0 with a long tail).

The **demonstrated daily output** compares what its last measured parts made with what their
plans expected: the units over the days on which any of them was in production (from
"production started" to "quality check passed", both days counted), against the same units
over the days they were planned on (planned start to the finish promised at acceptance). Days
are counted once however many parts share them, so running two jobs at once is not read as half
speed, and a small job that the plan gave two days is not read as a slow line. Demonstrated =
declared x actual rate / planned rate, never above the declared figure. Matching uses it instead
of the declared output once ``DEMONSTRATED_MIN_PARTS`` parts measured it
(``FactoryCapability.planning_daily_output``).

The figures are written with ``update()`` (not an edit that a running match must re-check),
when a part ships or passes its quality check, and every hour for every capability (the
marketplace's prior moves as other factories ship).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from factories.models import FactoryCapability
from matching.models import Assignment, AssignmentStatus
from matching.solver.quantiles import shrunk_quantile
from orders.models import MilestoneKind
from production.models import Milestone


def busy_days(spans: Iterable[tuple[dt.date, dt.date]]) -> int:
    """Days covered by at least one of the inclusive ``(first, last)`` spans."""
    days = 0
    reach: dt.date | None = None
    for first, last in sorted(spans):
        if reach is not None and first <= reach:
            first = reach + dt.timedelta(days=1)
        if last >= first:
            days += (last - first).days + 1
        reach = last if reach is None else max(reach, last)
    return days


@dataclass(frozen=True)
class Shipped:
    lead_days: int  # accepted -> shipped
    delay_days: int  # shipped after the promised finish (negative: early)


@dataclass(frozen=True)
class TrackRecord:
    lead_p50_days: int | None
    lead_p90_days: int | None
    delay_p50_days: int | None
    delay_p90_days: int | None
    shipped_parts: int
    demonstrated_daily_output: int | None
    measured_parts: int


@dataclass(frozen=True)
class Measured:
    """A part with both production milestones: its days in production and in its plan."""

    started: dt.date
    passed: dt.date
    planned_start: dt.date
    planned_finish: dt.date
    units: int


def demonstrated_output(measured: Sequence[Measured], declared: int) -> int | None:
    """The declared output scaled by the measured parts' actual rate over their planned one
    (units over busy days each), never above the declared; None without measured parts."""
    actual = busy_days((m.started, m.passed) for m in measured)
    planned = busy_days((m.planned_start, m.planned_finish) for m in measured)
    if not actual or not planned:
        return None
    return min(declared, declared * planned // actual)


def learn(
    own: Sequence[Shipped],
    prior: Sequence[Shipped],
    measured: Sequence[Measured],
    declared: int,
    weight: float,
) -> TrackRecord:
    """The track record from the factory's shipped parts, the marketplace's (``prior``), its
    measured parts and its declared daily output."""

    def quantile(of: str, q: float) -> int | None:
        mine = [float(getattr(s, of)) for s in own]
        theirs = [float(getattr(s, of)) for s in prior]
        if not mine and not theirs:
            return None
        return max(math.ceil(shrunk_quantile(mine, theirs, q, weight)), 0)

    return TrackRecord(
        lead_p50_days=quantile("lead_days", 0.5),
        lead_p90_days=quantile("lead_days", 0.9),
        delay_p50_days=quantile("delay_days", 0.5),
        delay_p90_days=quantile("delay_days", 0.9),
        shipped_parts=len(own),
        demonstrated_daily_output=demonstrated_output(measured, declared),
        measured_parts=len(measured),
    )


def _shipped(parts: Iterable[Assignment]) -> list[Shipped]:
    return [
        Shipped(
            lead_days=(p.shipped_on - timezone.localdate(p.responded_at)).days,
            delay_days=(p.shipped_on - p.promised_finish).days,
        )
        for p in parts
        if p.shipped_on is not None and p.responded_at is not None and p.promised_finish
    ]


def _shipped_parts(**where: object) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        status=AssignmentStatus.ACCEPTED,
        shipped_on__isnull=False,
        responded_at__isnull=False,
        promised_finish__isnull=False,
        **where,
    ).order_by("-shipped_on", "-pk")


def _measured_parts(capability: FactoryCapability) -> list[Measured]:
    """The capability's last parts with both production milestones."""
    kinds = (MilestoneKind.PRODUCTION_STARTED, MilestoneKind.QUALITY_PASSED)
    parts = list(
        Assignment.objects.filter(
            factory_id=capability.factory_id,
            order__category_id=capability.category_id,
            status=AssignmentStatus.ACCEPTED,
            milestones__kind=MilestoneKind.QUALITY_PASSED,
        )
        .order_by("-pk")
        .values_list("pk", "quantity", "planned_start", "promised_finish", "planned_finish")[
            : settings.TRACK_RECORD_RECENT_PARTS
        ]
    )
    days: dict[tuple[int, str], dt.date] = {
        (part, kind): timezone.localdate(at)
        for part, kind, at in Milestone.objects.filter(
            assignment_id__in=[part[0] for part in parts], kind__in=kinds
        ).values_list("assignment_id", "kind", "created_at")
    }
    return [
        Measured(
            started=days[pk, kinds[0]],
            passed=days[pk, kinds[1]],
            planned_start=start,
            planned_finish=promised or planned,
            units=quantity,
        )
        for pk, quantity, start, promised, planned in parts
        if (pk, kinds[0]) in days and days[pk, kinds[1]] >= days[pk, kinds[0]]
    ]


def capability_track_record_learn(*, capability: FactoryCapability) -> TrackRecord:
    """Learn and store one capability's track record."""
    recent = settings.TRACK_RECORD_RECENT_PARTS
    own = _shipped(
        _shipped_parts(factory_id=capability.factory_id, order__category_id=capability.category_id)[
            :recent
        ]
    )
    prior = _shipped(
        _shipped_parts(order__category_id=capability.category_id).exclude(
            factory_id=capability.factory_id
        )[: settings.TRACK_RECORD_PRIOR_PARTS]
    )
    record = learn(
        own,
        prior,
        _measured_parts(capability),
        capability.daily_output,
        settings.TRACK_RECORD_PRIOR_WEIGHT,
    )
    FactoryCapability.objects.filter(pk=capability.pk).update(
        lead_p50_days=record.lead_p50_days,
        lead_p90_days=record.lead_p90_days,
        delay_p50_days=record.delay_p50_days,
        delay_p90_days=record.delay_p90_days,
        shipped_parts=record.shipped_parts,
        demonstrated_daily_output=record.demonstrated_daily_output,
        measured_parts=record.measured_parts,
        track_record_updated_at=timezone.now(),
    )
    return record


def track_records_learn(
    *, factory_ids: Iterable[int] | None = None, category_id: int | None = None
) -> int:
    """Learn the track records of the given factories' capabilities (every one when None,
    only ``category_id``'s when given); returns how many."""
    capabilities = FactoryCapability.objects.order_by("pk")
    if factory_ids is not None:
        capabilities = capabilities.filter(factory_id__in=list(factory_ids))
    if category_id is not None:
        capabilities = capabilities.filter(Q(category_id=category_id))
    learned = 0
    for capability in capabilities.iterator():
        capability_track_record_learn(capability=capability)
        learned += 1
    return learned
