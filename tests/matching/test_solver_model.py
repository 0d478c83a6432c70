"""Small instances whose optimum is worked out by hand.

Everything sits in Shanghai unless a test moves a factory, so with the default
transport parameters an order ships in 1 day at 20 fen per unit and its latest
finish is the day before its due date. ``day(1)`` is the first production date.
"""

import datetime as dt

from matching.solver import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    PlannedAssignment,
    Priority,
    SolverParams,
    UnmatchedReason,
    WindowData,
    solve,
)
from matching.solver.candidates import find_candidates
from matching.solver.model import EXACT_MAX_PAIRS, solve_component

FIRST_DAY = dt.date(2025, 3, 1)
LAT, LON = 31.2304, 121.4737
# 9 degrees of latitude north of Shanghai: about 1000.7 km, so 1 + 3 transport days
# and 20 + 101 fen per unit of transport.
FAR_LAT = LAT + 9
SOLVER = SolverParams(time_limit_seconds=5, workers=1)


def day(n: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=n - 1)


def factory(
    factory_id: int = 1,
    *,
    price: int = 100,
    min_quantity: int = 1,
    max_quantity: int = 10_000,
    quality: int = 50,
    active: bool = True,
    verified: bool = True,
    category_id: int = 1,
    latitude: float = LAT,
) -> FactoryData:
    return FactoryData(
        id=factory_id,
        latitude=latitude,
        longitude=LON,
        min_order_quantity=min_quantity,
        max_order_quantity=max_quantity,
        capabilities=(Capability(category_id=category_id, unit_price_fen=price, daily_output=10),),
        active=active,
        verified=verified,
        quality_score=quality,
    )


def window(
    window_id: int = 1,
    factory_id: int = 1,
    *,
    start: int = 1,
    end: int = 10,
    per_day: int = 10,
    remaining: int | None = None,
    commitments: tuple[Commitment, ...] = (),
    category_id: int = 1,
) -> WindowData:
    if remaining is None:
        remaining = per_day * (end - start + 1)
    return WindowData(
        id=window_id,
        factory_id=factory_id,
        category_id=category_id,
        start_date=day(start),
        end_date=day(end),
        units_per_day=per_day,
        remaining_units=remaining,
        commitments=commitments,
    )


def order(
    order_id: int,
    *,
    quantity: int = 10,
    max_price: int = 1_000,
    due: int = 20,
    rush: bool = False,
    age: int = 0,
    category_id: int = 1,
) -> OrderData:
    return OrderData(
        id=order_id,
        category_id=category_id,
        quantity=quantity,
        max_unit_price_fen=max_price,
        due_date=day(due),
        latitude=LAT,
        longitude=LON,
        priority=Priority.RUSH if rush else Priority.NORMAL,
        age_days=age,
    )


def run(
    orders: list[OrderData], factories: list[FactoryData], windows: list[WindowData]
) -> MatchingSolution:
    problem = MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        solver=SOLVER,
    )
    return solve(problem)


def assigned(solution: MatchingSolution) -> dict[int, PlannedAssignment]:
    return {a.order_id: a for a in solution.assignments}


def windows_of(solution: MatchingSolution) -> dict[int, int]:
    return {a.order_id: a.window_id for a in solution.assignments}


# --- one order, one window ---------------------------------------------------------------


def test_it_assigns_a_single_order_to_the_only_window() -> None:
    solution = run([order(1, quantity=25)], [factory()], [window()])

    assert solution.solver_status == "OPTIMAL"
    assert solution.unmatched == {}
    assert solution.candidate_pairs == 1
    (a,) = solution.assignments
    assert (a.order_id, a.factory_id, a.window_id, a.quantity) == (1, 1, 1, 25)
    assert (a.unit_price_fen, a.distance_km) == (100, 0.0)
    assert (a.transport_days, a.transport_cost_fen_per_unit) == (1, 20)
    assert (a.planned_start, a.planned_finish) == (day(1), day(3))
    assert solution.production_cost_fen == 2_500
    assert solution.transport_cost_fen == 500


