"""The local search that improves the greedy start (and answers alone on large components).

Its answers are checked by the market benchmark's evaluator, which implements the rules
again day by day, so a move that breaks a window's earliest-deadline-first capacity, a lot
size or an order's range shows up as a rejected solution.
"""

from __future__ import annotations

import dataclasses

import pytest

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import Placement, evaluate_market
from matching.solver import MatchingProblem, SolverParams, model, solve
from matching.solver.candidates import Candidate, find_candidates
from matching.solver.local_search import Packing, improve_assignment
from matching.solver.model import greedy_choice, independent_components, priority_weight, unit_cost
from matching.solver.problem import FactoryData, OrderData, WindowData
from matching.solver.problem import Placement as Offer
from tests.matching.test_solver_model import FIRST_DAY, factory, order, window


def problem_of(
    orders: list[OrderData],
    factories: list[FactoryData],
    windows: list[WindowData],
    seconds: float = 2.0,
) -> MatchingProblem:
    return MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        solver=SolverParams(time_limit_seconds=seconds, workers=1),
    )


def search(
    problem: MatchingProblem, start: dict[tuple[int, int], int], seconds: float = 0.5
) -> dict[tuple[int, int], int]:
    candidates, _ = find_candidates(problem)
    params = problem.solver
    return improve_assignment(
        candidates,
        problem.first_production_date,
        start,
        lambda c: priority_weight(c.order, params),
        unit_cost,
        seconds,
    )


def test_the_heaviest_order_goes_in_first_where_the_due_date_greedy_wastes_the_window() -> None:
    # one window of 100 units: the greedy (earliest due first) takes the small order and
    # then has no room for the big one; the search puts the big one in
    problem = problem_of(
        [order(1, quantity=30, due=8), order(2, quantity=100, due=15)],
        [factory()],
        [window(per_day=10, end=10)],
    )
    candidates, _ = find_candidates(problem)
    assert greedy_choice(candidates, problem) == {(1, 1): 30}

    assert search(problem, {}) == {(2, 1): 100}


def test_an_order_is_taken_out_of_a_window_for_a_heavier_one_and_put_back_elsewhere() -> None:
    # order 1 (40 units) sits in window 1; order 2 (100 units) fits only there once it is
    # empty; order 1 also fits in window 2
    problem = problem_of(
        [order(1, quantity=40), order(2, quantity=100)],
        [factory(1, price=100), factory(2, price=200)],
        [window(1, 1, per_day=10, end=10), window(2, 2, per_day=5, end=10)],
    )

    assert search(problem, {(1, 1): 40}) == {(1, 2): 40, (2, 1): 100}


def test_orders_that_hold_offers_stay_where_the_start_put_them() -> None:
    held = dataclasses.replace(order(1, quantity=40), current=(Offer(window_id=1, units=40),))
    problem = problem_of(
        [held, order(2, quantity=100)],
        [factory(1, price=100), factory(2, price=200)],
        [window(1, 1, per_day=10, end=10), window(2, 2, per_day=5, end=10)],
    )

    # order 2 cannot get window 1 because order 1 may not move
    assert search(problem, {(1, 1): 40}) == {(1, 1): 40}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_a_generated_market_every_component_stays_feasible_and_beats_the_greedy(
    seed: int,
) -> None:
    problem = generate_market(MarketConfig(orders=400, factories=80, seed=seed)).problem
    candidates, _ = find_candidates(problem)
    params = problem.solver
    placements: list[Placement] = []
    greedy_placements: list[Placement] = []
    for component in independent_components(candidates):
        greedy = greedy_choice(component, problem)
        found = improve_assignment(
            component,
            problem.first_production_date,
            {},
            lambda c: priority_weight(c.order, params),
            unit_cost,
            0.2,
            seed=seed,
        )
        placements += [Placement(o, w, units) for (o, w), units in found.items()]
        greedy_placements += [Placement(o, w, units) for (o, w), units in greedy.items()]

    searched = evaluate_market(problem, placements)  # raises when a rule is broken
    greedy_score = evaluate_market(problem, greedy_placements)
    assert searched.weighted_units > greedy_score.weighted_units


def test_large_components_are_answered_by_the_local_search_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, seed=3)).problem
    problem = dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, time_limit_seconds=2.0, workers=1)
    )
    with_cpsat = solve(problem)
    monkeypatch.setattr(model, "CPSAT_MAX_PAIRS", 0)
    searched = solve(problem)

    assert searched.solver_status == "FEASIBLE"
    assert searched.best_bound == 0.0  # no proof without CP-SAT
    for solution in (with_cpsat, searched):
        score = evaluate_market(
            problem, [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
        )
        assert score.matched_units == solution.matched_units > 0


def packing_of(
    problem: MatchingProblem,
    start: dict[tuple[int, int], int],
    *,
    candidates: list[Candidate] | None = None,
) -> Packing:
    """A packing of ``candidates`` (every candidate of ``problem`` when None) from ``start``."""
    if candidates is None:
        candidates, _ = find_candidates(problem)
    params = problem.solver
    weight = lambda c: priority_weight(c.order, params)  # noqa: E731
    return Packing(candidates, problem.first_production_date, weight, unit_cost, start)


def test_split_orders_are_compacted_elsewhere_to_open_a_window_for_a_whole_order() -> None:
    # window 1 (100 units) holds all of splittable order 1; windows 2 and 3 have 50 units
    # each. Order 2 (100 units, parts of at least 60) fits nowhere: not whole, and not in
    # parts of 50. Moving order 1 into windows 2 and 3 (parts of 50, its lot is 20) opens
    # window 1 for order 2 whole.
    split = dataclasses.replace(order(1, quantity=100), allow_split=True, min_lot_quantity=20)
    big = dataclasses.replace(order(2, quantity=100), allow_split=True, min_lot_quantity=60)
    problem = problem_of(
        [split, big],
        [factory(1, price=100), factory(2, price=200), factory(3, price=300)],
        [
            window(1, 1, per_day=10, end=10),
            window(2, 2, per_day=5, end=10),
            window(3, 3, per_day=5, end=10),
        ],
    )
    packing = packing_of(problem, {(1, 1): 100})
    assert not packing.try_insert(1)  # order 2 (index 1) fits nowhere as things are

    assert packing.try_compact(1)

    assert packing.assignment() == {(1, 2): 50, (1, 3): 50, (2, 1): 100}


def test_compaction_is_undone_when_no_window_opens() -> None:
    # as above, but window 3 is gone: order 1 can go nowhere else, so nothing changes
    split = dataclasses.replace(order(1, quantity=100), allow_split=True, min_lot_quantity=20)
    big = dataclasses.replace(order(2, quantity=100), allow_split=True, min_lot_quantity=60)
    problem = problem_of(
        [split, big],
        [factory(1, price=100), factory(2, price=200)],
        [window(1, 1, per_day=10, end=10), window(2, 2, per_day=5, end=10)],
    )
    packing = packing_of(problem, {(1, 1): 100})

    assert not packing.try_compact(1)

    assert packing.assignment() == {(1, 1): 100}
