"""Probation of new factories in matching: the run's loader gives a factory on probation its
limits, the solver leaves an order over them to other factories (or unmatched with the
reason ``factory_on_probation`` and a smaller quantity to try), and accepting an offer made
before the limits applied is a 409."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from factories.models import CapacityWindow, Factory
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from matching.selectors import matching_problem_load
from orders.models import Order, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_window, run_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def probation(settings: Settings) -> Settings:
    """3 orders of probation, at most 1,000 units and 8,000 CNY an order."""
    settings.PROBATION_ORDERS = 3
    settings.PROBATION_MAX_UNITS = 1000
    settings.PROBATION_MAX_VALUE = 8000
    return settings


def test_the_loader_gives_a_new_factory_its_limits(probation: Settings) -> None:
    new = make_factory()
    make_window(new)
    old = make_factory()
    make_window(old)
    Factory.objects.filter(pk=old.pk).update(probation_ended_at=timezone.now())
    make_order()

    loaded = matching_problem_load(time_limit_seconds=1).problem

    limits = {f.id: (f.max_order_units, f.max_order_value_fen) for f in loaded.factories}
    assert limits == {new.pk: (1000, 800_000), old.pk: (None, None)}


def test_no_limits_when_probation_is_off(settings: Settings) -> None:
    settings.PROBATION_ORDERS = 0
    make_window(make_factory())
    make_order()

    loaded = matching_problem_load(time_limit_seconds=1).problem

    assert [(f.max_order_units, f.max_order_value_fen) for f in loaded.factories] == [(None, None)]


def test_an_order_over_the_units_limit_is_unmatched_with_the_probation_reason(
    probation: Settings, seller: User
) -> None:
    make_window(make_factory(), units_per_day=500)  # 10.00 a unit
    order = make_order(seller, quantity=1500)

    run_matching()

    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.unmatched_reason == "factory_on_probation"
    # the largest quantity the new factory may take at its price: 8,000 CNY / 10.00 = 800
    assert order.relax_suggestion["quantity"] == 800


def test_an_order_over_the_value_limit_goes_to_an_established_factory(
    probation: Settings,
) -> None:
    new = make_window(make_factory(), units_per_day=500)
    old = make_window(make_factory(), units_per_day=500)
    old.factory.capabilities.update(unit_price="11.00")  # dearer, yet the only one allowed
    Factory.objects.filter(pk=old.factory_id).update(probation_ended_at=timezone.now())
    order = make_order(quantity=900)  # 9,000 CNY at the new factory's 10.00

    run_matching()

    offers = Assignment.objects.filter(order=order)
    assert [o.factory_id for o in offers] == [old.factory_id]
    assert new.factory_id != old.factory_id


def test_an_order_within_the_limits_goes_to_the_new_factory(probation: Settings) -> None:
    window = make_window(make_factory(), units_per_day=500)
    order = make_order(quantity=800)  # 8,000 CNY: just within

    run_matching()

    assert Assignment.objects.get(order=order).factory_id == window.factory_id


def test_the_limits_are_lifted_after_probation(probation: Settings) -> None:
    window = make_window(make_factory(), units_per_day=500)
    Factory.objects.filter(pk=window.factory_id).update(probation_clean_deliveries=3)
    order = make_order(quantity=1500)

    run_matching()

    assert Assignment.objects.get(order=order).factory_id == window.factory_id


def test_accepting_an_offer_over_the_limits_is_a_409_and_books_nothing(
    probation: Settings, owner: User, owner_api: APIClient
) -> None:
    window = make_window(make_factory(owner), units_per_day=500)
    offer = make_assignment(make_order(quantity=1200), window)  # made before the limits

    response = owner_api.post(f"/api/offers/{offer.pk}/accept/")

    assert response.status_code == 409, response.content
    body = response.json()
    assert "probation" in body["detail"]
    assert "1,000 units" in body["detail"]
    assert body["allowed_actions"] == ["decline"]
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.PROPOSED
    assert CapacityWindow.objects.get(pk=window.pk).booked_units == 0
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.OFFERED


def test_accepting_an_offer_within_the_limits_works(
    probation: Settings, owner: User, owner_api: APIClient
) -> None:
    window = make_window(make_factory(owner), units_per_day=500)
    offer = make_assignment(make_order(quantity=600), window)

    response = owner_api.post(f"/api/offers/{offer.pk}/accept/")

    assert response.status_code == 200, response.content
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.ACCEPTED
    assert offer.promised_finish is not None
    assert offer.promised_finish >= timezone.localdate() - dt.timedelta(days=1)


def test_a_counter_offer_over_the_value_limit_is_a_409_and_changes_nothing(
    probation: Settings, owner: User, owner_api: APIClient
) -> None:
    window = make_window(make_factory(owner), units_per_day=500)
    offer = make_assignment(make_order(quantity=750), window)  # 7,500 CNY at 10.00: within

    too_dear = owner_api.post(
        f"/api/offers/{offer.pk}/counter/", {"unit_price": "11.00"}, format="json"
    )  # 8,250 CNY: over the 8,000
    within = owner_api.post(
        f"/api/offers/{offer.pk}/counter/", {"unit_price": "10.60"}, format="json"
    )  # 7,950 CNY

    assert too_dear.status_code == 409, too_dear.content
    assert "probation" in too_dear.json()["detail"]
    assert within.status_code == 200, within.content
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.COUNTERED
