"""The large-neighbourhood search (``lns.py``) on components too large for one CP-SAT model.

Every answer goes through the market benchmark's evaluator, which checks the rules again day
by day; the incumbent must never get worse by the model's lexicographic objective (weighted
units, then cost), and orders holding unanswered offers never move.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import Placement, evaluate_market
from matching.solver import MatchingProblem, model, solve
from matching.solver.candidates import find_candidates
from matching.solver.lns import large_neighbourhood_search
from matching.solver.local_search import Packing, improve_assignment
from matching.solver.model import (
    greedy_choice,
    independent_components,
    neighbourhood_model,
    priority_weight,
    unit_cost,
)
from matching.solver.problem import Placement as Offer
from tests.matching.test_solver_local_search import packing_of, problem_of
from tests.matching.test_solver_model import factory, order, window

Key = tuple[int, int]


def lns(
    problem: MatchingProblem,
    packing: Packing,
    seconds: float,
    *,
    max_pairs: int,
    ruin_seconds: float = 0.0,
    seed: int = 0,
) -> None:
    fpd = problem.first_production_date
    large_neighbourhood_search(
        packing,
        lambda free, fixed, start: neighbourhood_model(free, fixed, start, fpd),
        time.perf_counter() + seconds,
        workers=1,
        seed=seed,
        max_pairs=max_pairs,
        repair_seconds=0.2,
        ruin_seconds=ruin_seconds,
    )


def placements(made: dict[Key, int]) -> list[Placement]:
    return [Placement(o, w, units) for (o, w), units in made.items()]


def chain_of_three() -> MatchingProblem:
    """Window 1 (100 units) holds X (rush, 50) and Y (50); order U (100) fits only there.
    U goes in only if X moves to window 2, whose Z (50) moves to window 3, and Y to window
    4. Ruin and recreate only empties window 1 (U's only window) and then loses X, which is
    worth more than U; ejecting only lighter orders cannot make room either."""
    u = order(1, quantity=100, max_price=100)
    x = order(2, quantity=50, max_price=200, rush=True)
    y = order(3, quantity=50, max_price=400)
    z = order(4, quantity=50, max_price=300)
    factories = [factory(f, price=100 * f) for f in (1, 2, 3, 4)]
    windows = [
        window(1, 1, per_day=10, end=10),
        window(2, 2, per_day=5, end=10),
        window(3, 3, per_day=5, end=10),
        window(4, 4, per_day=5, end=10),
    ]
    return problem_of([u, x, y, z], factories, windows)


def four_to_move() -> MatchingProblem:
    """Window 1 (100 units) holds four rush orders of 25 units (X1-X4, each worth as much as
    U); order U (100) fits only there. Each Xi may go to its own window (25 units), held by
    Zi (25), which may go to a free window of its own (prices keep every order out of
    windows further along). U goes in only if all four Xi and all
    four Zi move: more orders than an ejection chain takes out of one window
    (``EJECT_MAX_OUT``), and ruin and recreate, which only empties U's window, loses the
    Xi."""
    orders = [order(1, quantity=100, max_price=100)]
    factories = [factory(1, price=100)]
    windows = [window(1, 1, per_day=10, end=10)]
    for i in range(1, 5):
        orders.append(order(10 + i, quantity=25, max_price=110 + i, rush=True))
        orders.append(order(20 + i, quantity=25, max_price=200 + i))
        factories.append(factory(10 + i, price=100 + i))
        factories.append(factory(20 + i, price=200 + i))
    for f in factories[1:]:
        windows.append(window(f.id, f.id, per_day=5, end=5))
    return problem_of(orders, factories, windows)


FOUR_START = {(10 + i, 1): 25 for i in range(1, 5)} | {(20 + i, 10 + i): 25 for i in range(1, 5)}


def search_from(problem: MatchingProblem, start: dict[Key, int]) -> dict[Key, int]:
    candidates, _ = find_candidates(problem)
    params = problem.solver
    return improve_assignment(
        candidates,
        problem.first_production_date,
        start,
        lambda c: priority_weight(c.order, params),
        unit_cost,
        0.5,
    )


def test_an_ejection_chain_moves_a_heavier_order_out_of_the_way_through_a_full_window() -> None:
    problem = chain_of_three()
    found = search_from(problem, {(2, 1): 50, (3, 1): 50, (4, 2): 50})

    assert evaluate_market(problem, placements(found)).matched_orders == 4
    assert found[1, 1] == 100


def test_the_local_search_is_stuck_when_four_heavier_orders_must_move() -> None:
    problem = four_to_move()
    candidates, _ = find_candidates(problem)
    assert {c.key for c in candidates} >= set(FOUR_START)

    assert search_from(problem, FOUR_START) == FOUR_START


def test_the_large_neighbourhood_search_moves_all_eight_and_matches_every_order() -> None:
    problem = four_to_move()
    candidates, _ = find_candidates(problem)
    packing = packing_of(problem, FOUR_START, candidates=candidates)

    lns(problem, packing, 1.0, max_pairs=50)

    found = packing.assignment()
    assert evaluate_market(problem, placements(found)).matched_orders == 9
    assert found[1, 1] == 100


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_on_random_markets_it_never_breaks_a_rule_and_never_makes_the_answer_worse(
    seed: int,
) -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, seed=seed)).problem
    candidates, _ = find_candidates(problem)
    params = problem.solver
    answer: dict[Key, int] = {}
    rounds = 0
    for component in independent_components(candidates)[:3]:
        start = improve_assignment(
            component,
            problem.first_production_date,
            {},
            lambda c: priority_weight(c.order, params),
            unit_cost,
            0.02,
            seed=seed,
        )
        packing = packing_of(problem, start, candidates=component)
        before = (packing.weighted, -packing.cost)
        # small neighbourhoods, so that each round frees only part of the component
        lns(problem, packing, 0.6, max_pairs=60, ruin_seconds=0.02, seed=seed)
        # recount from scratch
        fresh = packing_of(problem, packing.assignment(), candidates=component)
        assert (fresh.weighted, -fresh.cost) == (packing.weighted, -packing.cost)
        assert (fresh.weighted, -fresh.cost) >= before
        answer |= packing.assignment()
        rounds += 1

    assert rounds == 3
    evaluate_market(problem, placements(answer))  # raises when a rule is broken


def test_orders_holding_offers_stay_where_they_stand() -> None:
    problem = generate_market(MarketConfig(orders=200, factories=40, seed=5)).problem
    candidates, _ = find_candidates(problem)
    component = independent_components(candidates)[0]
    greedy = greedy_choice(component, problem)
    # five orders the greedy placed whole now hold offers there
    held = dict(sorted(greedy.items())[:5])
    orders = {o.id: o for o in problem.orders}
    for (order_id, window_id), units in held.items():
        offer = (Offer(window_id=window_id, units=units),)
        orders[order_id] = dataclasses.replace(orders[order_id], current=offer)
    problem = dataclasses.replace(problem, orders=tuple(orders.values()))
    candidates, _ = find_candidates(problem)
    component = independent_components(candidates)[0]
    packing = packing_of(problem, greedy_choice(component, problem), candidates=component)

    lns(problem, packing, 0.6, max_pairs=60, ruin_seconds=0.02)

    answer = packing.assignment()
    assert {key: answer.get(key) for key in held} == held
    evaluate_market(problem, placements(answer))


def test_solve_uses_it_on_large_components_and_stays_feasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, seed=3)).problem
    problem = dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, time_limit_seconds=3.0, workers=1)
    )
    monkeypatch.setattr(model, "CPSAT_MAX_PAIRS", 0)
    called: list[float] = []

    def spy(*args: object, **kwargs: object) -> object:
        called.append(time.perf_counter())
        return large_neighbourhood_search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "large_neighbourhood_search", spy)

    solution = solve(problem)

    assert called
    score = evaluate_market(
        problem, [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    )
    assert score.matched_units == solution.matched_units > 0
