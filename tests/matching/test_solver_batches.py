"""``solve`` takes its small components in batches (one CP-SAT model of independent parts)
and its large ones alone, smallest first; the answer keeps every rule and the bound holds."""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import Placement, evaluate_market
from matching.solver.model import BATCH_MAX_PAIRS, CPSAT_MAX_PAIRS, batches, solve


def groups_of(sizes: list[int]) -> list[np.ndarray]:
    """Components of these sizes (largest first, as ``component_groups`` gives them)."""
    return [np.arange(size, dtype=np.int64) for size in sizes]


def test_small_components_go_in_batches_smallest_first_and_large_ones_alone() -> None:
    sizes = [CPSAT_MAX_PAIRS + 1, CPSAT_MAX_PAIRS, 1_500, 400, 300, 200, 3, 2, 1]

    units = batches(groups_of(sizes))

    # every component once, smallest first
    assert [i for unit in units for i in unit] == list(reversed(range(len(sizes))))
    assert units == [[8, 7, 6, 5, 4, 3], [2], [1], [0]]
    for unit in units:
        assert len(unit) == 1 or sum(sizes[i] for i in unit) <= BATCH_MAX_PAIRS


def test_a_batched_solve_keeps_every_rule_and_stays_within_its_bound() -> None:
    problem = generate_market(MarketConfig(orders=1_250, factories=250, weeks=8, seed=1)).problem
    problem = dataclasses.replace(
        problem, solver=dataclasses.replace(problem.solver, time_limit_seconds=8.0)
    )

    solution = solve(problem)

    score = evaluate_market(
        problem, [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments]
    )
    assert score.matched_orders > 0
    assert 0 < solution.value <= solution.value_bound
    assert solution.solver_status in ("OPTIMAL", "FEASIBLE")
