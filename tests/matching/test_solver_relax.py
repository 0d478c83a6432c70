"""What to relax: the single change that would have made an unmatched order matchable.

The builders come from ``test_solver_model``: everything sits in Shanghai (1 transport
day, so the latest finish is the day before the due date) unless a factory is moved to
``FAR_LAT`` (4 transport days); ``day(1)`` is the first production date and a window
makes 10 units a day from day 1 to day 10 unless told otherwise.
"""

from __future__ import annotations

import dataclasses
import random

from matching.solver import (
    Commitment,
    FactoryData,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    UnmatchedReason,
    WindowData,
    solve,
)
from matching.solver.candidates import find_candidates
from matching.solver.relax import Relaxation, suggest_relaxations, windows_after
from matching.solver.serialize import from_data, to_data
from tests.matching.test_solver_model import (
    FAR_LAT,
    FIRST_DAY,
    SOLVER,
    assigned,
    day,
    factory,
    order,
    window,
)


def problem_of(
    orders: list[OrderData], factories: list[FactoryData], windows: list[WindowData]
) -> MatchingProblem:
    return MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        solver=SOLVER,
    )


def relax(
    orders: list[OrderData], factories: list[FactoryData], windows: list[WindowData]
) -> tuple[MatchingSolution, dict[int, Relaxation]]:
    problem = problem_of(orders, factories, windows)
    solution = solve(problem)
    return solution, suggest_relaxations(problem, solution)


def nothing_matched(problem: MatchingProblem) -> MatchingSolution:
    """A solution that leaves every order unmatched (as a solver out of time would)."""
    return MatchingSolution(
        solver_status="UNKNOWN",
        assignments=(),
        unmatched={o.id: UnmatchedReason.CAPACITY_FULL for o in problem.orders},
        candidate_pairs=0,
        objective=0.0,
        best_bound=0.0,
        build_seconds=0.0,
        solve_seconds=0.0,
    )


# --- price -------------------------------------------------------------------------------


def test_it_suggests_the_cheapest_price_at_which_a_capable_factory_has_room() -> None:
    factories = [factory(1, price=130), factory(2, price=110)]
    windows = [window(1, 1), window(2, 2)]
    solution, relaxations = relax([order(1, quantity=30, max_price=100)], factories, windows)

    assert solution.unmatched == {1: UnmatchedReason.PRICE_BELOW_MARKET}
    assert relaxations == {
        1: Relaxation(
            max_unit_price_fen=110, max_unit_price_window_id=2, max_unit_price_factory_id=2
        )
    }


def test_the_price_suggestion_skips_factories_without_room_or_outside_their_quantity_range() -> (
    None
):
    factories = [
        factory(1, price=110),
        factory(2, price=120, max_quantity=20),
        factory(3, price=130),
    ]
    # Factory 1's window has only 20 units left before the latest finish (day 9).
    windows = [window(1, 1, end=2), window(2, 2), window(3, 3)]
    _, relaxations = relax([order(1, quantity=30, max_price=100)], factories, windows)

    r = relaxations[1]
    assert (r.max_unit_price_fen, r.max_unit_price_window_id, r.max_unit_price_factory_id) == (
        130,
        3,
        3,
    )


def test_a_dearer_factory_that_fits_is_suggested_beside_a_cheaper_one_that_is_too_late() -> None:
    # The order is due day 4 (latest finish day 3): the 110 factory only starts on day 6.
    factories = [factory(1, price=110), factory(2, price=150)]
    windows = [window(1, 1, start=6), window(2, 2)]
    _, relaxations = relax([order(1, quantity=20, max_price=100, due=4)], factories, windows)

    r = relaxations[1]
    assert (r.max_unit_price_fen, r.max_unit_price_window_id) == (150, 2)
    # Price is what stands in the way; no later date or smaller quantity helps at 100 fen.
    assert (r.due_date, r.quantity) == (None, None)


# --- due date ----------------------------------------------------------------------------


def test_it_suggests_the_earliest_due_date_when_capacity_only_starts_on_day_6() -> None:
    _, relaxations = relax([order(1, quantity=10, due=4)], [factory()], [window(start=6)])

    r = relaxations[1]
    # made on day 6, shipped in one day
    assert (r.due_date, r.due_date_window_id, r.due_date_factory_id) == (day(7), 1, 1)
    assert (r.max_unit_price_fen, r.quantity) == (None, None)


def test_the_due_date_suggestion_counts_the_days_needed_and_the_transport_days() -> None:
    # 25 units at 10 a day from day 6 end on day 8; the far factory ships in 4 days.
    near = relax([order(1, quantity=25, due=4)], [factory()], [window(start=6)])[1]
    far = relax([order(1, quantity=25, due=4)], [factory(latitude=FAR_LAT)], [window(start=6)])[1]

    assert near[1].due_date == day(9)
    assert far[1].due_date == day(12)