def test_objective_and_bound_are_the_production_and_transport_cost_in_fen() -> None:
    solution = run([order(1, quantity=30)], [factory(price=90, quality=50)], [window()])

    # 30 units * (90 fen + 20 fen transport)
    assert solution.objective == 30 * 110
    assert solution.best_bound == solution.objective
    assert solution.gap == 0.0
    assert solution.build_seconds >= 0.0
    assert solution.solve_seconds > 0.0


# --- who gets the capacity ---------------------------------------------------------------


def test_it_matches_the_most_units_when_orders_compete_for_capacity() -> None:
    orders = [order(1, quantity=30), order(2, quantity=30), order(3, quantity=20)]
    solution = run(orders, [factory()], [window(end=5)])  # 50 units

    assert solution.matched_units == 50
    assert 3 in assigned(solution)
    assert len(solution.unmatched) == 1
    assert set(solution.unmatched.values()) == {UnmatchedReason.CAPACITY_FULL}


def test_it_prefers_rush_orders_when_capacity_is_short() -> None:
    # 50 units of room: the normal order alone scores 50 * 1000, the rush order 20 * 4000.
    orders = [order(1, quantity=50), order(2, quantity=20, rush=True)]
    solution = run(orders, [factory()], [window(end=5)])

    assert set(assigned(solution)) == {2}
    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}


def test_it_prefers_older_orders_when_everything_else_is_equal() -> None:
    orders = [order(1, quantity=30, age=2), order(2, quantity=30, age=5)]
    solution = run(orders, [factory()], [window(end=3)])

    assert set(assigned(solution)) == {2}


def test_age_counts_for_at_most_one_hundred_days() -> None:
    # Capped at 100, an ancient order of 30 units scores 30 * 1100 < 34 * 1000.
    orders = [order(1, quantity=30, age=5_000), order(2, quantity=34)]
    solution = run(orders, [factory()], [window(end=4, remaining=34)])

    assert set(assigned(solution)) == {2}


def test_it_matches_more_orders_before_it_saves_cost() -> None:
    factories = [factory(1, price=100), factory(2, price=500)]
    windows = [window(1, 1, end=3), window(2, 2, end=3)]
    solution = run([order(1, quantity=30), order(2, quantity=30)], factories, windows)

    assert sorted(windows_of(solution).values()) == [1, 2]


# --- cost and quality --------------------------------------------------------------------


def test_it_gives_the_order_to_the_cheaper_factory() -> None:
    factories = [factory(1, price=100), factory(2, price=90)]
    windows = [window(1, 1), window(2, 2)]
    solution = run([order(1, quantity=30)], factories, windows)

    assert windows_of(solution) == {1: 2}


def test_it_counts_transport_cost_when_choosing_a_factory() -> None:
    # The far factory is 5 fen cheaper to make but 101 fen dearer to ship.
    factories = [factory(1, price=100), factory(2, price=95, latitude=FAR_LAT)]
    windows = [window(1, 1), window(2, 2)]
    solution = run([order(1, quantity=30)], factories, windows)

    assert windows_of(solution) == {1: 1}


def test_quality_breaks_ties_between_equally_priced_factories() -> None:
    factories = [factory(1, quality=40), factory(2, quality=80), factory(3, quality=60)]
    windows = [window(1, 1), window(2, 2), window(3, 3)]
    solution = run([order(1, quantity=30)], factories, windows)

    assert windows_of(solution) == {1: 2}


def test_quality_never_outweighs_one_fen_of_cost() -> None:
    factories = [factory(1, price=100, quality=0), factory(2, price=101, quality=100)]
    windows = [window(1, 1), window(2, 2)]
    solution = run([order(1, quantity=30)], factories, windows)

    assert windows_of(solution) == {1: 1}


# --- eligibility filters and reason codes ------------------------------------------------


def test_an_order_of_another_category_has_no_capable_factory() -> None:
    solution = run([order(1, category_id=2)], [factory()], [window()])

    assert solution.solver_status == "NO_CANDIDATES"
    assert solution.assignments == ()
    assert solution.unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}
    assert (solution.objective, solution.best_bound, solution.candidate_pairs) == (0.0, 0.0, 0)


