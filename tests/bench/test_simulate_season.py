"""``manage.py simulate_season``: a small season through the services and a real worker, its
invariants checked after every simulated day; and the checks themselves catch a broken
state."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bench.season_db import season_invariants
from demo.data import demo_data_create
from factories.models import CapacityWindow
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus
from matching.offers import offer_accept
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import run_matching
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def simulate(**options: object) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("simulate_season", stdout=out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_season_runs_on_a_worker_and_keeps_every_invariant(category_tree: None) -> None:
    with celery_worker():
        days = simulate(days=6, factories=12, orders_per_week=70, seed=3, run_timeout=120)

    assert [day["day"] for day in days] == list(range(6))
    assert all(day["violations"] == [] for day in days)
    assert all(day["run_status"] == MatchRunStatus.SUCCEEDED for day in days)
    assert MatchRun.objects.filter(status=MatchRunStatus.SUCCEEDED).count() == 6
    counted = {key for day in days for key, value in day.items() if type(value) is int}
    total = {key: sum(day.get(key, 0) for day in days) for key in counted - {"day", "run"}}
    assert total["orders_created"] == Order.objects.count() > 0
    assert total["offers_accepted"] > 0 and total["milestones"] > 0
    assert Assignment.objects.filter(status=AssignmentStatus.ACCEPTED).exists()
    assert Order.objects.filter(status=OrderStatus.IN_PRODUCTION).exists()


def test_it_refuses_a_database_with_the_demo_data(category_tree: None) -> None:
    call_command("seed_demo", verbosity=0, factories=5, orders=5)

    with pytest.raises(CommandError, match="fresh database"):
        simulate(days=1)


def test_it_refuses_nonsense_sizes() -> None:
    with pytest.raises(CommandError, match="--days must be at least 1"):
        simulate(days=0)


def test_the_invariants_name_an_overbooked_window_and_a_broken_history(
    category_tree: None,
) -> None:
    demo_data_create(seed=1, factories=8, orders=30)
    run_matching()
    offer = Assignment.objects.filter(status=AssignmentStatus.PROPOSED).order_by("pk").first()
    assert offer is not None
    offer_accept(offer=offer, actor=offer.factory.owner)
    assert season_invariants() == []

    window = offer.window
    CapacityWindow.objects.filter(pk=window.pk).update(offered_units=window.total_units)
    OrderEvent.objects.filter(order_id=offer.order_id).delete()

    problems = season_invariants()
    assert any(p.startswith(f"window {window.pk}: booked") for p in problems), problems
    assert any(p.startswith(f"window {window.pk}: holds") for p in problems), problems
    assert f"order {offer.order_id}: history does not start with its creation" in problems
