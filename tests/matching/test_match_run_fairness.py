"""A match run through the database with the fairness setting (MATCHING_FAIRNESS_PERCENT)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from matching.models import Assignment, AssignmentStatus
from matching.selectors import matching_problem_load
from tests.builders import (
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
    run_matching,
)

pytestmark = pytest.mark.django_db


def busy_and_idle() -> tuple[int, int]:
    """A cheaper factory with half its window booked and a dearer idle one; one open order."""
    busy, idle = make_factory(), make_factory()
    make_capability(busy, unit_price="9.00")
    make_capability(idle, unit_price="9.50")
    booked = make_window(busy, units_per_day=100, start=1, end=20)
    make_window(idle, units_per_day=100, start=1, end=20)
    make_assignment(make_order(quantity=1000), booked, status=AssignmentStatus.ACCEPTED)
    make_order(quantity=300)
    return busy.pk, idle.pk


def offered_factory() -> int:
    run = run_matching()
    offers = Assignment.objects.filter(run=run, status=AssignmentStatus.PROPOSED)
    return offers.get().factory_id


def test_it_loads_each_factory_s_booked_share_when_fairness_is_on() -> None:
    busy, idle = busy_and_idle()
    with override_settings(MATCHING_FAIRNESS_PERCENT=20):
        problem = matching_problem_load(time_limit_seconds=5).problem
    shares = {f.id: f.booked_percent for f in problem.factories}
    assert shares == {busy: 50, idle: 0}


def test_without_fairness_the_cheaper_busy_factory_gets_the_offer() -> None:
    busy, _ = busy_and_idle()
    assert offered_factory() == busy


@override_settings(MATCHING_FAIRNESS_PERCENT=20)
def test_with_fairness_the_idle_factory_gets_the_offer() -> None:
    _, idle = busy_and_idle()
    assert offered_factory() == idle