def test_a_window_of_the_right_category_needs_a_factory_capability_for_it() -> None:
    solution = run([order(1)], [factory(category_id=2)], [window(category_id=1)])

    assert solution.unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}


def test_inactive_or_unverified_factories_are_not_capable() -> None:
    factories = [factory(1, active=False), factory(2, verified=False)]
    windows = [window(1, 1), window(2, 2)]
    solution = run([order(1)], factories, windows)

    assert solution.unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}


def test_a_window_whose_factory_is_missing_is_ignored() -> None:
    solution = run([order(1)], [factory(1)], [window(1, factory_id=99)])

    assert solution.unmatched == {1: UnmatchedReason.NO_CAPABLE_FACTORY}


def test_an_order_priced_below_every_factory_is_price_below_market() -> None:
    solution = run([order(1, max_price=99)], [factory(price=100)], [window()])

    assert solution.unmatched == {1: UnmatchedReason.PRICE_BELOW_MARKET}


def test_the_max_price_is_inclusive() -> None:
    solution = run([order(1, max_price=100)], [factory(price=100)], [window()])

    assert set(assigned(solution)) == {1}


def test_quantities_outside_the_factory_range_are_out_of_range() -> None:
    orders = [order(1, quantity=9), order(2, quantity=51), order(3, quantity=10)]
    solution = run(orders, [factory(min_quantity=10, max_quantity=50)], [window()])

    assert solution.unmatched == {
        1: UnmatchedReason.QUANTITY_OUT_OF_RANGE,
        2: UnmatchedReason.QUANTITY_OUT_OF_RANGE,
    }
    assert set(assigned(solution)) == {3}


def test_an_order_due_before_any_usable_day_is_due_date_too_soon() -> None:
    # Due on day 1: its latest finish (day 0) is before the first production date.
    orders = [order(1, due=1), order(2, due=12)]
    solution = run(orders, [factory()], [window(start=5, end=10)])

    # Order 2 finishes by day 11 but the window is usable from day 5.
    assert solution.unmatched == {1: UnmatchedReason.DUE_DATE_TOO_SOON}
    assert set(assigned(solution)) == {2}


def test_a_window_that_starts_after_the_latest_finish_is_due_date_too_soon() -> None:
    solution = run([order(1, due=5)], [factory()], [window(start=5, end=10)])

    assert solution.unmatched == {1: UnmatchedReason.DUE_DATE_TOO_SOON}


def test_a_window_that_ended_before_the_first_production_date_is_not_usable() -> None:
    solution = run([order(1)], [factory()], [window(start=-5, end=0)])

    assert solution.unmatched == {1: UnmatchedReason.DUE_DATE_TOO_SOON}


def test_an_order_too_big_for_the_days_before_its_latest_finish_is_capacity_full() -> None:
    # Latest finish day 4: 40 units of room.
    solution = run([order(1, quantity=41, due=5)], [factory()], [window()])

    assert solution.solver_status == "NO_CANDIDATES"
    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}


def test_the_reason_is_the_filter_that_removed_the_last_window() -> None:
    factories = [factory(1, price=200), factory(2, price=100, max_quantity=5)]
    windows = [window(1, 1), window(2, 2), window(3, 1, category_id=2)]
    solution = run([order(1, quantity=10, max_price=150)], factories, windows)

    # Window 3 fails the category, window 1 the price, window 2 last, on quantity.
    assert solution.unmatched == {1: UnmatchedReason.QUANTITY_OUT_OF_RANGE}


def test_transport_days_push_the_latest_finish_earlier() -> None:
    # 4 transport days from the far factory: due day 11 means finished by day 7.
    far = factory(latitude=FAR_LAT)
    fits = run([order(1, quantity=70, due=11)], [far], [window()])
    too_big = run([order(1, quantity=71, due=11)], [far], [window()])
    near = run([order(1, quantity=100, due=11)], [factory()], [window()])

    (a,) = fits.assignments
    assert (a.transport_days, a.transport_cost_fen_per_unit) == (4, 121)
    assert a.distance_km > 1000
    assert a.planned_finish == day(7)
    assert too_big.unmatched == {1: UnmatchedReason.CAPACITY_FULL}
    assert near.assignments[0].planned_finish == day(10)