def test_the_earliest_due_date_is_the_minimum_over_windows() -> None:
    factories = [factory(1), factory(2, latitude=FAR_LAT)]
    # Window 1 (near) frees up on day 8, window 2 (far, 4 days of transport) on day 3.
    windows = [window(1, 1, start=8), window(2, 2, start=3)]
    _, relaxations = relax([order(1, quantity=10, due=2)], factories, windows)

    r = relaxations[1]
    assert (r.due_date, r.due_date_window_id, r.due_date_factory_id) == (day(7), 2, 2)


def test_booked_work_pushes_the_earliest_due_date_back() -> None:
    # Days 1-5 are booked: 30 units fit on days 6-8, so the order can be due day 9.
    booked = (Commitment(start=day(1), finish=day(5), units=50),)
    solution, relaxations = relax(
        [order(1, quantity=30, due=8)], [factory()], [window(commitments=booked)]
    )

    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}
    r = relaxations[1]
    assert r.due_date == day(9)
    # By its latest finish (day 7) only days 6 and 7 are free.
    assert r.quantity == 20


def test_no_due_date_is_suggested_when_the_order_never_fits_the_rest_of_the_window() -> None:
    _, relaxations = relax([order(1, quantity=60, due=5)], [factory()], [window(end=5)])

    r = relaxations[1]
    assert r.due_date is None
    assert r.quantity == 40


# --- quantity ----------------------------------------------------------------------------


def test_it_suggests_the_largest_quantity_that_fits_what_is_left() -> None:
    # 40 free units: days 1-4 of a window ending on day 4.
    solution, relaxations = relax([order(1, quantity=60)], [factory()], [window(end=4)])

    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}
    assert relaxations == {1: Relaxation(quantity=40, quantity_window_id=1, quantity_factory_id=1)}


def test_the_quantity_suggestion_respects_remaining_units_and_the_factory_maximum() -> None:
    capped = relax([order(1, quantity=60)], [factory()], [window(remaining=35)])[1]
    at_most = relax([order(1, quantity=60)], [factory(max_quantity=25)], [window(end=4)])[1]

    assert capped[1].quantity == 35
    assert at_most[1].quantity == 25


def test_no_quantity_is_suggested_below_the_factory_minimum() -> None:
    # 40 units fit but the factory makes at least 50: no smaller quantity helps.
    _, relaxations = relax(
        [order(1, quantity=60, due=5)], [factory(min_quantity=50)], [window(end=10)]
    )

    assert relaxations[1].quantity is None


def test_the_largest_quantity_is_the_maximum_over_windows() -> None:
    factories = [factory(1), factory(2, price=200)]
    windows = [window(1, 1, end=3), window(2, 2, end=5), window(3, 1, end=4)]
    _, relaxations = relax([order(1, quantity=60, max_price=150)], factories, windows)

    # Window 2 has 50 units but costs more than the order's maximum.
    r = relaxations[1]
    assert (r.quantity, r.quantity_window_id, r.quantity_factory_id) == (40, 3, 1)
    assert (r.max_unit_price_fen, r.max_unit_price_window_id) == (None, None)


def test_quantities_are_never_raised() -> None:
    # Below the only factory's minimum: a larger order would fit, but only lower is suggested.
    solution, relaxations = relax([order(1, quantity=5)], [factory(min_quantity=10)], [window()])

    assert solution.unmatched == {1: UnmatchedReason.QUANTITY_OUT_OF_RANGE}
    assert relaxations[1] == Relaxation()
    assert relaxations[1].is_empty


# --- what is left after this run --------------------------------------------------------


def test_an_order_that_lost_the_contest_gets_suggestions_for_what_the_winners_left() -> None:
    factories = [factory(1, price=100), factory(2, price=150)]
    windows = [
        window(1, 1, end=5),  # 50 units, the only window both orders can use
        window(2, 2),  # room enough, but dearer than either order allows
        window(3, 1, start=9, end=20),  # too late for a due date of day 8
    ]
    orders = [
        order(1, quantity=30, max_price=120, due=8, rush=True),
        order(2, quantity=30, max_price=120, due=8),
    ]
    solution, relaxations = relax(orders, factories, windows)

    assert set(assigned(solution)) == {1}
    assert assigned(solution)[1].window_id == 1
    assert solution.unmatched == {2: UnmatchedReason.CAPACITY_FULL}
    # The rush order took days 1-3 of window 1: 20 units are left there.
    assert relaxations == {
        2: Relaxation(
            max_unit_price_fen=150,
            max_unit_price_window_id=2,
            max_unit_price_factory_id=2,
            due_date=day(12),  # window 3, days 9-11, one day of transport
            due_date_window_id=3,
            due_date_factory_id=1,
            quantity=20,
            quantity_window_id=1,
            quantity_factory_id=1,
        )
    }


