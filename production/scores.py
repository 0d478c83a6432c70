"""Factory scores: quality and on-time rate from recent delivered orders.

Both are smoothed averages over the factory's last ``SCORES_RECENT_ORDERS`` delivered
parts within ``SCORES_WINDOW_DAYS``, shrunk towards a prior worth ``SCORES_PRIOR_WEIGHT``
orders (4.0 stars and 90% on time by default):

    quality = (prior_quality * m + sum of ratings) / (m + ratings)
    on_time = (prior_on_time * m + parts on time) / (m + delivered parts)

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
from django.utils import timezone

from factories.models import Factory
from matching.models import Assignment, AssignmentStatus


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
        parts = list(delivered.values_list("on_time", "quality_rating"))
        ratings = [rating for _on_time, rating in parts if rating is not None]
        on_time = sum(1 for was_on_time, _rating in parts if was_on_time)
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
