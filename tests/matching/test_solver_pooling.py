"""Pooling (拼单): orders below a factory's minimum share one lot whose total reaches it."""

import dataclasses
import json

import pytest

from bench.market_score import InfeasibleAssignment, Placement, evaluate_market
from matching.solver import MatchingProblem, OrderData, UnmatchedReason, solve
from matching.solver.candidate_arrays import build_candidate_arrays, pack_pairs, unpack_pairs
from matching.solver.candidates import find_candidates
from matching.solver.model import EXACT_MAX_PAIRS
from matching.solver.relax import suggest_relaxations
from matching.solver.serialize import problem_from_data, solution_from_data, to_data
from matching.solver.shards import merge_solutions, split_into_shards
from tests.matching.test_solver_model import FIRST_DAY, SOLVER, factory, order, window


def pooling(order_data: OrderData) -> OrderData:
    return dataclasses.replace(order_data, allows_pooling=True)


def problem_of(
    orders: list[OrderData],
    *,
    min_quantity: int = 100,
    max_quantity: int = 500,
    pooling_on: bool = True,
) -> MatchingProblem:
    return MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(orders),
        factories=(factory(1, min_quantity=min_quantity, max_quantity=max_quantity),),
        windows=(window(1, 1, end=30),),  # 300 units
        solver=dataclasses.replace(SOLVER, pooling=pooling_on),
    )


def test_two_orders_each_below_the_minimum_are_pooled_into_one_lot() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), pooling(order(2, quantity=50))])

    solution = solve(problem)

    assert {(a.order_id, a.window_id, a.quantity) for a in solution.assignments} == {
        (1, 1, 60),
        (2, 1, 50),
    }
    assert {a.pool for a in solution.assignments} == {1}
    assert solution.unmatched == {}
    # each order keeps its own price and transport
    assert all(a.unit_price_fen == 100 for a in solution.assignments)


def test_one_pooling_order_alone_below_the_minimum_waits_with_pool_too_small() -> None:
    solution = solve(problem_of([pooling(order(1, quantity=60))]))

    assert solution.assignments == ()
    assert solution.unmatched == {1: UnmatchedReason.POOL_TOO_SMALL}


def test_an_order_that_does_not_allow_pooling_stays_out_of_range() -> None:
    solution = solve(problem_of([pooling(order(1, quantity=60)), order(2, quantity=50)]))

    assert solution.assignments == ()
    assert solution.unmatched == {
        1: UnmatchedReason.POOL_TOO_SMALL,
        2: UnmatchedReason.QUANTITY_OUT_OF_RANGE,
    }


def test_with_pooling_off_no_order_below_the_minimum_is_matched() -> None:
    orders = [pooling(order(1, quantity=60)), pooling(order(2, quantity=50))]
    solution = solve(problem_of(orders, pooling_on=False))

    assert solution.assignments == ()
    assert set(solution.unmatched.values()) == {UnmatchedReason.QUANTITY_OUT_OF_RANGE}


def test_orders_at_the_minimum_do_not_count_toward_a_pool() -> None:
    # order 2 is made on its own (it reaches the minimum); order 1 alone is no pool
    solution = solve(problem_of([pooling(order(1, quantity=60)), pooling(order(2, quantity=120))]))

    assert {(a.order_id, a.pool) for a in solution.assignments} == {(2, None)}
    assert solution.unmatched == {1: UnmatchedReason.POOL_TOO_SMALL}


def test_a_pool_stays_within_the_factory_maximum() -> None:
    # four orders of 90 below a minimum of 100; the window has room for three by their due
    # date, the factory's maximum of 200 takes two
    orders = [pooling(order(i, quantity=90, due=40)) for i in range(1, 5)]
    solution = solve(problem_of(orders, max_quantity=200))

    assert sum(a.quantity for a in solution.assignments) == 180
    # the pool is open: the other two lost on capacity (the maximum)
    assert list(solution.unmatched.values()) == [UnmatchedReason.CAPACITY_FULL] * 2


def test_the_arrays_and_the_objects_agree_on_pooled_pairs() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), order(2, quantity=50)])

    objects, reasons = find_candidates(problem)
    arrays = build_candidate_arrays(problem)

    assert [c.pooled for c in objects] == arrays.pooled.tolist() == [True]
    assert arrays.unmatched(problem) == reasons == {2: UnmatchedReason.QUANTITY_OUT_OF_RANGE}
    assert unpack_pairs(pack_pairs(problem, arrays)).pooled.tolist() == [True]


def test_the_evaluator_accepts_a_pool_that_reaches_the_minimum() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), pooling(order(2, quantity=50))])

    score = evaluate_market(problem, [Placement(1, 1, 60), Placement(2, 1, 50)])

    assert score.matched_units == 110


def test_the_evaluator_rejects_a_pool_below_the_minimum() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), pooling(order(2, quantity=50))])

    with pytest.raises(InfeasibleAssignment) as error:
        evaluate_market(problem, [Placement(1, 1, 60)])

    assert error.value.kind == "pool_out_of_range"