def test_this_runs_assignments_take_their_planned_days_not_just_any_days() -> None:
    # Order 1 (due day 4) takes days 1-3; order 2 needs 10 units by day 3 and finds none,
    # although 70 units are still free later in the window.
    orders = [order(1, quantity=30, due=4, rush=True), order(2, quantity=10, due=4)]
    solution, relaxations = relax(orders, [factory()], [window()])

    assert solution.unmatched == {2: UnmatchedReason.CAPACITY_FULL}
    r = relaxations[2]
    assert r.due_date == day(5)  # made on day 4
    assert r.quantity is None


def test_windows_after_books_the_runs_assignments_on_their_planned_days() -> None:
    orders = [order(1, quantity=25, due=4), order(2, quantity=5)]
    problem = problem_of(orders, [factory()], [window(1), window(2, start=5)])
    solution = solve(problem)
    after = windows_after(problem, solution)

    a = assigned(solution)
    assert a[1].window_id == 1
    w1 = after[1]
    booked = Commitment(start=a[1].planned_start, finish=a[1].planned_finish, units=25)
    assert booked in w1.commitments
    assert w1.remaining_units == 100 - sum(x.quantity for x in a.values() if x.window_id == 1)
    untouched = [w for w in problem.windows if w.id not in {x.window_id for x in a.values()}]
    for w in untouched:
        assert after[w.id] is w


def test_only_unmatched_orders_get_a_relaxation() -> None:
    orders = [order(1, quantity=30), order(2, quantity=30, max_price=50)]
    solution, relaxations = relax(orders, [factory()], [window()])

    assert set(assigned(solution)) == {1}
    assert set(relaxations) == {2}
    # Order 1 used days 1-3; order 2 at 100 fen fits in what is left.
    assert relaxations[2].max_unit_price_fen == 100


# --- nothing helps / nothing needed -------------------------------------------------------


def test_an_order_with_no_capable_factory_gets_an_empty_relaxation() -> None:
    orders = [order(1, category_id=2), order(2, category_id=1)]
    factories = [factory(1, active=False), factory(2, verified=False, price=200)]
    windows = [window(1, 1), window(2, 2), window(3, 1, category_id=2)]
    solution, relaxations = relax(orders, factories, windows)

    assert solution.unmatched == {
        1: UnmatchedReason.NO_CAPABLE_FACTORY,
        2: UnmatchedReason.NO_CAPABLE_FACTORY,
    }
    assert relaxations == {1: Relaxation(), 2: Relaxation()}
    assert all(r.is_empty for r in relaxations.values())


def test_an_order_with_no_room_anywhere_gets_an_empty_relaxation() -> None:
    booked = (Commitment(start=day(1), finish=day(10), units=100),)
    _, relaxations = relax([order(1)], [factory()], [window(commitments=booked)])

    assert relaxations[1].is_empty


def test_an_order_that_already_fits_what_is_left_is_flagged_and_gets_no_suggestion() -> None:
    problem = problem_of([order(1, quantity=30)], [factory()], [window()])
    relaxations = suggest_relaxations(problem, nothing_matched(problem))

    assert relaxations == {1: Relaxation(fits_as_is=True)}
    assert not relaxations[1].is_empty


def test_unmatched_ids_that_are_not_orders_of_the_problem_are_left_out() -> None:
    problem = problem_of([order(1)], [factory()], [window()])
    solution = dataclasses.replace(
        nothing_matched(problem), unmatched={99: UnmatchedReason.CAPACITY_FULL}
    )

    assert suggest_relaxations(problem, solution) == {}


def test_a_relaxation_survives_the_json_round_trip_used_for_shards() -> None:
    r = Relaxation(due_date=day(9), due_date_window_id=3, due_date_factory_id=1, quantity=20)

    assert from_data(Relaxation, to_data(r)) == r
    assert to_data(r)["due_date"] == "2025-03-09"


# --- cross-check against the eligibility filters -------------------------------------

INSTANCES = 80


