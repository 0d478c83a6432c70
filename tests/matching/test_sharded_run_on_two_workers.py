"""A run's shards are solved by several real worker processes; one transaction writes them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import ProductCategory, Role
from matching.models import Assignment, MatchRun, MatchRunStatus
from tests.builders import make_factory, make_order, make_user, make_window
from tests.worker import celery_worker, wait_for

SLUGS = [
    "t-shirts", "hoodies", "dresses", "jeans", "sneakers", "backpacks", "phone-cases",
    "ceramic-mugs",
]  # fmt: skip


def _market_with_one_shard_per_category() -> int:
    """Eight categories, each its own shard: two factories, 12 orders; returns the order count."""
    orders = 0
    for slug in SLUGS:
        category = ProductCategory.objects.get(slug=slug)
        for _ in range(2):
            make_window(make_factory(), category, start=1, end=15, units_per_day=200)
        for n in range(12):
            make_order(category=category, quantity=100 + 25 * n)
            orders += 1
    return orders


def _finished(run_id: int) -> MatchRun | None:
    return MatchRun.objects.filter(
        pk=run_id, status__in=(MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED)
    ).first()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_the_shards_of_one_run_are_solved_by_both_workers() -> None:
    orders = _market_with_one_shard_per_category()
    staff = APIClient()
    staff.force_authenticate(make_user(Role.STAFF))

    with celery_worker() as first, celery_worker() as second:
        response = staff.post("/api/match-runs/")
        assert response.status_code == 201
        run = wait_for(lambda: _finished(response.json()["id"]), timeout=90)
        assert run is not None

    assert run.status == MatchRunStatus.SUCCEEDED, run.error
    assert run.open_orders == orders
    assert len(run.shard_stats) == len(SLUGS)
    assert {shard["worker"] for shard in run.shard_stats} == {first, second}
    assert sorted(shard["shard"] for shard in run.shard_stats) == list(range(len(SLUGS)))
    assert sum(shard["matched_orders"] for shard in run.shard_stats) == run.matched_orders
    assert run.matched_orders == Assignment.objects.filter(run=run).count() > 0
    body = staff.get(f"/api/match-runs/{run.pk}/").json()
    assert {shard["worker"] for shard in body["shard_stats"]} == {first, second}
