"""``/metrics``: the marketplace's state in the Prometheus text format.

Nothing is counted in memory: a custom collector reads the database (and the queue length
from the broker) at scrape time, so every web process answers the same and a restart
loses nothing. Each scrape costs a handful of aggregate queries.

Families (all gauges unless said otherwise; docs/operations.md says what to alert on):

- ``marketplace_match_runs{status}``: match runs by status;
- ``marketplace_match_run_duration_seconds{status}`` (histogram): started to finished of
  finished runs;
- ``marketplace_match_run_last_gap``, ``..._last_objective``,
  ``..._last_finished_timestamp_seconds``, ``..._last_matched_orders``: the last finished
  successful run;
- ``marketplace_match_run_oldest_queued_age_seconds``: 0 when no run waits;
- ``marketplace_celery_queue_depth{queue}`` and ``marketplace_redis_up``;
- ``marketplace_offers{state}``: assignments (offers) by state;
  ``marketplace_offers_expired_last_24h``;
- ``marketplace_orders{status}``;
- ``marketplace_capacity_units{state="total|booked|offered"}`` and
  ``marketplace_capacity_utilisation_ratio`` (booked / total) over windows not yet over;
- ``marketplace_factories_paused``, ``marketplace_factories_active``;
- ``marketplace_database_up``, ``marketplace_metrics_scrape_duration_seconds``.

Set METRICS_TOKEN to require ``Authorization: Bearer <token>``; empty leaves it open (put it
behind the proxy's allow-list then).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client.core import CollectorRegistry, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# seconds; matching's own limit is 10 s by default, plus loading and writing
DURATION_BUCKETS = (1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)


def _run_metrics() -> Iterator[Any]:
    from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
    from django.utils import timezone

    from matching.models import MatchRun, MatchRunStatus

    runs = GaugeMetricFamily("marketplace_match_runs", "Match runs by status.", labels=["status"])
    counts = dict(MatchRun.objects.values_list("status").annotate(n=Count("id")).order_by())
    for status in MatchRunStatus.values:
        runs.add_metric([status], counts.get(status, 0))
    yield runs

    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    buckets = {
        f"le_{i}": Count("id", filter=Q(duration__lte=dt.timedelta(seconds=le)))
        for i, le in enumerate(DURATION_BUCKETS)
    }
    rows = (
        MatchRun.objects.filter(
            status__in=[MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED],
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .annotate(duration=duration)
        .values("status")
        .annotate(total=Count("id"), seconds=Sum("duration"), **buckets)
        .order_by()
    )
    histogram = HistogramMetricFamily(
        "marketplace_match_run_duration_seconds",
        "Seconds from start to finish of finished match runs.",
        labels=["status"],
    )
    # the bucket counts are named at run time (le_0, le_1, ...)
    by_status: dict[str, Mapping[str, Any]] = {row["status"]: row for row in rows}
    for status in (MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED):
        row = by_status.get(status)
        total = row["total"] if row else 0
        seconds = row["seconds"].total_seconds() if row and row["seconds"] else 0.0
        points = [(str(le), row[f"le_{i}"] if row else 0) for i, le in enumerate(DURATION_BUCKETS)]
        histogram.add_metric([status], points + [("+Inf", total)], seconds)
    yield histogram

    last = (
        MatchRun.objects.filter(status=MatchRunStatus.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at", "-id")
        .values("gap", "objective", "finished_at", "matched_orders")
        .first()
    )
    if last is not None and last["finished_at"] is not None:  # (the filter above)
        for name, doc, value in (
            ("gap", "Relative optimality gap of the last successful run.", last["gap"]),
            ("objective", "Objective (cost, fen) of the last successful run.", last["objective"]),
            (
                "finished_timestamp_seconds",
                "Unix time the last successful run finished.",
                last["finished_at"].timestamp(),
            ),
            ("matched_orders", "Orders matched by the last run.", last["matched_orders"]),
        ):
            if value is not None:
                yield GaugeMetricFamily(f"marketplace_match_run_last_{name}", doc, value=value)

    oldest = MatchRun.objects.filter(status=MatchRunStatus.QUEUED).aggregate(t=Min("created_at"))
    age = (timezone.now() - oldest["t"]).total_seconds() if oldest["t"] else 0.0
    yield GaugeMetricFamily(
        "marketplace_match_run_oldest_queued_age_seconds",
        "Age of the oldest match run waiting in queued (0 when none).",
        value=max(age, 0.0),
    )


def _marketplace_metrics() -> Iterator[Any]:
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from factories.models import CapacityWindow, Factory
    from matching.models import Assignment, AssignmentStatus
    from orders.models import Order, OrderStatus

    offers = GaugeMetricFamily(
        "marketplace_offers", "Offers (assignments) by state.", labels=["state"]
    )
    counts = dict(Assignment.objects.values_list("status").annotate(n=Count("id")).order_by())
    for status in AssignmentStatus.values:
        offers.add_metric([status], counts.get(status, 0))
    yield offers
    day_ago = timezone.now() - dt.timedelta(hours=24)
    yield GaugeMetricFamily(
        "marketplace_offers_expired_last_24h",
        "Offers that lapsed unanswered in the last 24 hours.",
        value=Assignment.objects.filter(
            status=AssignmentStatus.EXPIRED, updated_at__gte=day_ago
        ).count(),
    )

    orders = GaugeMetricFamily("marketplace_orders", "Orders by status.", labels=["status"])
    counts = dict(Order.objects.values_list("status").annotate(n=Count("id")).order_by())
    for status in OrderStatus.values:
        orders.add_metric([status], counts.get(status, 0))
    yield orders

    units = CapacityWindow.objects.filter(end_date__gte=timezone.localdate()).aggregate(
        total=Sum("total_units"), booked=Sum("booked_units"), offered=Sum("offered_units")
    )
    capacity = GaugeMetricFamily(
        "marketplace_capacity_units",
        "Units of capacity windows not yet over: total, booked (accepted), offered (held).",
        labels=["state"],
    )
    for state in ("total", "booked", "offered"):
        capacity.add_metric([state], units[state] or 0)
    yield capacity
    total = units["total"] or 0
    yield GaugeMetricFamily(
        "marketplace_capacity_utilisation_ratio",
        "Booked share of the units of capacity windows not yet over.",
        value=(units["booked"] or 0) / total if total else 0.0,
    )

    factories = Factory.objects.aggregate(
        paused=Count("id", filter=Q(paused_at__isnull=False)),
        active=Count("id", filter=Q(active=True, verified=True, paused_at__isnull=True)),
    )
    yield GaugeMetricFamily(
        "marketplace_factories_paused",
        "Factories paused (offers let expire in a row) until their owner resumes.",
        value=factories["paused"],
    )
    yield GaugeMetricFamily(
        "marketplace_factories_active",
        "Factories that can receive offers (active, verified, not paused).",
        value=factories["active"],
    )


def _queue_metrics() -> Iterator[Any]:
    from django.conf import settings

    from marketplace.heartbeat import broker_redis_url, queue_depth, redis_client

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    up = GaugeMetricFamily("marketplace_redis_up", "1 when the broker's Redis answered.")
    try:
        depth = queue_depth(redis_client(broker_redis_url()), queue)
    except Exception as exc:
        logger.warning("Metrics: queue depth unavailable: %r", exc)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    family = GaugeMetricFamily(
        "marketplace_celery_queue_depth", "Messages waiting in the Celery queue.", labels=["queue"]
    )
    family.add_metric([queue], depth)
    yield family


class MarketplaceCollector(Collector):
    def describe(self) -> list[Any]:
        return []  # nothing read at registration time

    def collect(self) -> Iterator[Any]:
        from django.db import connection

        started = time.perf_counter()
        database_up = 1
        try:
            # materialise first: a failing query must not leave half a family behind
            families = [*_run_metrics(), *_marketplace_metrics()]
        except Exception as exc:
            logger.warning("Metrics: database unavailable: %r", exc)
            families = []
            database_up = 0
            connection.close_if_unusable_or_obsolete()
        yield from families
        yield GaugeMetricFamily(
            "marketplace_database_up", "1 when the database answered.", value=database_up
        )
        yield from _queue_metrics()
        yield GaugeMetricFamily(
            "marketplace_metrics_scrape_duration_seconds",
            "Seconds this scrape took to read its numbers.",
            value=time.perf_counter() - started,
        )


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(MarketplaceCollector())


def _authorised(request: Any) -> bool:
    from django.conf import settings

    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def metrics(request: Any) -> Any:
    from django.http import HttpResponse, HttpResponseNotAllowed
    from django.utils.cache import add_never_cache_headers

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not _authorised(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = HttpResponse(encoder(REGISTRY), content_type=content_type)
    add_never_cache_headers(response)
    return response
