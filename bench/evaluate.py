"""The one evaluator every benchmark method is scored by: feasibility check and objective.

A method's own claim about its objective is never reported; the bench passes the assignment
through here and prints what this returns.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from bench.gap_solver import GapInstance


class InfeasibleSolution(ValueError):
    """The assignment breaks a constraint of the instance; the message says which."""


def evaluate_gap(instance: GapInstance, assignment: Sequence[object]) -> int:
    """Total cost of ``assignment`` (job j -> 0-based agent) after checking it is feasible.

    Feasible means: one entry per job, every entry is an existing agent (so every job is
    assigned exactly once), and no agent's capacity is exceeded.
    """
    if len(assignment) != instance.jobs:
        raise InfeasibleSolution(
            f"expected one agent for each of the {instance.jobs} jobs, got {len(assignment)}"
        )
    used = [0] * instance.agents
    total = 0
    for job, agent in enumerate(assignment):
        if agent is None:
            raise InfeasibleSolution(f"job {job} is unassigned")
        if isinstance(agent, bool):
            raise InfeasibleSolution(f"job {job}: agent {agent!r} is not an integer")
        try:
            agent = operator.index(agent)  # type: ignore[arg-type]
        except TypeError:
            raise InfeasibleSolution(f"job {job}: agent {agent!r} is not an integer") from None
        if agent < 0:
            raise InfeasibleSolution(f"job {job} is unassigned (agent {agent})")
        if agent >= instance.agents:
            raise InfeasibleSolution(
                f"job {job} is assigned to agent {agent}, which does not exist "
                f"(agents are 0..{instance.agents - 1})"
            )
        used[agent] += instance.weight[agent][job]
        total += instance.cost[agent][job]
    for agent, (load, capacity) in enumerate(zip(used, instance.capacity, strict=True)):
        if load > capacity:
            raise InfeasibleSolution(f"agent {agent} is over capacity: uses {load} of {capacity}")
    return total
