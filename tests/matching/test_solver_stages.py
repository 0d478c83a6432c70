"""The CP-SAT stages of ``model.solve_component`` against the start they are hinted with."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.sat.python import cp_model

from bench.market_generate import MarketConfig, generate_market
from matching.solver import model
from matching.solver.candidates import find_candidates
from matching.solver.local_search import Packing
from matching.solver.model import (
    CPSAT_MAX_PAIRS,
    EXACT_MAX_PAIRS,
    independent_components,
    pair_weight,
    solve_component,
)


def test_the_answer_never_weighs_less_than_the_start_cp_sat_was_hinted_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even when CP-SAT stops at its first answer without following the hint (as it may,
    given seconds but not enough to complete the hint on a large component)."""
    problem = generate_market(MarketConfig(orders=600, factories=120, seed=1)).problem
    params = problem.solver
    candidates, _ = find_candidates(problem)
    components = [
        c for c in independent_components(candidates) if EXACT_MAX_PAIRS < len(c) <= CPSAT_MAX_PAIRS
    ]
    starts: list[int] = []
    improved_start = model.improved_start

    def recorded(packing: Packing, *args: Any) -> list[tuple[int, int]]:
        found = improved_start(packing, *args)
        starts.append(sum(int(packing.table.weight[p]) * units for p, units in found))
        return found

    new_solver = model.new_solver

    def hasty(*args: Any) -> cp_model.CpSolver:
        solver = new_solver(*args)
        solver.parameters.stop_after_first_solution = True
        solver.parameters.num_workers = 1
        solver.parameters.fix_variables_to_their_hinted_value = False
        solver.parameters.hint_conflict_limit = 0
        return solver

    monkeypatch.setattr(model, "improved_start", recorded)
    monkeypatch.setattr(model, "new_solver", hasty)
    assert len(components) >= 3
    for component in components:
        result = solve_component(component, problem, 1.0)
        weighted = sum(pair_weight(c, params) * made for c, made in result.chosen)
        assert weighted >= starts[-1]