def test_the_evaluator_rejects_an_order_below_the_minimum_that_does_not_allow_pooling() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), order(2, quantity=50)])

    with pytest.raises(InfeasibleAssignment) as error:
        evaluate_market(problem, [Placement(1, 1, 60), Placement(2, 1, 50)])

    assert error.value.kind == "quantity_out_of_range"


def test_the_solver_answer_passes_the_evaluator() -> None:
    orders = [pooling(order(i, quantity=30 + 5 * i)) for i in range(1, 7)] + [
        order(9, quantity=150)
    ]
    problem = problem_of(orders)

    solution = solve(problem)
    score = evaluate_market(
        problem, [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    )

    assert score.matched_units == solution.matched_units > 150


def test_what_to_relax_tells_a_pooling_order_how_many_units_its_pool_needs() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), pooling(order(2, quantity=15))])
    solution = solve(problem)

    relaxations = suggest_relaxations(problem, solution)

    assert solution.unmatched == {
        1: UnmatchedReason.POOL_TOO_SMALL,
        2: UnmatchedReason.POOL_TOO_SMALL,
    }
    # 100 - 60 - 15: both orders count toward the same pool
    assert relaxations[1].pool_units_needed == relaxations[2].pool_units_needed == 25
    assert relaxations[1].pool_window_id == 1 and relaxations[1].pool_factory_id == 1
    assert not relaxations[1].allow_pooling


def test_what_to_relax_suggests_allowing_pooling_when_a_pool_could_form() -> None:
    problem = problem_of([pooling(order(1, quantity=60)), order(2, quantity=50)])
    solution = solve(problem)

    relaxations = suggest_relaxations(problem, solution)

    assert relaxations[2].allow_pooling
    assert relaxations[2].pool_units_needed is None
    assert relaxations[1].pool_units_needed == 40


def test_what_to_relax_does_not_suggest_pooling_when_no_pool_could_form() -> None:
    problem = problem_of([order(2, quantity=50)])

    relaxations = suggest_relaxations(problem, solve(problem))

    assert not relaxations[2].allow_pooling and relaxations[2].is_empty


def test_an_order_left_out_of_an_open_pool_lost_on_capacity() -> None:
    # orders 1 and 3 make a pool of 155 (room for 190 by day 19); order 2 does not fit beside
    # them: its pool is open, so it lost on capacity and needs no more pooled units
    orders = [
        pooling(order(1, quantity=60)),
        pooling(order(2, quantity=50)),
        pooling(order(3, quantity=95)),
    ]
    problem = problem_of(orders)
    solution = solve(problem)

    relaxations = suggest_relaxations(problem, solution)

    assert {a.order_id for a in solution.assignments} == {1, 3}
    assert solution.unmatched == {2: UnmatchedReason.CAPACITY_FULL}
    assert relaxations[2].pool_units_needed is None


def test_a_pool_counts_the_booked_units_of_its_window() -> None:
    # 60 units of the pool were accepted already (booked work): 50 more reach the minimum
    problem = problem_of([pooling(order(2, quantity=50))])
    booked = dataclasses.replace(problem.windows[0], pooled_units=60)

    alone = solve(problem)
    with_booked = solve(dataclasses.replace(problem, windows=(booked,)))

    assert alone.assignments == ()
    assert [(a.order_id, a.pool) for a in with_booked.assignments] == [(2, booked.id)]
    # the evaluator counts them too
    placed = [Placement(2, booked.id, 50)]
    assert evaluate_market(dataclasses.replace(problem, windows=(booked,)), placed)
    with pytest.raises(InfeasibleAssignment):
        evaluate_market(problem, placed)


def test_a_component_of_pooled_pairs_only_larger_than_an_exact_one_is_solved() -> None:
    # 30 pooling orders of 10 units, each below the minimum of 100: more pairs than the exact
    # path takes, and none the greedy start or the local search may use
    orders = [pooling(order(i, quantity=10, due=40)) for i in range(1, 31)]
    assert len(orders) > EXACT_MAX_PAIRS

    solution = solve(problem_of(orders))

    assert solution.matched_units == 300
    assert {a.pool for a in solution.assignments} == {1}


def test_a_pool_is_solved_the_same_in_a_shard_sent_as_json() -> None:
    problem = problem_of(
        [pooling(order(1, quantity=60)), pooling(order(2, quantity=50)), order(3, quantity=20)]
    )
    plan = split_into_shards(problem)

    solutions = [
        solution_from_data(json.loads(json.dumps(to_data(solve(problem_from_data(data))))))
        for data in (json.loads(json.dumps(to_data(shard))) for shard in plan.shards)
    ]
    merged = merge_solutions(plan, solutions)

    assert [(a.order_id, a.pool) for a in merged.assignments] == [(1, 1), (2, 1)]
    assert merged.unmatched == {3: UnmatchedReason.QUANTITY_OUT_OF_RANGE}
