"""A market too large for every pair: the solver itself keeps some pairs of each order
(``candidate_arrays.windows_per_order``), and its bound still covers every pair."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from bench.market_generate import MarketConfig, generate_market
from matching.solver import candidate_arrays, solve
from matching.solver.bound import VALUE_PER_WEIGHTED_UNIT
from matching.solver.candidate_arrays import (
    CAPPED_WINDOWS_PER_ORDER,
    CandidateArrays,
    order_window_cells,
    problem_pairs,
    to_candidates,
    windows_per_order,
)
from matching.solver.candidates import find_candidates
from matching.solver.model import priority_weight
from matching.solver.problem import MatchingProblem, OrderData
from matching.solver.shards import merge_solutions, split_into_shards
from tests.matching.test_solver_bound import exact_value, random_problem


def lowest_unit_costs(problem: MatchingProblem, arrays: CandidateArrays) -> np.ndarray:
    """Per order, its lowest price plus transport per unit over ``arrays``' pairs."""
    cost = arrays.unit_price_fen.astype(np.int64) + arrays.transport_cost_fen_per_unit
    lowest = np.full(len(problem.orders), np.iinfo(np.int64).max)
    np.minimum.at(lowest, arrays.order, cost)
    return lowest


def test_it_counts_the_order_window_cells_of_each_category() -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, weeks=6, seed=2)).problem
    expected = sum(
        1 for o in problem.orders for w in problem.windows if o.category_id == w.category_id
    )

    assert order_window_cells(problem) == expected > 0


def test_above_the_cell_limit_each_order_keeps_some_pairs_and_its_most_valuable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, weeks=6, seed=2)).problem
    every = problem_pairs(problem)
    assert windows_per_order(problem) is None
    assert np.bincount(every.order).max() > CAPPED_WINDOWS_PER_ORDER + 1

    monkeypatch.setattr(candidate_arrays, "CAP_CELLS", order_window_cells(problem) - 1)
    capped = problem_pairs(problem)

    assert windows_per_order(problem) == CAPPED_WINDOWS_PER_ORDER
    assert np.bincount(capped.order).max() <= CAPPED_WINDOWS_PER_ORDER + 1
    assert set(np.unique(capped.order)) == set(np.unique(every.order))  # no order left out
    # each order's most valuable pair is kept
    assert np.array_equal(lowest_unit_costs(problem, capped), lowest_unit_costs(problem, every))


def test_its_most_valuable_pair_is_kept_when_a_preferred_factory_ranks_first() -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, weeks=6, seed=2)).problem
    every = problem_pairs(problem)
    # each order prefers (approved sample) the factory of its dearest pair: that pair ranks
    # first by cost, and with two pairs a order the most valuable one would often be lost
    dearest: dict[int, int] = {}
    price = every.unit_price_fen.astype(np.int64) + every.transport_cost_fen_per_unit
    for row in np.argsort(price, kind="stable").tolist():
        dearest[int(every.order[row])] = int(every.factory[row])
    orders = tuple(
        dataclasses.replace(o, preferred_factory_id=problem.factories[dearest[i]].id)
        if i in dearest
        else o
        for i, o in enumerate(problem.orders)
    )
    preferring = dataclasses.replace(
        problem,
        orders=orders,
        solver=dataclasses.replace(problem.solver, max_windows_per_order=2),
    )

    capped = problem_pairs(preferring)

    counts = np.bincount(capped.order)
    assert counts.max() == 3  # two, and the most valuable when it is not among them
    assert np.array_equal(lowest_unit_costs(problem, capped), lowest_unit_costs(problem, every))


def test_a_problems_own_cap_wins_over_the_cell_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = generate_market(MarketConfig(orders=200, factories=40, weeks=6, seed=3)).problem
    monkeypatch.setattr(candidate_arrays, "CAP_CELLS", 0)
    own = dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, max_windows_per_order=4)
    )

    assert windows_per_order(own) == 4
    assert np.bincount(problem_pairs(own).order).max() <= 5


def test_capped_its_bound_is_never_below_the_optimum_over_every_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one pair per order (and its most valuable): the capped problem often cannot reach the
    # optimum of every pair, so a bound proven on the capped pairs alone would be below it
    monkeypatch.setattr(candidate_arrays, "CAP_CELLS", 0)
    monkeypatch.setattr(candidate_arrays, "CAPPED_WINDOWS_PER_ORDER", 1)
    rng = random.Random(1207)
    below = 0
    for n in range(24):
        problem = random_problem(rng, split=n % 2 == 1)
        candidates, _ = find_candidates(problem)
        if not candidates:
            continue
        best = exact_value(problem, candidates)
        kept = to_candidates(problem, problem_pairs(problem))
        below += exact_value(problem, kept) < best

        solution = solve(problem)

        assert solution.value <= best <= solution.value_bound, f"instance {n}"
    assert below > 0


def test_capped_a_runs_shards_carry_the_cap_and_no_lp_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, weeks=6, seed=2)).problem
    monkeypatch.setattr(candidate_arrays, "CAP_CELLS", 0)
    problem = dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, time_limit_seconds=4.0)
    )

    plan = split_into_shards(problem)

    assert plan.bound_pairs is None  # an LP over the capped pairs would not bound the run
    assert {s.solver.max_windows_per_order for s in plan.shards} == {CAPPED_WINDOWS_PER_ORDER}
    assert plan.candidate_pairs == len(problem_pairs(problem))
    whole = merge_solutions(plan, [solve(shard) for shard in plan.shards])

    # every order in its most valuable window over every pair, capacity ignored
    best_windows = sum(
        order.quantity
        * max(0, VALUE_PER_WEIGHTED_UNIT * priority_weight(order, problem.solver) - cost)
        for order, cost in _lowest_unit_cost(problem).items()
    )
    assert 0 < whole.value <= whole.value_bound
    assert whole.value_bound == pytest.approx(best_windows, rel=1e-6)


def _lowest_unit_cost(problem: MatchingProblem) -> dict[OrderData, int]:
    """Each order with a pair: its lowest price plus transport per unit over every pair."""
    candidates, _ = find_candidates(problem)
    lowest: dict[OrderData, int] = {}
    for c in candidates:
        cost = c.unit_price_fen + c.transport_cost_fen_per_unit
        lowest[c.order] = min(lowest.get(c.order, cost), cost)
    return lowest
