"""The market benchmark's methods and bound: feasible answers, a bound that holds, CP-SAT at
least as good as greedy (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random

import numpy as np
import pytest

from bench.market_generate import MarketConfig, generate_market
from bench.market_methods import (
    METHODS,
    build_mip,
    dual_bound,
    greedy_market,
    lp_bound,
    pair_components,
    start_values,
    trivial_bound,
)
from bench.market_score import (
    InfeasibleAssignment,
    Placement,
    eligible_pairs,
    evaluate_market,
)
from matching.solver.candidates import find_candidates
from matching.solver.model import independent_components
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    WindowData,
)


@pytest.fixture(scope="module")
def small() -> MatchingProblem:
    return generate_market(MarketConfig(orders=400, factories=80, seed=7)).problem


def test_greedys_answer_is_feasible_and_matches_orders() -> None:
    problem = generate_market(MarketConfig(orders=3000, factories=600, seed=8)).problem
    score = evaluate_market(problem, greedy_market(problem))
    assert score.matched_orders > 1000


def test_all_three_methods_are_feasible_under_the_bound_and_cpsat_beats_greedy(
    small: MatchingProblem,
) -> None:
    bound = lp_bound(small)
    assert bound.lp_status == "Optimal"
    objectives = {}
    for name, method in METHODS.items():
        score = evaluate_market(small, method(small, 2.0))
        assert score.matched_orders > 0
        assert score.objective <= bound.value
        objectives[name] = score.objective
    assert objectives["cpsat"] >= objectives["greedy"]
    assert bound.lp_objective is not None
    assert bound.lp_objective <= bound.value <= bound.lp_objective * (1 + 1e-6)


def brute_force_best(problem: MatchingProblem) -> int:
    """The best objective over every assignment the evaluator accepts."""
    options: list[list[int | None]] = [[None, *(w.id for w in problem.windows)]] * len(
        problem.orders
    )
    best = 0
    for choice in itertools.product(*options):
        placements = [
            Placement(o.id, w, o.quantity)
            for o, w in zip(problem.orders, choice, strict=True)
            if w is not None
        ]
        try:
            best = max(best, evaluate_market(problem, placements).objective)
        except InfeasibleAssignment:
            continue
    return best


def contested(seed: int, *, splittable: bool) -> MatchingProblem:
    """Five orders and three short windows of one category: capacity is fought over.
    ``splittable``: the two largest orders may be split, in lots of 20."""
    rng = random.Random(seed)
    first = dt.date(2026, 3, 2)
    place = (23.02, 113.75)  # everything in one city: one transport day
    factories = tuple(
        FactoryData(
            id=f,
            latitude=place[0],
            longitude=place[1],
            min_order_quantity=10,
            max_order_quantity=1000,
            capabilities=(Capability(1, rng.randint(450, 650), 100),),
        )
        for f in (1, 2, 3)
    )
    windows = []
    for w in (1, 2, 3):
        start = first + dt.timedelta(days=rng.randint(0, 3))
        end = start + dt.timedelta(days=rng.randint(3, 8))
        per_day = rng.randint(10, 30)
        booked = (Commitment(start, start, per_day),) if rng.random() < 0.3 else ()
        total = per_day * ((end - start).days + 1)
        windows.append(
            WindowData(w, w, 1, start, end, per_day, total - sum(c.units for c in booked), booked)
        )
    orders = tuple(
        OrderData(
            id=o,
            category_id=1,
            quantity=rng.randint(20, 120),
            max_unit_price_fen=rng.randint(500, 700),
            due_date=first + dt.timedelta(days=rng.randint(3, 13)),
            latitude=place[0],
            longitude=place[1],
            priority=Priority.RUSH if rng.random() < 0.2 else Priority.NORMAL,
            age_days=rng.randint(0, 20),
        )
        for o in range(1, 6)
    )
    if splittable:
        largest = sorted(orders, key=lambda o: -o.quantity)[:2]
        orders = tuple(
            dataclasses.replace(o, allow_split=True, min_lot_quantity=20) if o in largest else o
            for o in orders
        )
    return MatchingProblem(first, orders, factories, tuple(windows))


def test_with_splittable_orders_highs_is_optimal_and_at_least_cpsat_and_greedy() -> None:
    splits = 0
    for seed in range(4):
        problem = contested(seed, splittable=True)
        bound = lp_bound(problem).value
        answer = METHODS["highs"](problem, 5.0)
        highs = evaluate_market(problem, answer)
        cpsat = evaluate_market(problem, METHODS["cpsat"](problem, 2.0))
        greedy = evaluate_market(problem, greedy_market(problem))
        assert greedy.objective <= highs.objective <= bound
        assert cpsat.objective <= highs.objective
        assert cpsat.weighted_units == highs.weighted_units
        splits += len(answer) > highs.matched_orders
    assert splits > 0  # some optimum really splits an order


def test_highs_finds_the_brute_force_optimum_and_the_bound_holds() -> None:
    lp_above_best = greedy_below_best = 0
    for seed in range(4, 8):
        problem = contested(seed, splittable=False)
        best = brute_force_best(problem)
        highs = evaluate_market(problem, METHODS["highs"](problem, 5.0)).objective
        greedy = evaluate_market(problem, greedy_market(problem)).objective
        bound = lp_bound(problem).value
        assert highs == best
        assert greedy <= best <= bound
        # branch and cut closes the bound on instances this small
        assert best <= lp_bound(problem, mip_seconds=5.0).value <= best * (1 + 1e-6) + 2
        # so do CP-SAT's proven bound on the blocks and the Lagrangian: certified, and
        # never above the LP's
        tighter = lp_bound(problem, lagrange_seconds=1.0, exact_seconds=5.0)
        assert tighter.lp_value == bound
        assert best <= tighter.value <= best * (1 + 1e-6) + 2
        assert tighter.exact_proven == tighter.exact_blocks > 0
        lp_above_best += bound > best * (1 + 1e-6)
        greedy_below_best += greedy < best
    # the instances are not trivial: the LP relaxation and greedy both fall short sometimes
    assert lp_above_best > 0 and greedy_below_best > 0


def test_any_row_prices_give_a_valid_bound(small: MatchingProblem) -> None:
    pairs = eligible_pairs(small)
    model = build_mip(pairs, len(small.orders), len(small.windows))
    best = lp_bound(small).value
    rng = np.random.default_rng(0)
    for scale in (0.0, 1e6, 1e9):
        y = rng.uniform(-1, 1, len(model.row_upper)) * scale
        assert dual_bound(model, y) >= best * (1 - 1e-9)
    assert trivial_bound(pairs).sum() >= best * (1 - 1e-9)
    # an LP stopped by its time limit still gives a valid bound
    assert lp_bound(small, time_limit_seconds=0.001).value >= best * (1 - 1e-9)


def test_the_mips_blocks_are_the_solvers_independent_components(small: MatchingProblem) -> None:
    pairs = eligible_pairs(small)
    component = pair_components(pairs, len(small.orders), len(small.windows))
    mine = sorted(
        sorted(
            (small.orders[o].id, small.windows[w].id)
            for o, w in zip(pairs.order[component == k], pairs.window[component == k], strict=True)
        )
        for k in range(int(component.max()) + 1)
    )
    candidates, _ = find_candidates(small)
    theirs = sorted(sorted(c.key for c in group) for group in independent_components(candidates))
    assert mine == theirs


def test_the_greedy_answer_is_a_feasible_start_worth_its_objective_in_the_mip(
    small: MatchingProblem,
) -> None:
    pairs = eligible_pairs(small)
    model = build_mip(pairs, len(small.orders), len(small.windows))
    answer = {(p.order_id, p.window_id): p.quantity for p in greedy_market(small)}
    units = np.array(
        [
            answer.get((small.orders[o].id, small.windows[w].id), 0)
            for o, w in zip(pairs.order, pairs.window, strict=True)
        ],
        dtype=np.float64,
    )
    assert (units[pairs.split] > 0).any()  # some part of a splittable order is in it
    values = start_values(model, pairs, units)
    activity = np.bincount(
        model.rows, weights=model.values * values[model.cols], minlength=len(model.row_upper)
    )
    assert np.all(activity >= model.row_lower - 1e-6)
    assert np.all(activity <= model.row_upper + 1e-6)
    assert np.all((values >= 0) & (values <= model.upper + 1e-9))
    assert model.cost @ values == evaluate_market(small, list(greedy_market(small))).objective
