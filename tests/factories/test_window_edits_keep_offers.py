"""Editing a capacity window never takes away the days its accepted orders were planned on;
unanswered offers do not hold the owner (one that no longer fits cannot be accepted)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from factories.models import CapacityWindow
from marketplace.models import User
from matching.models import Assignment
from matching.offers import offer_accept
from tests.builders import make_factory, make_order, make_window, run_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered_window(owner: User) -> CapacityWindow:
    """100 units a day on days 1-10; a run has planned a 300-unit order on days 1-3."""
    window = make_window(make_factory(owner), start=1, end=10, units_per_day=100)
    make_order(quantity=300, due_date=window.end_date)
    assert run_matching().matched_orders == 1
    offer_accept(offer=Assignment.objects.get(), actor=owner)
    window.refresh_from_db()
    assert (window.booked_units, window.offered_units) == (300, 0)
    return window


def test_it_refuses_fewer_units_per_day_when_an_accepted_order_would_miss_its_days(
    owner_api: APIClient, offered_window: CapacityWindow
) -> None:
    response = owner_api.patch(
        f"/api/capacity-windows/{offered_window.pk}/", {"units_per_day": 60}, format="json"
    )

    assert response.status_code == 400
    assert "planned days" in response.json()["units_per_day"][0]
    offered_window.refresh_from_db()
    assert offered_window.units_per_day == 100


def test_it_allows_more_units_per_day_around_accepted_orders(
    owner_api: APIClient, offered_window: CapacityWindow
) -> None:
    response = owner_api.patch(
        f"/api/capacity-windows/{offered_window.pk}/", {"units_per_day": 150}, format="json"
    )

    assert response.status_code == 200
    offered_window.refresh_from_db()
    assert offered_window.total_units == 1500


def test_an_unanswered_offer_does_not_stop_the_owner_shrinking_the_window(
    owner: User, owner_api: APIClient
) -> None:
    window = make_window(make_factory(owner), start=1, end=10, units_per_day=100)
    make_order(quantity=300, due_date=window.end_date)
    assert run_matching().matched_orders == 1

    response = owner_api.patch(
        f"/api/capacity-windows/{window.pk}/", {"units_per_day": 20}, format="json"
    )

    assert response.status_code == 200
    window.refresh_from_db()
    assert (window.total_units, window.booked_units, window.offered_units) == (200, 0, 300)
