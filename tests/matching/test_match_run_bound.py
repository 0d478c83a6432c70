"""Every match run stores the whole-problem bound and the gap of its answer to it, and its
report shows them."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import Role
from tests.builders import make_factory, make_order, make_user, make_window, run_matching

pytestmark = pytest.mark.django_db


def test_a_run_stores_a_valid_bound_and_gap_and_its_report_shows_them(client: Client) -> None:
    # 2,000 units of room for 2,400 units of orders: not every order fits
    make_window(make_factory(), units_per_day=100, start=1, end=20)
    for quantity in (800, 900, 700):
        make_order(quantity=quantity)

    run = run_matching()

    assert run.value is not None and run.value_bound is not None and run.gap is not None
    assert 0 < run.value <= run.value_bound
    assert run.gap == pytest.approx((run.value_bound - run.value) / run.value_bound, abs=1e-6)
    assert 0.0 <= run.gap < 0.5
    shard = run.shard_stats[0]
    assert shard["value"] == run.value and shard["value_bound"] == run.value_bound

    client.force_login(make_user(Role.STAFF))
    body = client.get(f"/staff/runs/{run.pk}/").content.decode()
    assert "Gap to the bound" in body
    assert 'id="run-bound"' in body and f"{round(run.value_bound):,}" in body