# --- commitments and remaining units -----------------------------------------------------


def test_booked_work_keeps_its_days() -> None:
    booked = (Commitment(start=day(1), finish=day(4), units=40),)
    orders = [order(1, quantity=10, due=5), order(2, quantity=10, due=6)]
    solution = run(orders, [factory()], [window(commitments=booked)])

    # Days 1-4 are taken; order 1 must finish by day 4 and cannot.
    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}
    a = assigned(solution)[2]
    assert (a.planned_start, a.planned_finish) == (day(5), day(5))


def test_booked_work_on_days_before_the_first_production_date_is_done() -> None:
    booked = (Commitment(start=day(-3), finish=day(-1), units=30),)
    solution = run(
        [order(1, quantity=100, due=11)],
        [factory()],
        [window(start=-3, commitments=booked)],
    )

    a = assigned(solution)[1]
    assert (a.planned_start, a.planned_finish) == (day(1), day(10))


def test_an_urgent_new_order_does_not_push_booked_work_out_of_its_days() -> None:
    # 60 units are booked for days 1-6; an early order would have to take their place.
    booked = (Commitment(start=day(1), finish=day(6), units=60),)
    early = run([order(1, quantity=10, due=4)], [factory()], [window(commitments=booked)])
    late = run([order(1, quantity=10, due=9)], [factory()], [window(commitments=booked)])

    assert early.unmatched == {1: UnmatchedReason.CAPACITY_FULL}
    a = assigned(late)[1]
    assert (a.planned_start, a.planned_finish) == (day(7), day(7))


def test_new_orders_use_the_days_around_booked_work() -> None:
    booked = (Commitment(start=day(3), finish=day(4), units=20),)
    solution = run([order(1, quantity=30, due=7)], [factory()], [window(commitments=booked)])

    # days 1, 2 and 5 are free before the latest finish (day 6)
    a = assigned(solution)[1]
    assert (a.planned_start, a.planned_finish) == (day(1), day(5))


def test_booked_work_beyond_the_capacity_never_makes_the_model_infeasible() -> None:
    booked = (Commitment(start=day(1), finish=day(4), units=80),)  # spills to day 8
    orders = [order(1, quantity=10, due=4), order(2, quantity=20, due=11)]
    solution = run(orders, [factory()], [window(commitments=booked)])

    assert solution.solver_status == "OPTIMAL"
    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}
    a = assigned(solution)[2]
    assert (a.planned_start, a.planned_finish) == (day(9), day(10))


def test_remaining_units_cap_the_new_units_of_a_window() -> None:
    orders = [order(1, quantity=20), order(2, quantity=10), order(3, quantity=30)]
    solution = run(orders, [factory()], [window(remaining=25)])

    assert set(assigned(solution)) == {1}
    assert solution.unmatched == {
        2: UnmatchedReason.CAPACITY_FULL,
        3: UnmatchedReason.CAPACITY_FULL,
    }


# --- planned dates -----------------------------------------------------------------------


def test_planned_dates_follow_earliest_deadline_first() -> None:
    booked = (Commitment(start=day(1), finish=day(1), units=10),)
    orders = [order(1, quantity=25, due=10), order(2, quantity=15, due=4)]
    solution = run(orders, [factory()], [window(commitments=booked)])

    # Day 1 is booked; order 2 (due first) takes days 2-3, order 1 the rest of day 3 to day 5.
    first, second = assigned(solution)[1], assigned(solution)[2]
    assert (second.planned_start, second.planned_finish) == (day(2), day(3))
    assert (first.planned_start, first.planned_finish) == (day(3), day(5))


