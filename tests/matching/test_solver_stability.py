"""Stable re-optimisation: unanswered offers stay put unless moving them pays."""

import dataclasses

from matching.solver import MatchingSolution, OrderData, UnmatchedReason
from matching.solver.problem import Placement
from tests.matching.test_solver_model import factory, order, run, window


def offered(order_data: OrderData, window_id: int) -> OrderData:
    return dataclasses.replace(order_data, current=(Placement(window_id, order_data.quantity),))


def windows_of(solution: MatchingSolution) -> dict[int, int]:
    return {a.order_id: a.window_id for a in solution.assignments}


def test_an_offer_stays_when_moving_saves_less_than_the_penalty() -> None:
    # window 2 is 1 fen a unit cheaper: 30 fen in all, far below the 50 CNY penalty
    factories = [factory(1, price=100), factory(2, price=99)]
    solution = run([offered(order(1, quantity=30), 1)], factories, [window(1, 1), window(2, 2)])

    assert windows_of(solution) == {1: 1}


def test_an_offer_moves_when_that_saves_more_than_the_penalty() -> None:
    factories = [factory(1, price=10_000), factory(2, price=100)]
    solution = run([offered(order(1, quantity=30), 1)], factories, [window(1, 1), window(2, 2)])

    assert windows_of(solution) == {1: 2}


def test_an_offer_moves_to_make_room_for_a_rush_order() -> None:
    # the rush order fits only in window 1; the offer can move to the dearer window 2
    factories = [factory(1, price=100), factory(2, price=150, latitude=40.23)]
    windows = [window(1, 1, end=10), window(2, 2, end=10)]
    rush = order(2, quantity=80, due=9, rush=True)  # window 2 is too far to deliver by then
    solution = run([offered(order(1, quantity=50, due=20), 1), rush], factories, windows)

    assert windows_of(solution) == {1: 2, 2: 1}


def test_an_offer_is_never_dropped_for_a_bigger_order() -> None:
    solution = run(
        [offered(order(1, quantity=50), 1), order(2, quantity=80)], [factory()], [window()]
    )

    assert windows_of(solution) == {1: 1}
    assert solution.unmatched == {2: UnmatchedReason.CAPACITY_FULL}


def test_an_offer_whose_window_no_longer_fits_is_placed_anew() -> None:
    # its window now has room for 20 units only; window 2 takes it
    factories = [factory(1), factory(2, price=120)]
    windows = [window(1, 1, remaining=20), window(2, 2)]
    solution = run([offered(order(1, quantity=30), 1)], factories, windows)

    assert windows_of(solution) == {1: 2}
