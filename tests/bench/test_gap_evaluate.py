"""The shared GAP evaluator: feasibility checks and scoring (no Django, no database)."""

from __future__ import annotations

import pytest

from bench.evaluate import InfeasibleSolution, evaluate_gap
from bench.gap_solver import GapInstance

# 2 agents, 3 jobs. Agent 0 holds 10 units, agent 1 holds 6.
TINY = GapInstance(
    cost=((4, 7, 2), (5, 1, 9)),
    weight=((5, 5, 5), (3, 3, 3)),
    capacity=(10, 6),
)


def test_evaluator_scores_a_feasible_assignment_by_its_total_cost() -> None:
    assert evaluate_gap(TINY, [0, 1, 0]) == 4 + 1 + 2


def test_evaluator_accepts_numpy_style_integers_and_tuples() -> None:
    class Index:
        def __init__(self, value: int) -> None:
            self.value = value

        def __index__(self) -> int:
            return self.value

    assert evaluate_gap(TINY, (Index(0), Index(1), Index(1))) == 4 + 1 + 9


def test_evaluator_rejects_an_agent_over_capacity() -> None:
    with pytest.raises(InfeasibleSolution, match="agent 0 is over capacity: uses 15 of 10"):
        evaluate_gap(TINY, [0, 0, 0])


def test_evaluator_rejects_an_unassigned_job() -> None:
    with pytest.raises(InfeasibleSolution, match="job 1 is unassigned"):
        evaluate_gap(TINY, [0, None, 1])
    with pytest.raises(InfeasibleSolution, match="job 2 is unassigned"):
        evaluate_gap(TINY, [0, 1, -1])


def test_evaluator_rejects_a_missing_or_extra_job() -> None:
    with pytest.raises(InfeasibleSolution, match="each of the 3 jobs, got 2"):
        evaluate_gap(TINY, [0, 1])
    with pytest.raises(InfeasibleSolution, match="each of the 3 jobs, got 4"):
        evaluate_gap(TINY, [0, 1, 0, 1])


def test_evaluator_rejects_a_job_on_a_nonexistent_agent() -> None:
    with pytest.raises(InfeasibleSolution, match="agent 2, which does not exist"):
        evaluate_gap(TINY, [0, 2, 1])


def test_evaluator_rejects_an_agent_that_is_not_an_integer() -> None:
    with pytest.raises(InfeasibleSolution, match="not an integer"):
        evaluate_gap(TINY, [0, 1.0, 1])
    with pytest.raises(InfeasibleSolution, match="not an integer"):
        evaluate_gap(TINY, [0, True, 1])
