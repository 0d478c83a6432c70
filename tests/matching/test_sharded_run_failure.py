"""A shard that keeps failing fails its run after bounded retries, and nothing is written.

Uses Celery's in-process test worker on the real Redis broker, so that the solver of one
shard can be made to fail from the test.
"""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from factories.models import CapacityWindow
from marketplace.celery import app
from marketplace.models import ProductCategory
from matching.models import Assignment, MatchRunStatus
from matching.runs import match_run_request
from matching.solver import MatchingProblem, MatchingSolution, model, shards
from orders.models import Order, OrderStatus
from tests.builders import make_factory, make_order, make_window
from tests.worker import wait_for


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_shard_that_keeps_failing_fails_the_run_without_partial_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bags = ProductCategory.objects.get(slug="backpacks")
    for category in (ProductCategory.objects.get(slug="t-shirts"), bags):
        make_window(make_factory(), category)
        make_order(category=category)
    real_solve = model.solve  # what shards calls, until patched below
    attempts: list[int] = []

    def solve_but_not_bags(problem: MatchingProblem) -> MatchingSolution:
        if problem.orders[0].category_id == bags.pk:
            attempts.append(1)
            raise RuntimeError("solver crashed")
        return real_solve(problem)

    monkeypatch.setattr(shards, "solve", solve_but_not_bags)
    app.control.purge()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        run, _ = match_run_request(trigger="manual")
        run = wait_for(
            lambda: run.__class__.objects.filter(pk=run.pk, status=MatchRunStatus.FAILED).first(),
            timeout=60,
        )

    assert "A shard failed after retries" in run.error
    assert "solver crashed" in run.error
    assert len(attempts) == 1 + settings.MATCHING_SHARD_RETRIES
    assert not Assignment.objects.exists()
    assert set(CapacityWindow.objects.values_list("offered_units", flat=True)) == {0}
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.OPEN}
