"""Split a run into independent shards, and merge the shards' solutions.

A shard is one connected component of the order-window eligibility graph (usually one
category), stated as a smaller ``MatchingProblem``. Shards share no order and no window,
so solving them separately (on one machine or on many workers) and merging the results
gives exactly the solution of the whole problem.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from matching.solver.candidates import find_candidates
from matching.solver.model import independent_components, solve, time_share
from matching.solver.problem import MatchingProblem, MatchingSolution, UnmatchedReason


@dataclass(frozen=True)
class ShardPlan:
    shards: tuple[MatchingProblem, ...]
    # orders that no shard holds (no eligible window), with the reason
    unmatched: dict[int, UnmatchedReason]
    candidate_pairs: int
    split_seconds: float


def split_into_shards(problem: MatchingProblem) -> ShardPlan:
    """One sub-problem per component; each gets a floor of time plus its share of the rest
    of the time limit by size (``time_share``), so that a tiny shard of a large run is not
    starved (it is solved exactly anyway, see ``EXACT_MAX_PAIRS``)."""
    started = time.perf_counter()
    candidates, unmatched = find_candidates(problem)
    orders = {o.id: o for o in problem.orders}
    windows = {w.id: w for w in problem.windows}
    factories = {f.id: f for f in problem.factories}
    shards = []
    components = independent_components(candidates)
    for component in components:
        order_ids = sorted({c.order.id for c in component})
        window_ids = sorted({c.window.id for c in component})
        factory_ids = sorted({windows[w].factory_id for w in window_ids})
        share = time_share(
            problem.solver.time_limit_seconds,
            pairs=len(component),
            pairs_left=len(candidates),
            parts_left=len(components),
        )
        shards.append(
            dataclasses.replace(
                problem,
                orders=tuple(orders[i] for i in order_ids),
                windows=tuple(windows[i] for i in window_ids),
                factories=tuple(factories[i] for i in factory_ids),
                solver=dataclasses.replace(problem.solver, time_limit_seconds=share),
            )
        )
    return ShardPlan(
        shards=tuple(shards),
        unmatched=unmatched,
        candidate_pairs=len(candidates),
        split_seconds=time.perf_counter() - started,
    )


def shards_within(
    shards: tuple[MatchingProblem, ...], seconds: float
) -> tuple[MatchingProblem, ...]:
    """The shards with their time limits scaled to add up to ``seconds`` (what is left of
    the run's limit once it has been split: the limit covers the split too)."""
    total = sum(shard.solver.time_limit_seconds for shard in shards)
    if total <= 0:
        return shards
    factor = max(seconds, 0.0) / total
    return tuple(
        dataclasses.replace(
            shard,
            solver=dataclasses.replace(
                shard.solver, time_limit_seconds=shard.solver.time_limit_seconds * factor
            ),
        )
        for shard in shards
    )


def merge_solutions(plan: ShardPlan, solutions: list[MatchingSolution]) -> MatchingSolution:
    """The whole run's solution from its shards' solutions (in any order)."""
    found = [s for s in solutions if s.solver_status in ("OPTIMAL", "FEASIBLE")]
    if not solutions:
        status = "NO_CANDIDATES"
    elif not found:
        status = solutions[0].solver_status
    elif all(s.solver_status == "OPTIMAL" for s in solutions):
        status = "OPTIMAL"
    else:
        status = "FEASIBLE"
    unmatched = dict(plan.unmatched)
    for solution in solutions:
        unmatched.update(solution.unmatched)
    return MatchingSolution(
        solver_status=status,
        assignments=tuple(
            sorted((a for s in solutions for a in s.assignments), key=lambda a: a.order_id)
        ),
        unmatched=unmatched,
        candidate_pairs=plan.candidate_pairs,
        objective=float(sum(s.objective for s in found)),
        best_bound=float(sum(s.best_bound for s in found)),
        build_seconds=plan.split_seconds + sum(s.build_seconds for s in solutions),
        solve_seconds=sum(s.solve_seconds for s in solutions),
        value=float(sum(s.value for s in found)),
        # every shard's bound counts (one without an answer still bounds its part); orders
        # without an eligible window add nothing to either
        value_bound=float(sum(s.value_bound for s in solutions)),
    )


@dataclass(frozen=True)
class ShardResult:
    """One solved shard, with who solved it (for the run report)."""

    index: int
    orders: int
    windows: int
    worker: str
    seconds: float
    solution: MatchingSolution


def solve_shard(shard: MatchingProblem, *, index: int, worker: str) -> ShardResult:
    started = time.perf_counter()
    solution = solve(shard)
    return ShardResult(
        index=index,
        orders=len(shard.orders),
        windows=len(shard.windows),
        worker=worker,
        seconds=time.perf_counter() - started,
        solution=solution,
    )
