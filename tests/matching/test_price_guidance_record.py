"""A run's write stores, per window with idle room, the prices at which the factory would have
been given the orders it lost on price; only the latest run's guidance is kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from marketplace.models import User
from matching.models import PriceGuidance
from matching.selectors import price_guidance_list
from tests.builders import make_factory, make_order, make_user, make_window, run_matching

pytestmark = pytest.mark.django_db


def levels(**filters: object) -> list[tuple[Decimal, int, int, list[int]]]:
    return [
        (g.unit_price, g.orders, g.units, g.order_ids)
        for g in PriceGuidance.objects.filter(**filters).order_by("-unit_price")
    ]


def test_a_run_stores_the_prices_at_which_the_idle_window_would_have_been_filled(
    owner: User,
) -> None:
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=20)  # 10.00
    matched = make_order(quantity=500, max_unit_price="12.00")
    first = make_order(quantity=500, max_unit_price="9.00")
    second = make_order(quantity=600, max_unit_price="8.50")
    make_order(quantity=500, max_unit_price="4.00")  # below half the price: not counted

    run = run_matching()

    assert run.assignments.get().order_id == matched.pk
    assert levels(run=run, window=window) == [
        (Decimal("9.00"), 1, 500, [first.pk]),
        (Decimal("8.50"), 2, 1100, sorted([first.pk, second.pk])),
    ]
    row = PriceGuidance.objects.filter(run=run).first()
    assert row is not None
    assert (row.factory_id, row.current_unit_price) == (window.factory_id, Decimal("10.00"))
    # 2,000 units in the window; the run offered 500
    assert row.idle_units == 1500


def test_the_next_run_replaces_the_guidance_of_the_last(owner: User) -> None:
    make_window(make_factory(owner), units_per_day=100)
    make_order(quantity=500, max_unit_price="9.00")
    first = run_matching()
    second = run_matching()

    assert set(PriceGuidance.objects.values_list("run_id", flat=True)) == {second.pk}
    assert first.pk != second.pk


def test_a_run_with_nothing_lost_on_price_stores_none(owner: User) -> None:
    make_window(make_factory(owner), units_per_day=100)
    make_order(quantity=500, max_unit_price="12.00")

    run_matching()

    assert not PriceGuidance.objects.exists()


@override_settings(MATCHING_PRICE_GUIDANCE_SECONDS=0)
def test_no_time_for_guidance_means_no_guidance(owner: User) -> None:
    make_window(make_factory(owner), units_per_day=100)
    make_order(quantity=500, max_unit_price="9.00")

    run_matching()

    assert not PriceGuidance.objects.exists()


def test_each_owner_reads_only_the_guidance_of_their_own_windows(owner: User) -> None:
    mine = make_window(make_factory(owner), units_per_day=100)
    other_owner = make_user("factory_owner")
    theirs = make_window(make_factory(other_owner), units_per_day=100)
    make_order(quantity=500, max_unit_price="9.00")

    run_matching()

    assert {g.window_id for g in price_guidance_list(owner=owner)} == {mine.pk}
    assert {g.window_id for g in price_guidance_list(owner=other_owner)} == {theirs.pk}
