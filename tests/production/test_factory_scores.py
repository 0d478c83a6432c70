"""production.scores.factory_scores_recompute: quality and on-time rate from a factory's recent
delivered parts, smoothed towards a prior (4.0 stars, 90% on time, worth 5 orders)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pytest_django import Settings

from factories.models import CapacityWindow, Factory
from matching.models import Assignment, AssignmentStatus
from production.scores import factory_scores_recompute
from production.tasks import factory_scores_recompute_task
from tests.builders import (
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
    run_matching,
    today,
)

pytestmark = pytest.mark.django_db


def window_of(factory: Factory) -> CapacityWindow:
    return factory.windows.first() or make_window(factory, start=1, end=20, units_per_day=100)


def delivered(
    factory: Factory, *, rating: int | None = None, on_time: bool = True, days_ago: int = 0
) -> Assignment:
    """A part the factory made, delivered ``days_ago`` days ago."""
    part = make_assignment(
        make_order(quantity=1), window_of(factory), status=AssignmentStatus.ACCEPTED
    )
    Assignment.objects.filter(pk=part.pk).update(
        delivered_on=today() - dt.timedelta(days=days_ago),
        on_time=on_time,
        quality_rating=rating,
    )
    return part


def scores(factory: Factory) -> tuple[Decimal, Decimal, int]:
    factory.refresh_from_db()
    return factory.quality_score, factory.on_time_rate, factory.scored_orders


def test_a_new_factory_scores_the_prior() -> None:
    factory = make_factory()

    assert factory_scores_recompute(factory_ids=[factory.pk]) == 1

    assert scores(factory) == (Decimal("4.00"), Decimal("0.900"), 0)
    assert factory.scores_updated_at is not None


def test_a_new_factory_starts_at_the_prior_before_any_recompute() -> None:
    factory = make_factory()

    # what the optimizer and the profile see before the first recompute is the same
    # prior a recompute without orders gives
    before = scores(factory)
    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory) == before


def test_an_on_time_delivery_does_not_lower_a_new_factorys_on_time_rate() -> None:
    factory = make_factory()
    before = factory.on_time_rate
    delivered(factory, rating=4, on_time=True)

    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory)[1] >= before


def test_one_bad_rating_moves_the_quality_only_part_of_the_way() -> None:
    factory = make_factory()
    delivered(factory, rating=1, on_time=False)

    factory_scores_recompute(factory_ids=[factory.pk])

    # (4.0 * 5 + 1) / 6 and (0.9 * 5 + 0) / 6
    assert scores(factory) == (Decimal("3.50"), Decimal("0.750"), 1)


def test_the_record_dominates_after_a_few_dozen_orders() -> None:
    factory = make_factory()
    for _ in range(45):
        delivered(factory, rating=1, on_time=False)

    factory_scores_recompute(factory_ids=[factory.pk])

    # (20 + 45) / 50 and 4.5 / 50
    assert scores(factory) == (Decimal("1.30"), Decimal("0.090"), 45)


def test_an_unrated_delivery_counts_for_on_time_only() -> None:
    factory = make_factory()
    delivered(factory, rating=None, on_time=True)
    delivered(factory, rating=5, on_time=True)

    factory_scores_recompute(factory_ids=[factory.pk])

    # (20 + 5) / 6 and (4.5 + 2) / 7
    assert scores(factory) == (Decimal("4.17"), Decimal("0.929"), 2)


def test_parts_not_delivered_do_not_count() -> None:
    factory = make_factory()
    make_assignment(make_order(quantity=1), window_of(factory), status=AssignmentStatus.ACCEPTED)
    make_assignment(make_order(quantity=1), window_of(factory))

    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory) == (Decimal("4.00"), Decimal("0.900"), 0)


def test_ratings_older_than_the_window_drop_out(settings: Settings) -> None:
    settings.SCORES_WINDOW_DAYS = 365
    factory = make_factory()
    delivered(factory, rating=1, on_time=False, days_ago=366)
    delivered(factory, rating=1, on_time=False, days_ago=400)

    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory) == (Decimal("4.00"), Decimal("0.900"), 0)


def test_a_rating_on_the_windows_last_day_still_counts(settings: Settings) -> None:
    settings.SCORES_WINDOW_DAYS = 30
    factory = make_factory()
    delivered(factory, rating=1, on_time=False, days_ago=30)
    delivered(factory, rating=1, on_time=False, days_ago=31)

    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory) == (Decimal("3.50"), Decimal("0.750"), 1)


def test_only_the_most_recent_orders_count(settings: Settings) -> None:
    settings.SCORES_RECENT_ORDERS = 5
    factory = make_factory()
    for days_ago in (20, 19):
        delivered(factory, rating=1, on_time=False, days_ago=days_ago)
    for days_ago in (5, 4, 3, 2, 1):
        delivered(factory, rating=5, on_time=True, days_ago=days_ago)

    factory_scores_recompute(factory_ids=[factory.pk])

    # the last five only: (20 + 25) / 10 and (4.5 + 5) / 10
    assert scores(factory) == (Decimal("4.50"), Decimal("0.950"), 5)


def test_the_prior_is_a_setting(settings: Settings) -> None:
    settings.SCORES_PRIOR_QUALITY = 3.0
    settings.SCORES_PRIOR_ON_TIME = 0.5
    settings.SCORES_PRIOR_WEIGHT = 1.0
    factory = make_factory()
    delivered(factory, rating=5, on_time=True)

    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory) == (Decimal("4.00"), Decimal("0.750"), 1)


def test_only_the_named_factories_are_recomputed() -> None:
    named = make_factory()
    other = make_factory()
    delivered(named, rating=1)
    delivered(other, rating=1)

    assert factory_scores_recompute(factory_ids=[named.pk]) == 1

    assert scores(named)[0] == Decimal("3.50")
    assert scores(other)[0] == Decimal("4.00")
    assert other.scores_updated_at is None


def test_the_periodic_task_updates_every_factory() -> None:
    bad = make_factory()
    good = make_factory()
    idle = make_factory()
    delivered(bad, rating=1, on_time=False)
    delivered(good, rating=5, on_time=True)

    assert factory_scores_recompute_task() == Factory.objects.count() == 3

    assert scores(bad) == (Decimal("3.50"), Decimal("0.750"), 1)
    assert scores(good) == (Decimal("4.17"), Decimal("0.917"), 1)
    assert scores(idle) == (Decimal("4.00"), Decimal("0.900"), 0)
    assert all(f.scores_updated_at is not None for f in Factory.objects.all())


def test_the_next_run_prefers_the_more_reliable_of_two_close_factories() -> None:
    unreliable = make_factory(name="Unreliable")
    make_capability(unreliable, unit_price="9.80")
    reliable = make_factory(name="Reliable")
    make_capability(reliable, unit_price="10.00")
    for factory in (unreliable, reliable):
        make_window(factory, start=1, end=20, units_per_day=100)
    order = make_order(quantity=500)
    run_matching()
    # the cheaper factory wins while both score the prior
    assert Assignment.objects.get(order=order).factory == unreliable

    for _ in range(30):
        delivered(unreliable, rating=1, on_time=False)
    factory_scores_recompute_task()
    again = make_order(quantity=500)
    run_matching()

    assert Assignment.objects.get(order=again).factory == reliable
