"""A match run through the database with acceptance-aware offers (MATCHING_ACCEPT_RATES):
each capability's share of offers accepted, learned from the factories' answers, scales
the solver's weight of its units."""

from __future__ import annotations

import pytest
from django.test import override_settings

from factories.models import CapacityWindow
from matching.models import Assignment, AssignmentStatus
from matching.selectors import matching_problem_load
from orders.models import Order, OrderStatus
from tests.builders import (
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
    run_matching,
)

pytestmark = pytest.mark.django_db


def answered(window: CapacityWindow, *statuses: str) -> None:
    """Past offers of the window's factory, answered as given (their orders long done)."""
    for status in statuses:
        offer = make_assignment(make_order(quantity=100), window, status=status, quantity=100)
        Order.objects.filter(pk=offer.order_id).update(status=OrderStatus.CANCELLED)


def reluctant_and_willing() -> tuple[int, int]:
    """A cheaper factory that declined or let lapse every offer so far, a dearer one that
    accepted every one; one open order either could make."""
    reluctant, willing = make_factory(), make_factory()
    make_capability(reluctant, unit_price="9.00")
    make_capability(willing, unit_price="9.50")
    # windows long enough for the past offers (booked when accepted) and the new order
    answered(
        make_window(reluctant, units_per_day=100, start=1, end=20),
        AssignmentStatus.DECLINED,
        AssignmentStatus.DECLINED,
        AssignmentStatus.DECLINED,
        AssignmentStatus.EXPIRED,
    )
    answered(
        make_window(willing, units_per_day=100, start=1, end=20),
        *[AssignmentStatus.ACCEPTED] * 4,
    )
    make_order(quantity=300, request_match=True)
    return reluctant.pk, willing.pk


def offered_factory() -> int:
    run = run_matching()
    return Assignment.objects.get(run=run, status=AssignmentStatus.PROPOSED).factory_id


def test_it_loads_no_acceptance_rates_by_default() -> None:
    reluctant_and_willing()
    problem = matching_problem_load(time_limit_seconds=5).problem
    assert {c.accept_rate for f in problem.factories for c in f.capabilities} == {None}


@override_settings(MATCHING_ACCEPT_RATES=True)
def test_it_loads_each_capability_s_smoothed_share_of_offers_accepted() -> None:
    reluctant, willing = reluctant_and_willing()
    problem = matching_problem_load(time_limit_seconds=5).problem
    rates = {f.id: [c.accept_rate for c in f.capabilities] for f in problem.factories}
    # the factory's share (0 + 0.8 x 4) / (4 + 4) = 0.4; its capability's (0 + 0.4 x 4) / 8
    assert rates[reluctant] == [pytest.approx(0.2)]
    # (4 + 0.8 x 4) / 8 = 0.9; (4 + 0.9 x 4) / 8 = 0.95
    assert rates[willing] == [pytest.approx(0.95)]


def test_without_acceptance_rates_the_cheaper_reluctant_factory_gets_the_offer() -> None:
    reluctant, _ = reluctant_and_willing()
    assert offered_factory() == reluctant


@override_settings(MATCHING_ACCEPT_RATES=True)
def test_with_acceptance_rates_the_willing_factory_gets_the_offer() -> None:
    _, willing = reluctant_and_willing()
    assert offered_factory() == willing
