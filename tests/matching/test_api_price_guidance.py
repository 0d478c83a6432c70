"""``GET /api/price-guidance/``: the latest run's price guidance for the owner's own windows."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from tests.builders import make_factory, make_order, make_user, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_owner_reads_the_prices_that_would_have_filled_each_window(
    owner: User, owner_api: APIClient
) -> None:
    window = make_window(make_factory(owner, name="Idle Knits"), units_per_day=100)
    order = make_order(quantity=1500, max_unit_price="9.50")
    run = run_matching()

    body = owner_api.get("/api/price-guidance/", {"window": window.pk}).json()

    (row,) = body["results"]
    assert row["run"] == run.pk
    assert (row["window"], row["factory_name"]) == (window.pk, "Idle Knits")
    assert (row["window_start"], row["window_end"]) == (
        window.start_date.isoformat(),
        window.end_date.isoformat(),
    )
    assert (row["current_unit_price"], row["unit_price"]) == ("10.00", "9.50")
    assert (row["orders"], row["units"], row["order_ids"]) == (1, 1500, [order.pk])
    assert row["idle_units"] == 2000
    assert owner_api.get(f"/api/price-guidance/{row['id']}/").json() == row


def test_another_owner_gets_404_and_an_empty_list(owner: User, owner_api: APIClient) -> None:
    make_window(make_factory(owner), units_per_day=100)
    make_order(quantity=1500, max_unit_price="9.50")
    run_matching()
    row_id = owner_api.get("/api/price-guidance/").json()["results"][0]["id"]
    other = client_for(make_user("factory_owner"))

    assert other.get(f"/api/price-guidance/{row_id}/").status_code == 404
    assert other.get("/api/price-guidance/").json()["results"] == []


def test_a_bad_window_filter_is_a_400(owner_api: APIClient) -> None:
    response = owner_api.get("/api/price-guidance/", {"window": "x"})

    assert response.status_code == 400
    assert "window" in response.json()
