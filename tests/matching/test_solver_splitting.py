"""Orders that allow splitting may be made by several factories, in parts of a lot size."""

import dataclasses

from matching.solver import MatchingSolution, OrderData, UnmatchedReason
from tests.matching.test_solver_model import day, factory, order, run, window


def split(order_data: OrderData, lot: int = 1) -> OrderData:
    return dataclasses.replace(order_data, allow_split=True, min_lot_quantity=lot)


def parts(solution: MatchingSolution) -> dict[int, int]:
    return {a.window_id: a.quantity for a in solution.assignments}


def test_a_splittable_order_too_big_for_any_window_is_shared_by_two() -> None:
    factories = [factory(1), factory(2, price=120)]
    windows = [window(1, 1, end=6), window(2, 2, end=6)]  # 60 units each
    solution = run([split(order(1, quantity=100), lot=20)], factories, windows)

    # the cheaper factory makes all it can, the dearer one the rest
    assert parts(solution) == {1: 60, 2: 40}
    assert solution.unmatched == {}
    assert solution.matched_units == 100


def test_the_same_order_without_splitting_waits() -> None:
    factories = [factory(1), factory(2, price=120)]
    windows = [window(1, 1, end=6), window(2, 2, end=6)]
    solution = run([order(1, quantity=100)], factories, windows)

    assert solution.assignments == ()
    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}


def test_no_part_is_smaller_than_the_lot_size() -> None:
    # 95 units free in window 1 and 60 in window 2 for an order of 100 in lots of 50:
    # 95 + 5 is not allowed, 50 + 50 is
    factories = [factory(1), factory(2, price=120)]
    windows = [window(1, 1, end=10, remaining=95), window(2, 2, end=6)]
    solution = run([split(order(1, quantity=100), lot=50)], factories, windows)

    assert sorted(parts(solution).values()) == [50, 50]


def test_no_part_is_smaller_than_the_factory_minimum() -> None:
    factories = [factory(1), factory(2, price=120, min_quantity=45)]
    windows = [window(1, 1, end=7), window(2, 2, end=6)]  # 70 and 60 free
    solution = run([split(order(1, quantity=100), lot=10)], factories, windows)

    # the cheap window alone would leave 30 for factory 2, below its minimum of 45
    assert parts(solution) == {1: 55, 2: 45}


def test_parts_cover_the_whole_order_or_nothing() -> None:
    windows = [window(1, 1, end=4)]  # 40 units
    solution = run([split(order(1, quantity=100), lot=10)], [factory(1)], windows)

    assert solution.assignments == ()
    assert solution.unmatched == {1: UnmatchedReason.CAPACITY_FULL}


def test_each_part_finishes_by_its_own_latest_finish() -> None:
    factories = [factory(1), factory(2, price=120)]
    windows = [window(1, 1, end=10), window(2, 2, end=10)]
    whole = order(2, quantity=50, due=6)  # latest finish day 5: days 1-5 of a window
    # latest finish day 8: 30 more units in that window by then, 80 in the other
    solution = run([whole, split(order(1, quantity=100, due=9), lot=10)], factories, windows)

    assert solution.matched_units == 150
    for a in solution.assignments:
        assert a.planned_finish <= (day(5) if a.order_id == 2 else day(8))
