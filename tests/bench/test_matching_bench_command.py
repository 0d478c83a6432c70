"""``manage.py matching_bench``: bulk-load a tiny market, run the real task, print JSON; never
touch data that is not the bench's."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from factories.models import CapacityWindow
from marketplace.models import ProductCategory
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus
from orders.models import Order, OrderStatus
from tests.builders import make_order

PHASES = ("load_seconds", "build_seconds", "solve_seconds", "write_seconds")


def bench(**options: object) -> dict[str, Any]:
    out = StringIO()
    call_command(
        "matching_bench",
        orders=60,
        factories=20,
        weeks=4,
        seed=2,
        time_limit=2.0,
        stdout=out,
        **options,
    )
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_it_loads_the_market_runs_the_task_and_prints_phase_times_as_json() -> None:
    report = bench()
    run = MatchRun.objects.get(pk=report["run_id"])
    assert run.status == MatchRunStatus.SUCCEEDED
    assert report["status"] == "succeeded"
    assert (report["orders"], report["factories"], report["open_orders"]) == (60, 20, 60)
    for phase in PHASES:
        assert report[phase] == pytest.approx(getattr(run, phase), abs=1e-3)
        assert report[phase] >= 0
    assert report["run_seconds"] >= report["run_solver_seconds"] > 0
    assert report["solver_seconds"] > 0  # the in-memory solve of the same instance
    assert report["solver_matched_orders"] > 0
    assert run.matched_orders is not None
    assert report["matched_orders"] == run.matched_orders > 0
    assert report["windows"] == CapacityWindow.objects.count() > 0
    offers = Assignment.objects.filter(run=run)
    assert offers.count() == run.matched_orders
    assert Order.objects.filter(status=OrderStatus.OFFERED).count() == run.matched_orders
    # booked work from an "earlier run" was loaded as accepted offers
    booked = Assignment.objects.filter(status=AssignmentStatus.ACCEPTED).count()
    assert booked == report["booked_offers"] > 0


@pytest.mark.django_db
def test_a_second_run_is_refused_until_reset_deletes_the_bench_data() -> None:
    first = bench()
    with pytest.raises(CommandError, match="--reset"):
        bench()
    second = bench(reset=True)
    assert (
        second["deleted_before"]["orders"]
        == Order.objects.filter(
            status__in=(OrderStatus.OPEN, OrderStatus.OFFERED, OrderStatus.ACCEPTED)
        ).count()
    )
    assert not MatchRun.objects.filter(pk=first["run_id"]).exists()
    assert ProductCategory.objects.filter(slug="t-shirts").exists()


@pytest.mark.django_db
def test_it_refuses_a_database_with_real_orders_and_reset_leaves_them_alone() -> None:
    real = make_order()
    with pytest.raises(CommandError, match="empty database"):
        bench(reset=True)
    real.refresh_from_db()
    assert real.status == OrderStatus.OPEN
    assert not MatchRun.objects.exists()