def test_every_suggestion_is_the_exact_bound_the_eligibility_filters_allow() -> None:
    """On random instances, each suggested value passes the filters of ``candidates.py``
    against what is left, the next value towards the order's current one does not, and a
    missing suggestion means no value of that field alone passes."""
    rng = random.Random(7)
    checked = 0
    for _ in range(INSTANCES):
        problem = random_problem(rng)
        solution = solve(problem)
        relaxations = suggest_relaxations(problem, solution)
        assert set(relaxations) == set(solution.unmatched)
        left = dataclasses.replace(problem, windows=tuple(booked_by_hand(problem, solution)))

        def passes(o: OrderData, left: MatchingProblem = left) -> bool:
            return bool(eligible_windows(left, o))

        orders = {o.id: o for o in problem.orders}
        for order_id, r in relaxations.items():
            o = orders[order_id]
            assert r.fits_as_is == passes(o)
            prices = [p for p in range(o.max_unit_price_fen + 1, 400) if passes(price(o, p))]
            dues = [d for d in range(1, 60) if day(d) > o.due_date and passes(due(o, d))]
            sizes = [q for q in range(1, o.quantity) if passes(size(o, q))]
            assert r.max_unit_price_fen == (None if r.fits_as_is or not prices else prices[0])
            expected_due = None if r.fits_as_is or not dues else day(dues[0])
            assert r.due_date == expected_due
            assert r.quantity == (None if r.fits_as_is or not sizes else sizes[-1])
            if r.max_unit_price_fen is not None:
                assert where(left, price(o, r.max_unit_price_fen), r.max_unit_price_window_id)
            if r.due_date is not None:
                assert where(
                    left, dataclasses.replace(o, due_date=r.due_date), r.due_date_window_id
                )
            if r.quantity is not None:
                assert where(left, size(o, r.quantity), r.quantity_window_id)
            checked += 1
    assert checked > INSTANCES


def price(o: OrderData, p: int) -> OrderData:
    return dataclasses.replace(o, max_unit_price_fen=p)


def due(o: OrderData, d: int) -> OrderData:
    return dataclasses.replace(o, due_date=day(d))


def size(o: OrderData, q: int) -> OrderData:
    return dataclasses.replace(o, quantity=q)


def where(problem: MatchingProblem, o: OrderData, window_id: int | None) -> bool:
    """The order passes every filter in the named window."""
    return window_id in eligible_windows(problem, o)


def eligible_windows(problem: MatchingProblem, o: OrderData) -> set[int]:
    """Windows where the order alone passes every filter of ``candidates.py``."""
    candidates, _reasons = find_candidates(dataclasses.replace(problem, orders=(o,)))
    return {c.window.id for c in candidates}


def booked_by_hand(problem: MatchingProblem, solution: MatchingSolution) -> list[WindowData]:
    windows = []
    for w in problem.windows:
        mine = [a for a in solution.assignments if a.window_id == w.id]
        new = tuple(Commitment(a.planned_start, a.planned_finish, a.quantity) for a in mine)
        used = sum(a.quantity for a in mine)
        windows.append(
            dataclasses.replace(
                w, commitments=w.commitments + new, remaining_units=w.remaining_units - used
            )
        )
    return windows


def random_problem(rng: random.Random) -> MatchingProblem:
    factories = [
        factory(
            i,
            price=rng.choice([80, 100, 120, 150, 200]),
            min_quantity=rng.choice([1, 1, 10, 20]),
            max_quantity=rng.choice([40, 60, 10_000]),
            latitude=rng.choice([FAR_LAT, FAR_LAT - 5, FAR_LAT - 9]),
            active=rng.random() > 0.1,
            category_id=rng.choice([1, 1, 2]),
        )
        for i in range(1, 6)
    ]
    windows = []
    for i in range(1, rng.randint(4, 9)):
        f = rng.choice(factories)
        start = rng.randint(-2, 8)
        end = start + rng.randint(0, 9)
        per_day = rng.choice([5, 10, 15])
        booked: tuple[Commitment, ...] = ()
        if rng.random() < 0.5:
            b = rng.randint(start, end)
            booked = (Commitment(day(b), day(min(end, b + 2)), rng.randint(5, 30)),)
        full = per_day * (end - start + 1)
        windows.append(
            window(
                i,
                f.id,
                start=start,
                end=end,
                per_day=per_day,
                remaining=rng.choice([full, full // 2]),
                commitments=booked,
                category_id=f.capabilities[0].category_id,
            )
        )
    orders = [
        order(
            i,
            quantity=rng.randint(5, 70),
            max_price=rng.choice([90, 110, 130, 160, 1_000]),
            due=rng.randint(3, 18),
            rush=rng.random() < 0.2,
            category_id=rng.choice([1, 1, 1, 2, 3]),
        )
        for i in range(1, rng.randint(4, 11))
    ]
    return problem_of(orders, factories, windows)
