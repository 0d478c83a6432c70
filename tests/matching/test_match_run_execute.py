"""The match_run_execute service: claim, solve, re-check, write, record."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal

import pytest

from factories.models import CapacityWindow
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus
from matching.runs import MatchRunBusy, match_run_request
from matching.solve import match_run_execute
from matching.solver import MatchingProblem, MatchingSolution, shards, solve
from orders.models import Order, OrderStatus
from tests.builders import category, make_factory, make_order, make_window

pytestmark = pytest.mark.django_db


def _queued_run() -> MatchRun:
    run, created = match_run_request(trigger="manual")
    assert created
    return run


def test_it_offers_the_order_and_books_the_window() -> None:
    window = make_window(make_factory(), units_per_day=100, start=1, end=20)
    order = make_order(quantity=500)

    run = match_run_execute(run_id=_queued_run().pk, task_id="task-1")

    assert run is not None and run.status == MatchRunStatus.SUCCEEDED
    assert (run.open_orders, run.matched_orders, run.matched_units) == (1, 1, 500)
    assert run.started_at and run.finished_at and run.task_id == "task-1"
    assert run.production_cost == 500 * window.factory.capabilities.get().unit_price
    assert run.transport_cost is not None and run.transport_cost > 0
    assert None not in (run.load_seconds, run.build_seconds, run.solve_seconds, run.write_seconds)
    order.refresh_from_db()
    window.refresh_from_db()
    assert order.status == OrderStatus.OFFERED
    assert window.offered_units == 500
    assignment = Assignment.objects.get()
    assert (assignment.order, assignment.window, assignment.quantity) == (order, window, 500)
    assert assignment.status == AssignmentStatus.PROPOSED


def test_a_second_delivery_of_the_same_run_does_nothing() -> None:
    make_window(make_factory())
    make_order()
    run = _queued_run()

    assert match_run_execute(run_id=run.pk, task_id="task-1") is not None
    assert match_run_execute(run_id=run.pk, task_id="task-2") is None

    assert Assignment.objects.count() == 1
    assert CapacityWindow.objects.get().offered_units == 500


def test_a_retry_of_the_same_task_resumes_its_running_run() -> None:
    make_window(make_factory())
    make_order()
    run = _queued_run()
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRunStatus.RUNNING, task_id="task-1")

    assert match_run_execute(run_id=run.pk, task_id="task-2") is None
    resumed = match_run_execute(run_id=run.pk, task_id="task-1")

    assert resumed is not None and resumed.status == MatchRunStatus.SUCCEEDED
    assert Assignment.objects.count() == 1


def test_it_waits_while_another_run_is_running() -> None:
    running = _queued_run()
    MatchRun.objects.filter(pk=running.pk).update(status=MatchRunStatus.RUNNING, task_id="a")
    waiting = _queued_run()

    with pytest.raises(MatchRunBusy):
        match_run_execute(run_id=waiting.pk, task_id="b")

    waiting.refresh_from_db()
    assert waiting.status == MatchRunStatus.QUEUED


def test_it_records_why_orders_stay_unmatched() -> None:
    make_window(make_factory(), units_per_day=100, start=1, end=5)
    cheap = make_order(max_unit_price="5.00")
    too_big = make_order(quantity=900)  # the window holds 500
    fits = make_order(quantity=400)

    match_run_execute(run_id=_queued_run().pk, task_id="t")

    reasons = dict(Order.objects.values_list("pk", "unmatched_reason"))
    assert reasons[cheap.pk] == "price_below_market"
    assert reasons[too_big.pk] == "capacity_full"
    assert reasons[fits.pk] == ""
    assert Order.objects.get(pk=fits.pk).status == OrderStatus.OFFERED


def test_it_skips_an_order_the_seller_edited_while_the_solver_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_window(make_factory())
    order = make_order(quantity=500)

    def edit_then_solve(problem: MatchingProblem) -> MatchingSolution:
        from orders.services import order_update

        order_update(order=Order.objects.get(pk=order.pk), data={"quantity": 50_000})
        return solve(problem)

    monkeypatch.setattr(shards, "solve", edit_then_solve)
    run = match_run_execute(run_id=_queued_run().pk, task_id="t")
    assert run is not None

    assert run.status == MatchRunStatus.SUCCEEDED
    assert run.matched_orders == 0
    assert Assignment.objects.count() == 0
    assert CapacityWindow.objects.get().offered_units == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_it_never_books_more_than_a_window_has_left(monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(make_factory(), units_per_day=100, start=1, end=5)  # 500 units
    first, second = make_order(quantity=300), make_order(quantity=300)

    def overbooking_solve(problem: MatchingProblem) -> MatchingSolution:
        solution = solve(dataclasses.replace(problem, orders=problem.orders[:1]))
        only = solution.assignments[0]
        twin = dataclasses.replace(
            only, order_id=second.pk if only.order_id == first.pk else first.pk
        )
        return dataclasses.replace(solution, assignments=(only, twin))

    monkeypatch.setattr(shards, "solve", overbooking_solve)
    run = match_run_execute(run_id=_queued_run().pk, task_id="t")
    assert run is not None

    window.refresh_from_db()
    assert run.matched_orders == 1
    assert window.offered_units == 300
    assert Assignment.objects.count() == 1


def test_proposed_offers_hold_their_capacity_in_the_next_run() -> None:
    window = make_window(make_factory(), units_per_day=100, start=1, end=5)  # 500 units
    make_order(quantity=400)
    match_run_execute(run_id=_queued_run().pk, task_id="t1")
    late = make_order(quantity=200)

    run = match_run_execute(run_id=_queued_run().pk, task_id="t2")
    assert run is not None

    window.refresh_from_db()
    assert run.matched_orders == 0
    assert window.offered_units == 400
    assert Order.objects.get(pk=late.pk).unmatched_reason == "capacity_full"


def test_it_skips_a_factory_that_raised_its_price_while_the_solver_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window(make_factory())
    make_order(quantity=500, max_unit_price="12.00")
    capability = window.factory.capabilities.get()

    def reprice_then_solve(problem: MatchingProblem) -> MatchingSolution:
        from factories.services import capability_update

        capability_update(capability=capability, unit_price=Decimal("11.50"))
        return solve(problem)

    monkeypatch.setattr(shards, "solve", reprice_then_solve)
    run = match_run_execute(run_id=_queued_run().pk, task_id="t")
    assert run is not None

    assert run.matched_orders == 0
    assert Assignment.objects.count() == 0
    assert CapacityWindow.objects.get().offered_units == 0


def test_it_skips_a_factory_deactivated_while_the_solver_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window(make_factory())
    make_order(quantity=500)

    def deactivate_then_solve(problem: MatchingProblem) -> MatchingSolution:
        from factories.services import factory_update

        factory_update(factory=window.factory, data={"active": False})
        return solve(problem)

    monkeypatch.setattr(shards, "solve", deactivate_then_solve)
    run = match_run_execute(run_id=_queued_run().pk, task_id="t")
    assert run is not None

    assert run.matched_orders == 0
    assert Assignment.objects.count() == 0


def test_it_keeps_the_reason_off_an_order_the_seller_fixed_while_the_solver_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_window(make_factory())
    make_order()  # a shard to solve, so that the solver runs
    cheap = make_order(max_unit_price="5.00")

    def fix_price_then_solve(problem: MatchingProblem) -> MatchingSolution:
        from orders.services import order_update

        order_update(order=Order.objects.get(pk=cheap.pk), data={"max_unit_price": "15.00"})
        return solve(problem)

    monkeypatch.setattr(shards, "solve", fix_price_then_solve)
    match_run_execute(run_id=_queued_run().pk, task_id="t")

    assert Order.objects.get(pk=cheap.pk).unmatched_reason == ""


def test_shards_solved_side_by_side_count_their_seconds_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two shards (t-shirts, hoodies), each held a second in its solve, in two lanes
    for _ in range(2):
        make_window(make_factory(), units_per_day=100, start=1, end=20)
        make_order(quantity=500)
    make_window(make_factory(), category("hoodies"), units_per_day=100, start=1, end=20)
    make_order(category=category("hoodies"), quantity=500)
    solve_for_a_second = solve

    def slow(shard: MatchingProblem) -> MatchingSolution:
        time.sleep(1.0)
        solution = solve_for_a_second(shard)
        return dataclasses.replace(solution, solve_seconds=solution.solve_seconds + 1.0)

    monkeypatch.setattr(shards, "solve", slow)

    queued = _queued_run()
    started = time.perf_counter()
    run = match_run_execute(run_id=queued.pk, task_id="task-1")
    elapsed = time.perf_counter() - started

    assert run is not None and run.status == MatchRunStatus.SUCCEEDED
    assert (run.matched_orders, len(run.shard_stats)) == (3, 2)
    assert run.solve_seconds is not None and run.build_seconds is not None
    # the shards overlapped: their seconds add up to more than the run took, and the run
    # reports the time it took
    assert sum(shard["seconds"] for shard in run.shard_stats) > elapsed
    assert 1.0 < run.build_seconds + run.solve_seconds < elapsed
