"""Pooling (拼单) in components too large for one CP-SAT model: after the searches, the orders
they left out are pooled in the room their answer leaves (``model.pools_in_room_left``)."""

import pytest

from bench.market_score import Placement, evaluate_market
from matching.solver import MatchingProblem, MatchingSolution, UnmatchedReason, solve
from matching.solver import model as solver_model
from tests.matching.test_solver_model import order
from tests.matching.test_solver_pooling import pooling, problem_of


@pytest.fixture
def every_component_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    # components of more than two pairs take the path of the large ones (local search and
    # large-neighbourhood search on the arrays, then the pool step)
    monkeypatch.setattr(solver_model, "CPSAT_MAX_PAIRS", 2)


def placements(solution: MatchingSolution) -> set[tuple[int, int, int, int | None]]:
    return {(a.order_id, a.window_id, a.quantity, a.pool) for a in solution.assignments}


def two_small_and_one_large(large: int) -> MatchingProblem:
    """Orders of 60 and 50 that allow pooling below the minimum of 100, and one of ``large``
    units made on its own, at one factory whose window holds 300 units."""
    return problem_of(
        [
            pooling(order(1, quantity=60, due=40)),
            pooling(order(2, quantity=50, due=40)),
            order(3, quantity=large, due=40),
        ]
    )


@pytest.mark.usefixtures("every_component_is_large")
def test_orders_below_the_minimum_are_pooled_in_the_room_a_large_component_leaves() -> None:
    problem = two_small_and_one_large(150)

    solution = solve(problem)

    assert placements(solution) == {(1, 1, 60, 1), (2, 1, 50, 1), (3, 1, 150, None)}
    assert solution.unmatched == {}
    score = evaluate_market(
        problem, [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    )
    assert score.matched_units == 260


@pytest.mark.usefixtures("every_component_is_large")
def test_no_pool_opens_where_the_room_left_cannot_hold_the_minimum() -> None:
    # order 3 takes 250 of the window's 300 units: 50 are left, the pool needs 100
    solution = solve(two_small_and_one_large(250))

    assert placements(solution) == {(3, 1, 250, None)}
    assert solution.unmatched == {
        1: UnmatchedReason.POOL_TOO_SMALL,
        2: UnmatchedReason.POOL_TOO_SMALL,
    }


def test_a_large_component_pools_as_cp_sat_does_on_a_small_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # four orders of 90 below a minimum of 100, a maximum of 200: one pool of two
    orders = [pooling(order(i, quantity=90, due=40)) for i in range(1, 5)]
    orders.append(order(5, quantity=100, due=40))
    problem = problem_of(orders, max_quantity=200)
    small = solve(problem)
    monkeypatch.setattr(solver_model, "CPSAT_MAX_PAIRS", 2)
    large = solve(problem)

    for solution in (small, large):
        assert sum(a.quantity for a in solution.assignments if a.pool == 1) == 180
        assert {a.order_id for a in solution.assignments if a.pool is None} == {5}
        assert sorted(solution.unmatched.values()) == [UnmatchedReason.CAPACITY_FULL] * 2
