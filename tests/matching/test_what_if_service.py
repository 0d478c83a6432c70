"""What-if services: each scenario on a snapshot, the difference against the current plan,
and the live rows left as they were (executed here, without Celery)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from marketplace.models import Role
from matching.models import AssignmentStatus, WhatIf, WhatIfKind, WhatIfStatus
from matching.solver.problem import Commitment, MatchingProblem, SolverParams, WindowData
from matching.tasks import what_if_execute_task
from matching.whatif import (
    capacity_add,
    demand_up,
    factories_drop,
    prices_change,
    what_if_execute,
    what_if_request,
    what_if_sweep,
)
from tests.builders import (
    category,
    days,
    make_factory,
    make_order,
    make_user,
    make_window,
    run_matching,
)
from tests.matching.live_state import live_state

pytestmark = pytest.mark.django_db


def _run(kind: str, **values: Any) -> WhatIf:
    what_if = what_if_request(kind=kind, values=values, requested_by=make_user(Role.STAFF))
    done = what_if_execute(what_if_id=what_if.pk, task_id="t")
    assert done is not None
    assert done.status == WhatIfStatus.SUCCEEDED, done.error
    return done


def test_a_factory_dropping_out_shows_its_orders_moving_and_writes_nothing() -> None:
    near = make_factory(name="Near")
    far = make_factory(name="Far")
    make_window(near, units_per_day=100)
    make_window(far, units_per_day=100)
    # the far factory is dearer: the run offers both orders to the near one
    far.capabilities.update(unit_price=Decimal("11.00"))
    waiting = make_order(title="Waiting", quantity=300)
    accepted_order = make_order(title="Accepted", quantity=300)
    run_matching()
    offer = accepted_order.assignments.get()
    assert offer.factory == near
    from matching.offers import offer_accept

    offer_accept(offer=offer, actor=near.owner)
    assert waiting.assignments.get().factory == near
    before = live_state()

    done = _run(WhatIfKind.FACTORY_DROP, factory=near.pk, date_from=days(0))

    assert live_state() == before
    result = done.result
    losing = {row["order"]: row for row in result["orders_losing_factory"]}
    assert set(losing) == {waiting.pk, accepted_order.pk}
    assert losing[accepted_order.pk]["from"] == [near.pk]
    assert losing[accepted_order.pk]["to"] == [far.pk]
    assert losing[waiting.pk]["to"] == [far.pk]
    assert result["lost_parts"] == 1 and result["lost_units"] == 300
    assert [row["order"] for row in result["moved_offers"]] == [waiting.pk]
    assert result["new_unmatched"] == []
    # both orders are made at the far factory, a CNY a unit dearer (the accepted part's cost
    # counts in the current plan as it was accepted)
    assert result["change"]["production_cost_fen"] == 600 * 100
    assert result["change"]["matched_units"] == 0
    assert result["baseline"]["matched_units"] == 600
    assert result["factory_names"] == {str(near.pk): "Near", str(far.pk): "Far"}
    assert result["order_titles"][str(accepted_order.pk)] == "Accepted"


def test_a_province_dropping_out_leaves_its_orders_unmatched_with_reasons() -> None:
    factory = make_factory(province="Zhejiang")
    make_window(factory)
    order = make_order(quantity=500)
    run_matching()

    done = _run(WhatIfKind.FACTORY_DROP, province="Zhejiang", date_from=days(0))

    result = done.result
    assert result["new_unmatched"] == [{"order": order.pk, "reason": "no_capable_factory"}]
    assert result["orders_losing_factory"][0]["to"] == []
    assert result["change"]["matched_orders"] == -1
    assert result["change"]["matched_units"] == -500
    assert result["scenario"]["capacity_units"] == 0
    assert result["scenario"]["fill_percent"] is None


def test_more_demand_fills_more_capacity_and_leaves_some_unmatched() -> None:
    make_window(make_factory(), units_per_day=100, start=1, end=20)  # 2,000 units
    make_order(quantity=500, due_date=days(30))
    make_order(quantity=500, due_date=days(30))
    make_order(quantity=500, due_date=days(90))  # not due in the weeks: not copied

    done = _run(
        WhatIfKind.DEMAND_UP,
        category=category().pk,
        percent=100,
        date_from=days(20),
        date_to=days(40),
    )

    result = done.result
    assert result["extra_orders"] == 2 and result["extra_units"] == 1000
    assert result["baseline"]["matched_units"] == 1500
    # 2,500 units wanted, 2,000 made: one order of 500 (a real one or a copy) is left out
    scenario = result["scenario"]
    assert scenario["matched_units"] + scenario["extra_matched_units"] == 2000
    left_out = [row["reason"] for row in result["new_unmatched"]]
    for reason, count in result["extra_unmatched_by_reason"].items():
        left_out += [reason] * count
    assert left_out == ["capacity_full"]
    assert result["change"]["used_units"] == 500
    assert scenario["fill_percent"] == 100


def test_new_capacity_matches_an_order_the_current_capacity_cannot_take() -> None:
    factory = make_factory()
    make_window(factory, units_per_day=10)
    order = make_order(quantity=500)

    done = _run(
        WhatIfKind.NEW_CAPACITY,
        factory=factory.pk,
        category=category().pk,
        units_per_day=100,
        date_from=days(2),
        date_to=days(12),
    )

    assert done.result["newly_matched"] == [order.pk]
    assert done.result["change"]["matched_units"] == 500
    assert done.result["baseline"]["matched_orders"] == 0


def test_a_price_rise_above_the_sellers_limit_unmatches_the_order() -> None:
    factory = make_factory()
    make_window(factory)
    order = make_order(quantity=500, max_unit_price=Decimal("12.00"))
    run_matching()

    done = _run(WhatIfKind.PRICE_CHANGE, factory=factory.pk, percent=30)

    assert done.result["new_unmatched"] == [{"order": order.pk, "reason": "price_below_market"}]
    assert done.result["moved_offers"][0]["to"] == []


@override("en")
def test_the_request_refuses_unknown_rows_and_bad_dates() -> None:
    with pytest.raises(ValidationError) as refused:
        what_if_parameters_error(WhatIfKind.FACTORY_DROP, factory=10**9, date_from=days(1))
    assert "factory" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        what_if_parameters_error(
            WhatIfKind.DEMAND_UP,
            category=category().pk,
            percent=10,
            date_from=days(5),
            date_to=days(1),
        )
    assert refused.value.message_dict == {"date_to": ["The last day is before the first day."]}
    assert not WhatIf.objects.exists()


def what_if_parameters_error(kind: str, **values: Any) -> None:
    what_if_request(kind=kind, values=values, requested_by=None)


def test_the_failure_hook_marks_the_what_if_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    from matching import whatif

    def broken(problem: MatchingProblem) -> None:
        raise ValueError("bad input")

    monkeypatch.setattr(whatif, "solve", broken)
    what_if = what_if_request(
        kind=WhatIfKind.PRICE_CHANGE,
        values={"percent": 5, "category": category().pk},
        requested_by=None,
    )

    outcome = what_if_execute_task.apply(args=(what_if.pk,))

    assert outcome.failed()
    what_if.refresh_from_db()
    assert (what_if.status, what_if.error) == (WhatIfStatus.FAILED, "ValueError: bad input")
    # a second delivery of the task finds it finished and does nothing
    assert what_if_execute(what_if_id=what_if.pk, task_id="again") is None


@override("en")
def test_the_sweep_sends_stale_what_ifs_again_and_fails_lost_ones(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from matching import tasks

    sent: list[tuple[int, ...]] = []
    monkeypatch.setattr(
        tasks.what_if_execute_task, "apply_async", lambda args: sent.append(tuple(args))
    )
    long_ago = timezone.now() - dt.timedelta(hours=2)
    stale = WhatIf.objects.create(kind=WhatIfKind.PRICE_CHANGE, parameters={"percent": 5})
    fresh = WhatIf.objects.create(kind=WhatIfKind.PRICE_CHANGE, parameters={"percent": 5})
    lost = WhatIf.objects.create(
        kind=WhatIfKind.PRICE_CHANGE, status=WhatIfStatus.RUNNING, started_at=long_ago
    )
    working = WhatIf.objects.create(
        kind=WhatIfKind.PRICE_CHANGE, status=WhatIfStatus.RUNNING, started_at=timezone.now()
    )
    WhatIf.objects.filter(pk=stale.pk).update(created_at=long_ago)

    assert what_if_sweep() == (1, 1)

    assert sent == [(stale.pk,)]
    lost.refresh_from_db()
    assert lost.status == WhatIfStatus.FAILED
    assert lost.error.startswith(f"No result {settings.MATCHING_LOST_RUN_AFTER_SECONDS} s after")
    statuses = dict(WhatIf.objects.values_list("pk", "status"))
    assert statuses[fresh.pk] == WhatIfStatus.QUEUED
    assert statuses[working.pk] == WhatIfStatus.RUNNING


def test_a_task_delivered_again_resumes_its_own_what_if_and_no_other() -> None:
    make_window(make_factory())
    make_order()
    what_if = what_if_request(
        kind=WhatIfKind.PRICE_CHANGE,
        values={"category": category().pk, "percent": 5},
        requested_by=None,
    )
    WhatIf.objects.filter(pk=what_if.pk).update(status=WhatIfStatus.RUNNING, task_id="first")

    assert what_if_execute(what_if_id=what_if.pk, task_id="another") is None
    done = what_if_execute(what_if_id=what_if.pk, task_id="first")

    assert done is not None and done.status == WhatIfStatus.SUCCEEDED


# --- the scenarios on the frozen dataclasses ---------------------------------------------


def _problem(*windows: WindowData) -> MatchingProblem:
    return MatchingProblem(
        first_production_date=dt.date(2026, 1, 1),
        orders=(),
        factories=(),
        windows=windows,
        solver=SolverParams(),
    )


def test_a_dropped_factorys_window_ends_the_day_before_and_loses_later_work() -> None:
    from matching.selectors import PlanPart

    window = WindowData(
        id=1,
        factory_id=7,
        category_id=1,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 20),
        units_per_day=10,
        remaining_units=100,
        commitments=(
            Commitment(dt.date(2026, 1, 1), dt.date(2026, 1, 5), 50),
            Commitment(dt.date(2026, 1, 8), dt.date(2026, 1, 12), 50),
        ),
    )
    other = dataclasses.replace(window, id=2, factory_id=8)
    late = PlanPart(
        1, 100, 7, 1, 50, AssignmentStatus.ACCEPTED, dt.date(2026, 1, 8), dt.date(2026, 1, 12)
    )
    early = dataclasses.replace(
        late,
        assignment_id=2,
        order_id=101,
        planned_start=dt.date(2026, 1, 1),
        planned_finish=dt.date(2026, 1, 5),
    )

    scenario = factories_drop(
        _problem(window, other),
        factory_ids=frozenset({7}),
        day=dt.date(2026, 1, 11),
        fixed_parts=[late, early],
    )

    cut, kept = scenario.problem.windows
    assert kept == other
    assert cut.end_date == dt.date(2026, 1, 10)
    assert cut.commitments == (Commitment(dt.date(2026, 1, 1), dt.date(2026, 1, 5), 50),)
    assert cut.remaining_units == 50  # 100 units in 10 days, 50 kept
    assert scenario.lost_parts == (late,)


def test_the_other_scenarios_change_copies_of_the_snapshot() -> None:
    window = WindowData(1, 7, 1, dt.date(2026, 1, 1), dt.date(2026, 1, 20), 10, 200)
    problem = _problem(window)

    added = capacity_add(
        problem,
        factory_id=7,
        category_id=1,
        units_per_day=5,
        first=dt.date(2026, 2, 1),
        last=dt.date(2026, 2, 10),
    )
    assert added.problem.windows[-1].remaining_units == 50
    assert problem.windows == (window,)
    assert (
        demand_up(
            problem,
            category_id=1,
            percent=50,
            first=dt.date(2026, 1, 1),
            last=dt.date(2026, 12, 31),
        ).extra_orders
        == {}
    )
    assert prices_change(problem, factory_id=None, category_id=1, percent=10).touched == 0
