"""Split a run into independent shards, and merge the shards' solutions.

A shard is one connected component of the order-window eligibility graph (usually one
category), stated as a smaller ``MatchingProblem``. Shards share no order and no window,
so solving them separately (on one machine or on many workers) and merging the results
gives exactly the solution of the whole problem.

The run's bound is not the sum of bounds each shard proves in its own sliver of time: the
split also gives the pairs of one LP bound over the whole problem (``whole_problem_pairs``,
one block per shard, the same LP ``solve`` runs beside its search; only when some shard is
one ``solve`` would bound by the LP), which the run solves with its whole time beside the
shards, and each shard's bound is the smaller of its own
(its orders' best windows, CP-SAT's stage-1 bound) and the LP's for its block
(``with_run_bound``). The shards themselves start no LP (``SolverParams.lp_bound``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.solver.bound import BOUND_MARGIN, Bound, BoundPairs, pairs_of_blocks
from matching.solver.candidate_arrays import (
    CandidateArrays,
    IntArray,
    component_groups,
    components,
    pack_pairs,
    problem_pairs,
    select_rows,
)
from matching.solver.model import (
    LP_BOUND_MIN_PAIRS,
    component_floor,
    priority_weight,
    solve,
    time_share,
    time_weight,
)
from matching.solver.problem import MatchingProblem, MatchingSolution, UnmatchedReason


@dataclass(frozen=True)
class ShardPlan:
    shards: tuple[MatchingProblem, ...]
    # orders that no shard holds (no eligible window), with the reason
    unmatched: dict[int, UnmatchedReason]
    candidate_pairs: int
    split_seconds: float
    # the pairs of the whole problem's LP bound, block i being shard i (None once the plan
    # travels to the write: only the run's bound needs them)
    bound_pairs: BoundPairs | None = None


def whole_problem_pairs(
    problem: MatchingProblem, arrays: CandidateArrays, groups: Sequence[IntArray]
) -> BoundPairs:
    """The pairs of the LP bound over every eligible pair of ``problem``, one block per
    component (``groups``, row indices into ``arrays``, in the order of the shards)."""
    weights = np.array([priority_weight(o, problem.solver) for o in problem.orders], dtype=np.int64)
    return pairs_of_blocks(problem, arrays, groups, weights)


def run_shard_bounds(bound: Bound) -> tuple[float, ...]:
    """The whole-problem LP bound per shard (block), each with the floating-point margin."""
    return tuple(
        float(b) * (1 + BOUND_MARGIN) + 1.0 if b > 0 else 0.0 for b in bound.per_block.tolist()
    )


def with_run_bound(
    results: Sequence[ShardResult], shard_bounds: Sequence[float] | None
) -> list[ShardResult]:
    """The shards' results with each shard's bound the smaller of its own and the run's LP
    bound of its block (``shard_bounds[index]``); both are proofs, so is the smaller."""
    if shard_bounds is None:
        return list(results)
    return [
        dataclasses.replace(
            result,
            solution=dataclasses.replace(
                result.solution,
                value_bound=min(result.solution.value_bound, shard_bounds[result.index]),
            ),
        )
        for result in results
    ]


def split_into_shards(problem: MatchingProblem) -> ShardPlan:
    """One sub-problem per component; each gets a floor of time plus its share of the rest
    of the time limit by size (``time_share``), as components do within one ``solve``
    (``component_floor``, ``time_weight``): with 205 shards at 10k x 2k the full floors took
    20.5 s of a 30 s limit and left the largest shard (half the pairs) 4.75 s. A tiny shard
    is not starved: it is solved exactly anyway (``EXACT_MAX_PAIRS``).

    The eligible pairs are found once, here: each shard carries its own rows
    (``MatchingProblem.pairs``), so that its ``solve`` (on any worker) does not filter
    again. A shard keeps the problem's order of orders and windows. Shards start no LP
    bound: the plan carries the pairs of one over the whole problem (``bound_pairs``)."""
    started = time.perf_counter()
    arrays = problem_pairs(problem)
    groups = component_groups(components(problem, arrays))
    limit = problem.solver.time_limit_seconds
    # as components within one solve: the floors take at most FLOOR_SHARE of the limit, and
    # a shard the local search answers alone weighs LARGE_TIME_WEIGHT per pair
    weights = [time_weight(len(rows)) for rows in groups]
    floor = component_floor(limit, len(groups))
    shards = []
    for rows, weight in zip(groups, weights, strict=True):
        orders = np.unique(arrays.order[rows]).astype(np.int64)
        windows = np.unique(arrays.window[rows]).astype(np.int64)
        factories = np.unique(arrays.factory[rows]).astype(np.int64)
        share = time_share(
            limit, pairs=weight, pairs_left=sum(weights), parts_left=len(groups), floor=floor
        )
        shard = dataclasses.replace(
            problem,
            orders=tuple(problem.orders[i] for i in orders.tolist()),
            windows=tuple(problem.windows[i] for i in windows.tolist()),
            factories=tuple(problem.factories[i] for i in factories.tolist()),
            solver=dataclasses.replace(problem.solver, time_limit_seconds=share, lp_bound=False),
            pairs=None,
        )
        own = select_rows(arrays, rows, orders=orders, windows=windows, factories=factories)
        shards.append(dataclasses.replace(shard, pairs=pack_pairs(shard, own)))
    return ShardPlan(
        shards=tuple(shards),
        unmatched=arrays.unmatched(problem),
        candidate_pairs=len(arrays),
        split_seconds=time.perf_counter() - started,
        bound_pairs=(
            whole_problem_pairs(problem, arrays, groups)
            if any(needs_lp_bound(problem, arrays, rows) for rows in groups)
            else None
        ),
    )


def needs_lp_bound(problem: MatchingProblem, arrays: CandidateArrays, rows: IntArray) -> bool:
    """Whether ``solve`` bounds the component of ``rows`` by the LP: when it has at least
    ``LP_BOUND_MIN_PAIRS`` pairs or holds unanswered offers. A run with such a shard gets
    one LP over all of its shards; a run without any (a small market) starts no HiGHS."""
    if len(rows) >= LP_BOUND_MIN_PAIRS:
        return True
    orders = np.unique(arrays.order[rows])
    return any(problem.orders[i].current for i in orders.tolist())


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
