"""The problem a run solves plans each window at the output its factory demonstrated, once
enough parts measured it, never above what it declared (issue 15, point 3)."""

from __future__ import annotations

import pytest

from factories.models import FactoryCapability
from matching.selectors import matching_problem_load
from tests.builders import make_factory, make_order, make_window

pytestmark = pytest.mark.django_db


def window_as_planned(*, demonstrated: int | None, measured: int) -> tuple[int, int]:
    factory = make_factory()
    window = make_window(factory, start=1, end=10, units_per_day=300)  # declared 1,000 a day
    FactoryCapability.objects.filter(factory=factory).update(
        demonstrated_daily_output=demonstrated, measured_parts=measured
    )
    make_order(quantity=100)
    problem = matching_problem_load(time_limit_seconds=5).problem
    (data,) = [w for w in problem.windows if w.id == window.pk]
    return data.units_per_day, data.remaining_units


def test_a_factory_that_made_half_its_declared_output_is_planned_at_half() -> None:
    assert window_as_planned(demonstrated=500, measured=3) == (150, 1500)


def test_two_measured_parts_are_not_enough_to_plan_by() -> None:
    assert window_as_planned(demonstrated=500, measured=2) == (300, 3000)


def test_no_track_record_keeps_the_declared_output() -> None:
    assert window_as_planned(demonstrated=None, measured=0) == (300, 3000)
