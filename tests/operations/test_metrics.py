"""/metrics: Prometheus exposition read from the database at scrape time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from matching.models import MatchRun, MatchRunStatus
from orders.models import Order, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_run, make_window

pytestmark = pytest.mark.django_db


def _scrape(**headers: Any) -> dict[str, dict[tuple, float]]:
    """{family: {(sample name, sorted labels): value}}"""
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200
    families = {}
    for family in text_string_to_metric_families(response.content.decode()):
        families[family.name] = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for sample in family.samples
        }
    return families


def _finished(status: str, seconds: float, *, ago: float, **kwargs) -> MatchRun:
    finished = timezone.now() - dt.timedelta(seconds=ago)
    return make_run(
        status=status,
        started_at=finished - dt.timedelta(seconds=seconds),
        finished_at=finished,
        **kwargs,
    )


def test_the_metrics_exposition_parses_and_counts_a_small_built_market() -> None:
    # runs: two succeeded (3 s, then 40 s: the last one), one failed (0.5 s), one queued
    _finished(MatchRunStatus.SUCCEEDED, 3, ago=600, gap=0.2, objective=1.0, matched_orders=1)
    last = _finished(
        MatchRunStatus.SUCCEEDED, 40, ago=60, gap=0.01, objective=12345.0, matched_orders=3
    )
    _finished(MatchRunStatus.FAILED, 0.5, ago=30)
    make_run(status=MatchRunStatus.QUEUED)
    # offers: one proposed (holds 300 units), one accepted (books 200), one declined
    factory = make_factory()
    window = make_window(factory, start=1, end=10, units_per_day=100)  # 1,000 units
    for quantity, status in ((300, "proposed"), (200, "accepted"), (100, "declined")):
        make_assignment(make_order(quantity=quantity), window, run=last, status=status)
    # the declined offer's order: cancelled; and one more order, open
    Order.objects.filter(status=OrderStatus.OPEN).update(status=OrderStatus.CANCELLED)
    make_order()

    m = _scrape()

    runs = m["marketplace_match_runs"]
    assert runs[("marketplace_match_runs", (("status", "succeeded"),))] == 2
    assert runs[("marketplace_match_runs", (("status", "failed"),))] == 1
    assert runs[("marketplace_match_runs", (("status", "queued"),))] == 1
    assert runs[("marketplace_match_runs", (("status", "running"),))] == 0

    durations = m["marketplace_match_run_duration_seconds"]
    name = "marketplace_match_run_duration_seconds"
    ok = ("status", "succeeded")
    assert durations[(f"{name}_count", (ok,))] == 2
    assert durations[(f"{name}_sum", (ok,))] == pytest.approx(43, abs=0.01)
    assert durations[(f"{name}_bucket", (("le", "2.5"), ok))] == 0
    assert durations[(f"{name}_bucket", (("le", "5.0"), ok))] == 1
    assert durations[(f"{name}_bucket", (("le", "30.0"), ok))] == 1
    assert durations[(f"{name}_bucket", (("le", "60.0"), ok))] == 2
    assert durations[(f"{name}_bucket", (("le", "+Inf"), ok))] == 2
    failed = ("status", "failed")
    assert durations[(f"{name}_bucket", (("le", "1.0"), failed))] == 1
    assert durations[(f"{name}_count", (failed,))] == 1

    assert m["marketplace_match_run_last_gap"][("marketplace_match_run_last_gap", ())] == 0.01
    last_objective = m["marketplace_match_run_last_objective"]
    assert last_objective[("marketplace_match_run_last_objective", ())] == 12345.0
    last_finished = m["marketplace_match_run_last_finished_timestamp_seconds"][
        ("marketplace_match_run_last_finished_timestamp_seconds", ())
    ]
    assert abs(last_finished - (timezone.now().timestamp() - 60)) < 30
    oldest = m["marketplace_match_run_oldest_queued_age_seconds"][
        ("marketplace_match_run_oldest_queued_age_seconds", ())
    ]
    assert 0 <= oldest < 60

    offers = m["marketplace_offers"]
    assert offers[("marketplace_offers", (("state", "proposed"),))] == 1
    assert offers[("marketplace_offers", (("state", "accepted"),))] == 1
    assert offers[("marketplace_offers", (("state", "declined"),))] == 1
    assert offers[("marketplace_offers", (("state", "expired"),))] == 0

    orders = m["marketplace_orders"]
    assert orders[("marketplace_orders", (("status", "offered"),))] == 1
    assert orders[("marketplace_orders", (("status", "accepted"),))] == 1
    assert orders[("marketplace_orders", (("status", "open"),))] == 1
    assert orders[("marketplace_orders", (("status", "cancelled"),))] == 1
    assert sum(orders.values()) == 4

    capacity = m["marketplace_capacity_units"]
    assert capacity[("marketplace_capacity_units", (("state", "total"),))] == 1000
    assert capacity[("marketplace_capacity_units", (("state", "booked"),))] == 200
    assert capacity[("marketplace_capacity_units", (("state", "offered"),))] == 300
    ratio = m["marketplace_capacity_utilisation_ratio"]
    assert ratio[("marketplace_capacity_utilisation_ratio", ())] == pytest.approx(0.2)
    assert m["marketplace_factories_active"][("marketplace_factories_active", ())] == 1
    assert m["marketplace_factories_paused"][("marketplace_factories_paused", ())] == 0

    assert m["marketplace_database_up"][("marketplace_database_up", ())] == 1
    assert m["marketplace_redis_up"][("marketplace_redis_up", ())] == 1
    [depth] = m["marketplace_celery_queue_depth"].values()
    assert depth == 0


def test_the_metrics_of_an_empty_marketplace_are_zeros_without_last_run_figures() -> None:
    m = _scrape()
    assert set(m["marketplace_match_runs"].values()) == {0}
    assert "marketplace_match_run_last_gap" not in m
    assert (
        m["marketplace_capacity_utilisation_ratio"][("marketplace_capacity_utilisation_ratio", ())]
        == 0
    )


def test_metrics_answer_in_the_prometheus_text_format_or_openmetrics_when_asked() -> None:
    response = Client().get("/metrics")
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    openmetrics = Client().get("/metrics", HTTP_ACCEPT="application/openmetrics-text")
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.content.decode().rstrip().endswith("# EOF")


def test_metrics_ask_for_the_bearer_token_when_metrics_token_is_set() -> None:
    with override_settings(METRICS_TOKEN="s3cret"):
        assert Client().get("/metrics").status_code == 401
        assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
        assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cr\u00e9t").status_code == 401
        assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_metrics_report_redis_down_and_still_answer(closed_port: int) -> None:
    url = f"redis://127.0.0.1:{closed_port}/0"
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
        m = _scrape()
    assert m["marketplace_redis_up"][("marketplace_redis_up", ())] == 0
    assert "marketplace_celery_queue_depth" not in m
    assert "marketplace_match_runs" in m
