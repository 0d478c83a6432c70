"""A match run through the database with per-pair acceptance estimates
(MATCHING_PAIR_ACCEPT): each pair of an order and a window weighed by the chance, fitted on
the factories' past answers, that the factory accepts that order at its price, distance and
the window's load."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import override_settings

from factories.models import CapacityWindow
from matching.models import Assignment, AssignmentStatus, DeclineReason
from matching.offers import offer_accept, offer_decline
from matching.selectors import matching_problem_load, pair_answers
from orders.models import Order, OrderStatus
from tests.builders import (
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
)
from tests.matching.test_match_run_accept_rates import offered_factory

pytestmark = pytest.mark.django_db


def answered(window: CapacityWindow, *answers: tuple[str, float]) -> None:
    """Past offers of the window's factory with their answers and the load the factory saw
    (their orders long done)."""
    for status, load in answers:
        offer = make_assignment(make_order(quantity=100), window, status=status, quantity=100)
        Assignment.objects.filter(pk=offer.pk).update(window_load=load)
        Order.objects.filter(pk=offer.order_id).update(status=OrderStatus.CANCELLED)


def silent_and_answering() -> tuple[int, int]:
    """A cheaper factory that let every offer so far expire, a dearer one that answered (and
    accepted) every one; one open order either could make."""
    silent, answering = make_factory(), make_factory()
    make_capability(silent, unit_price="9.00")
    make_capability(answering, unit_price="9.50")
    answered(make_window(silent, start=1, end=20), *[(AssignmentStatus.EXPIRED, 0.0)] * 4)
    answered(make_window(answering, start=1, end=20), *[(AssignmentStatus.ACCEPTED, 0.0)] * 4)
    make_order(quantity=300, request_match=True)
    return silent.pk, answering.pk


def test_it_loads_no_pair_estimates_by_default() -> None:
    silent_and_answering()
    problem = matching_problem_load(time_limit_seconds=5).problem
    assert [o.window_accept for o in problem.orders] == [()]


@override_settings(MATCHING_PAIR_ACCEPT=True)
def test_it_gives_every_window_within_the_order_s_price_an_estimate() -> None:
    silent, answering = silent_and_answering()
    problem = matching_problem_load(time_limit_seconds=5).problem
    factory_of = {w.id: w.factory_id for w in problem.windows}
    (order,) = problem.orders
    chance = {factory_of[w]: rate for w, rate in order.window_accept}
    assert set(chance) == {silent, answering}
    assert chance[silent] < chance[answering]


def test_without_estimates_the_cheaper_silent_factory_gets_the_offer() -> None:
    silent, _ = silent_and_answering()
    assert offered_factory() == silent


@override_settings(MATCHING_PAIR_ACCEPT=True)
def test_with_estimates_the_factory_that_answers_gets_the_offer() -> None:
    _, answering = silent_and_answering()
    assert offered_factory() == answering


@override_settings(MATCHING_PAIR_ACCEPT=True)
def test_a_busy_window_loses_the_offer_when_busy_factories_have_said_no() -> None:
    # both factories answer; each accepted when its window was nearly free and declined when
    # it was nearly full
    busy, free = make_factory(), make_factory()
    make_capability(busy, unit_price="9.00")
    make_capability(free, unit_price="9.50")
    history = [(AssignmentStatus.ACCEPTED, 0.1), (AssignmentStatus.DECLINED, 0.9)] * 4
    answered(make_window(busy, start=30, end=60), *history)
    answered(make_window(free, start=30, end=60), *history)
    # now the cheaper factory's window is 80% booked by work from outside
    busy_window = make_window(busy, start=1, end=20)
    CapacityWindow.objects.filter(pk=busy_window.pk).update(booked_units=F("total_units") * 8 / 10)
    make_window(free, start=1, end=20)
    make_order(quantity=300, request_match=True)

    assert offered_factory() == free.pk


def test_an_answer_records_the_load_the_factory_saw_besides_the_offer() -> None:
    factory = make_factory()
    window = make_window(factory, units_per_day=100, start=1, end=10)  # 1,000 units
    make_assignment(make_order(quantity=200), window, status=AssignmentStatus.ACCEPTED)
    make_assignment(make_order(quantity=100), window)  # another offer, unanswered
    accepted = make_assignment(make_order(quantity=300), window)
    declined = make_assignment(make_order(quantity=50), window)

    offer_accept(offer=accepted, actor=None)
    offer_decline(offer=declined, actor=None, reason=DeclineReason.NO_CAPACITY)

    accepted.refresh_from_db()
    declined.refresh_from_db()
    # booked 200, offered 100 + 300 + 50; each answer leaves its own units out
    assert accepted.window_load == pytest.approx(0.35)
    # after the accept: booked 500, offered 150
    assert declined.window_load == pytest.approx(0.6)


def test_the_estimate_reads_answers_and_expiries_with_their_features() -> None:
    factory = make_factory()
    window = make_window(factory)
    answered(
        window,
        (AssignmentStatus.ACCEPTED, 0.2),
        (AssignmentStatus.DECLINED, 0.7),
        (AssignmentStatus.EXPIRED, 0.0),
    )
    # offered at 10.00 (make_assignment) on orders of 12.00, 1,200 km away
    found = pair_answers(factory_ids=[factory.pk])
    assert [(a.answered, a.accepted) for a in found] == [
        (True, True),
        (True, False),
        (False, False),
    ]
    assert found[0].features == pytest.approx((0.2, 1.2, 0.2))
    assert found[1].features[2] == pytest.approx(0.7)