def test_orders_due_on_the_same_day_are_scheduled_by_order_id() -> None:
    orders = [order(2, quantity=10, due=5), order(1, quantity=10, due=5)]
    solution = run(orders, [factory()], [window(per_day=5)])

    assert assigned(solution)[1].planned_finish == day(2)
    assert assigned(solution)[2].planned_start == day(3)


def test_planned_dates_stay_between_the_first_usable_day_and_the_latest_finish() -> None:
    factories = [factory(1), factory(2, price=120, latitude=FAR_LAT)]
    windows = [
        window(1, 1, start=-3, end=6, per_day=7, commitments=(Commitment(day(2), day(3), 9),)),
        window(2, 2, start=3, end=12, per_day=9),
    ]
    orders = [
        order(i, quantity=3 + (7 * i) % 17, due=4 + (5 * i) % 11, rush=i % 3 == 0, age=i)
        for i in range(1, 13)
    ]
    solution = run(orders, factories, windows)

    by_id = {o.id: o for o in orders}
    starts = {w.id: max(w.start_date, FIRST_DAY) for w in windows}
    assert solution.assignments
    for a in solution.assignments:
        latest_finish = by_id[a.order_id].due_date - dt.timedelta(days=a.transport_days)
        assert starts[a.window_id] <= a.planned_start <= a.planned_finish <= latest_finish
    assert set(assigned(solution)) | set(solution.unmatched) == set(by_id)
    assert not set(assigned(solution)) & set(solution.unmatched)


# --- solver status -----------------------------------------------------------------------


def test_a_component_without_time_falls_back_to_the_greedy_answer() -> None:
    # more pairs than a component solved exactly (EXACT_MAX_PAIRS) may have
    orders = tuple(order(i, quantity=2) for i in range(1, EXACT_MAX_PAIRS + 2))
    problem = MatchingProblem(FIRST_DAY, orders, (factory(),), (window(),), solver=SOLVER)
    candidates, _unmatched = find_candidates(problem)

    result = solve_component(candidates, problem, 0.0)

    assert result.status == "FEASIBLE"
    assert sorted(c.order.id for c, _units in result.chosen) == [o.id for o in orders]
    # a feasible answer without any proof of its quality
    assert result.best_bound == 0


def test_a_tiny_component_is_solved_exactly_even_without_time() -> None:
    problem = MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=(order(1, quantity=25), order(2, category_id=2)),
        factories=(factory(),),
        windows=(window(),),
        solver=SolverParams(time_limit_seconds=0.0, workers=1),
    )
    solution = solve(problem)

    assert solution.solver_status == "OPTIMAL"
    assert [a.order_id for a in solution.assignments] == [1]
    assert solution.candidate_pairs == 1
    assert solution.unmatched == {2: UnmatchedReason.NO_CAPABLE_FACTORY}
    assert solution.best_bound == solution.objective


def test_a_window_edit_that_squeezes_booked_work_is_detected() -> None:
    from matching.solver.schedule import late_commitments

    booked = (
        Commitment(start=day(1), finish=day(3), units=30),
        Commitment(start=day(4), finish=day(5), units=15),
    )

    assert late_commitments(window(per_day=10, commitments=booked)) == []
    assert late_commitments(window(per_day=8, commitments=booked)) == list(booked)
    assert late_commitments(window(per_day=10, end=4, commitments=booked)) == [booked[1]]


def test_booked_work_planned_into_leftover_days_still_fits_when_read_back() -> None:
    # Found by manage.py simulate_season: a later run put B into the days A left free (day 2,
    # then days 6-7). Read back in order of planned start, B took A's days and A looked late,
    # so the owner could no longer edit the window; read earliest-deadline-first, both fit.
    from matching.solver.schedule import free_per_day, late_commitments

    a = Commitment(start=day(3), finish=day(5), units=30)
    b = Commitment(start=day(2), finish=day(8), units=20)
    booked = window(per_day=10, start=1, end=10, commitments=(a, b))

    assert late_commitments(booked) == []
    assert free_per_day(booked, day(1)) == (10, 0, 0, 0, 0, 0, 10, 10, 10, 10)
