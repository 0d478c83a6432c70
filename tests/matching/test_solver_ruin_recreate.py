"""Ruin and recreate, compiled (matching/solver/ruin_recreate.py), on a ``Packing``.

Its answers go through the market benchmark's evaluator, which checks every rule again day by
day; and the packing it leaves is compared with one built afresh from the same assignment, so
a slip in the kernel's own bookkeeping (slack, room, totals) shows too.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import Placement, evaluate_market
from matching.solver.candidates import find_candidates
from matching.solver.local_search import Packing
from matching.solver.model import greedy_choice, independent_components
from matching.solver.problem import MatchingProblem
from matching.solver.problem import Placement as Offer
from matching.solver.ruin_recreate import rounds, warm_up
from tests.matching.test_solver_local_search import packing_of, problem_of
from tests.matching.test_solver_model import factory, order, window


def searched(packing: Packing, seconds: float = 0.2, seed: int = 0) -> dict[tuple[int, int], int]:
    packing.ruin_and_recreate(time.perf_counter() + seconds, seed)
    packing.restore_best()
    return packing.assignment()


def test_an_order_is_moved_aside_for_one_that_fits_only_where_it_stood() -> None:
    # order 1 (40 units) fills part of window 1 (100 units); order 2 (100 units) fits only in
    # window 1 (window 2 has 50); emptying window 1 puts order 2 there and order 1 in window 2
    problem = problem_of(
        [order(1, quantity=40), order(2, quantity=100)],
        [factory(1, price=100), factory(2, price=200)],
        [window(1, 1, per_day=10, end=10), window(2, 2, per_day=5, end=10)],
    )
    packing = packing_of(problem, {(1, 1): 40})

    assert searched(packing) == {(1, 2): 40, (2, 1): 100}


def test_an_order_holding_an_offer_is_never_taken_out() -> None:
    held = dataclasses.replace(order(1, quantity=40), current=(Offer(window_id=1, units=40),))
    problem = problem_of(
        [held, order(2, quantity=100)],
        [factory(1, price=100), factory(2, price=200)],
        [window(1, 1, per_day=10, end=10), window(2, 2, per_day=5, end=10)],
    )
    packing = packing_of(problem, {(1, 1): 40})

    assert searched(packing) == {(1, 1): 40}


def test_a_split_order_goes_back_in_parts_when_no_window_takes_it_whole() -> None:
    # order 2 (80 units, parts of at least 30) fits whole nowhere once order 1 (60) holds
    # window 1; the search puts order 1 (whole only) into window 2 and order 2 in parts of
    # window 1 and window 3
    whole = order(1, quantity=60)
    split = dataclasses.replace(order(2, quantity=80), allow_split=True, min_lot_quantity=30)
    per_day = {1: 10, 2: 6, 3: 3}
    problem = problem_of(
        [whole, split],
        [factory(i, price=100 * i) for i in per_day],
        [window(i, i, per_day=units, end=10) for i, units in per_day.items()],
    )
    packing = packing_of(problem, {(1, 1): 60})

    found = searched(packing)

    assert found[(1, 2)] == 60
    assert sum(units for (o, _), units in found.items() if o == 2) == 80


def same_bookkeeping(packing: Packing, problem: MatchingProblem) -> None:
    fresh = packing_of(problem, packing.assignment())
    assert np.array_equal(packing.slack, fresh.slack)
    assert np.array_equal(packing.room_by_day, fresh.room_by_day)
    assert (packing.weighted, packing.cost) == (fresh.weighted, fresh.cost)
    for w, orders in enumerate(packing.in_window):
        assert orders == fresh.in_window[w]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_generated_markets_it_keeps_every_rule_and_never_loses_weighted_units(
    seed: int,
) -> None:
    problem = generate_market(MarketConfig(orders=400, factories=60, seed=seed)).problem
    candidates, _ = find_candidates(problem)
    placements: list[Placement] = []
    gained = 0
    for component in independent_components(candidates):
        start = greedy_choice(component, problem)
        packing = packing_of(problem, start, candidates=component)
        before = packing.weighted
        found = searched(packing, 0.1, seed)
        assert packing.weighted >= before
        gained += packing.weighted - before
        sub_problem = dataclasses.replace(
            problem, orders=tuple({c.order.id: c.order for c in component}.values())
        )
        same_bookkeeping(packing, sub_problem)
        placements += [Placement(o, w, units) for (o, w), units in found.items()]

    score = evaluate_market(problem, placements)  # raises when a rule is broken
    assert score.matched_units > 0
    assert gained > 0


def test_warm_up_compiles_the_kernels_for_the_types_a_real_search_passes() -> None:
    # a worker warms up when it starts (matching/tasks.py); a second signature after a real
    # search would mean the warm-up compiled for other types and the first run compiles again
    warm_up()
    problem = problem_of(
        [order(1, quantity=40), order(2, quantity=100)],
        [factory(1, price=100), factory(2, price=200)],
        [window(1, 1, per_day=10, end=10), window(2, 2, per_day=5, end=10)],
    )

    assert searched(packing_of(problem, {(1, 1): 40})) == {(1, 2): 40, (2, 1): 100}

    assert len(rounds.signatures) == 1
