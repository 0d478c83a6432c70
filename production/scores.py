"""Factory scores: quality and on-time rate from recent delivered orders.

Both are smoothed averages over the factory's last ``SCORES_RECENT_ORDERS`` delivered
parts within ``SCORES_WINDOW_DAYS``, shrunk towards a prior worth ``SCORES_PRIOR_WEIGHT``
orders (4.0 stars and 90% on time by default):

    quality = (prior_quality * m + sum of ratings) / (m + ratings)
    on_time = (prior_on_time * m + parts on time) / (m + delivered parts)

A part whose dispute staff upheld counts as a 1-star rating (in place of the seller's own
rating, if any): the seller was right that something was wrong with it.

So a new factory starts at the prior, one bad order moves it only part of the way (one
1-star rating: 4.0 -> 3.5 with m = 5), and a factory's record speaks for itself after a
few dozen orders. Old orders drop out of the window, so a factory can recover. The
optimizer uses both (their mean is its reliability; see docs/matching.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from factories.models import Factory
from matching.models import Assignment, AssignmentStatus
from production.models import DisputeStatus

# what an upheld dispute counts as in the quality score
UPHELD_DISPUTE_RATING = 1


def smoothed(prior: float, weight: float, total: float, count: int) -> float:
    return (prior * weight + total) / (weight + count)


def factory_scores_recompute(*, factory_ids: Iterable[int] | None = None) -> int:
    """Recompute the scores of the given factories (all when None); returns how many."""
    factories = Factory.objects.all()
    if factory_ids is not None:
        factories = factories.filter(pk__in=list(factory_ids))
    since = timezone.localdate() - dt.timedelta(days=settings.SCORES_WINDOW_DAYS)
    recent = settings.SCORES_RECENT_ORDERS
    weight = settings.SCORES_PRIOR_WEIGHT
    now = timezone.now()
    updated = 0
    for factory_id in factories.values_list("pk", flat=True):
        delivered = Assignment.objects.filter(
            factory_id=factory_id,
            status=AssignmentStatus.ACCEPTED,
            delivered_on__gte=since,
        ).order_by("-delivered_on", "-pk")[:recent]
        parts = list(delivered.values_list("on_time", "quality_rating", "dispute__status"))
        ratings: list[int] = [
            UPHELD_DISPUTE_RATING if dispute == DisputeStatus.UPHELD or rating is None else rating
            for _on_time, rating, dispute in parts
            if rating is not None or dispute == DisputeStatus.UPHELD
        ]
        on_time = sum(1 for was_on_time, _rating, _dispute in parts if was_on_time)
        quality = smoothed(settings.SCORES_PRIOR_QUALITY, weight, sum(ratings), len(ratings))
        rate = smoothed(settings.SCORES_PRIOR_ON_TIME, weight, on_time, len(parts))
        # update(), not save(): a score is not an edit a running match must re-check
        Factory.objects.filter(pk=factory_id).update(
            quality_score=Decimal(f"{quality:.2f}"),
            on_time_rate=Decimal(f"{rate:.3f}"),
            scored_orders=len(parts),
            scores_updated_at=now,
        )
        updated += 1
    return updated


def factory_probation_update(*, factory_ids: Iterable[int] | None = None) -> int:
    """Count each factory's parts delivered on time without an upheld dispute, and end the
    probation (for good) of those that reached ``PROBATION_ORDERS`` (factories/probation.py).
    Returns how many factories were counted."""
    factories = Factory.objects.all()
    if factory_ids is not None:
        factories = factories.filter(pk__in=list(factory_ids))
    counts = dict.fromkeys(factories.values_list("pk", flat=True), 0)
    clean = (
        Assignment.objects.filter(
            factory_id__in=list(counts),
            status=AssignmentStatus.ACCEPTED,
            on_time=True,
            delivered_on__isnull=False,
        )
        .exclude(dispute__status=DisputeStatus.UPHELD)
        .values("factory_id")
        .annotate(parts=Count("pk"))
        .values_list("factory_id", "parts")
    )
    counts.update(clean)
    needed = settings.PROBATION_ORDERS
    now = timezone.now()
    for factory_id, count in counts.items():
        # update(), not save(): not an edit a running match must re-check
        Factory.objects.filter(pk=factory_id).update(probation_clean_deliveries=count)
        if needed > 0 and count >= needed:
            Factory.objects.filter(pk=factory_id, probation_ended_at__isnull=True).update(
                probation_ended_at=now
            )
    return len(counts)
