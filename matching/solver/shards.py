"""Split a run into independent shards, and merge the shards' solutions.

A shard is one connected component of the order-window eligibility graph (usually one
category), or a batch of small ones, stated as a smaller ``MatchingProblem``. Shards share
no order and no window, so solving them separately (on one machine or on many workers) and
merging the results gives exactly the solution of the whole problem. Run here, one after
the other, the time a shard leaves unused rolls over to the next (``solve_shards_in_turn``).

The run's bound is not the sum of bounds each shard proves in its own sliver of time: the
split also gives the pairs of one LP bound over the whole problem (``whole_problem_pairs``,
one block per component, shard by shard, the same LP ``solve`` runs beside its search; only
when some shard is one ``solve`` would bound by the LP), which the run solves with its
whole time beside the shards, and each shard's bound is the smaller of its own (its orders'
best windows, CP-SAT's stage-1 bound) and the LP's for its blocks (``with_run_bound``).
The shards themselves start no LP (``SolverParams.lp_bound``). On a market too large for
every pair (``candidate_arrays.windows_per_order``) the shards carry each order's capped
pairs and say so in their parameters, and neither an LP nor CP-SAT on those pairs bounds the
whole problem: the run's bound is then every order in its best window, capacity ignored.
"""

from __future__ import annotations

import dataclasses
import queue
import time
from collections.abc import Callable, Sequence
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
    with_windows_per_order,
)
from matching.solver.model import (
    BATCH_MAX_PAIRS,
    LP_BOUND_MIN_PAIRS,
    batches,
    component_floor,
    in_two_lanes,
    lanes,
    priority_weight,
    solve,
    time_share,
    time_weight,
    with_workers,
)
from matching.solver.problem import MatchingProblem, MatchingSolution, UnmatchedReason


@dataclass(frozen=True)
class ShardPlan:
    shards: tuple[MatchingProblem, ...]
    # orders that no shard holds (no eligible window), with the reason
    unmatched: dict[int, UnmatchedReason]
    candidate_pairs: int
    split_seconds: float
    # the pairs of the whole problem's LP bound, one block per component, shard by shard
    # (None once the plan travels to the write: only the run's bound needs them)
    bound_pairs: BoundPairs | None = None
    # how many blocks (components) of that LP each shard holds, in the order of the shards:
    # a shard's LP bound is the sum of its components', each the smaller of its LP bound and
    # its orders' best windows (empty in plans written before: one block per shard)
    shard_blocks: tuple[int, ...] = ()


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
    results: Sequence[ShardResult],
    shard_bounds: Sequence[float] | None,
    shard_blocks: Sequence[int] = (),
) -> list[ShardResult]:
    """The shards' results with each shard's bound the smaller of its own and the run's LP
    bound of its blocks; both are proofs, so is the smaller. ``shard_blocks``: how many
    consecutive blocks of ``shard_bounds`` (one per component) each shard holds, whose
    bounds add up; empty: one block per shard (``shard_bounds[index]``)."""
    if shard_bounds is None:
        return list(results)
    if shard_blocks:
        ends = np.cumsum(shard_blocks).tolist()
        shard_bounds = [
            float(sum(shard_bounds[end - count : end]))
            for count, end in zip(shard_blocks, ends, strict=True)
        ]
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


def split_into_shards(problem: MatchingProblem, *, at_least: int = 1) -> ShardPlan:
    """The run's shards: the units ``solve`` itself takes (``batches``), largest first. A
    component of more than ``CPSAT_MAX_PAIRS`` pairs is a shard alone; smaller ones go
    together, consecutive (smallest first) up to ``BATCH_MAX_PAIRS`` pairs, so that one
    shard's ``solve`` answers them as one CP-SAT model, as the whole problem's ``solve``
    would. At 10k x 2k the 197 small components, one shard each, paid a ``solve``'s fixed
    costs 197 times, and what each left of its slice of time was lost. ``at_least``: small
    components are spread over at least that many shards (when there are that many), so
    that several workers share them.

    Each shard gets a floor of time plus its share of the rest of the time limit by size
    (``time_share``), as units do within one ``solve`` (``component_floor``,
    ``time_weight``). A tiny component is not starved: it is solved exactly anyway
    (``EXACT_MAX_PAIRS``).

    The eligible pairs are found once, here: each shard carries its own rows
    (``MatchingProblem.pairs``), so that its ``solve`` (on any worker) does not filter
    again. A shard keeps the problem's order of orders and windows. Shards start no LP
    bound: the plan carries the pairs of one over the whole problem (``bound_pairs``),
    one block per component, shard by shard (``shard_blocks``)."""
    started = time.perf_counter()
    # a market too large for every pair: the shards carry (and know they carry) each
    # order's capped pairs, and no LP over them bounds the whole problem
    problem = with_windows_per_order(problem)
    capped = problem.solver.max_windows_per_order is not None
    arrays = problem_pairs(problem)
    groups = component_groups(components(problem, arrays))
    units = shard_units(groups, at_least)
    blocks = [np.sort(np.concatenate([groups[i] for i in unit])) for unit in units]
    limit = problem.solver.time_limit_seconds
    # as units within one solve: the floors take at most FLOOR_SHARE of the limit, and a
    # shard CP-SAT solves weighs MODEL_TIME_WEIGHT per pair
    weights = [time_weight(len(rows)) for rows in blocks]
    floor = component_floor(limit, len(blocks))
    shards = []
    for rows, weight in zip(blocks, weights, strict=True):
        orders = np.unique(arrays.order[rows]).astype(np.int64)
        windows = np.unique(arrays.window[rows]).astype(np.int64)
        factories = np.unique(arrays.factory[rows]).astype(np.int64)
        share = time_share(
            limit, pairs=weight, pairs_left=sum(weights), parts_left=len(blocks), floor=floor
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
            whole_problem_pairs(problem, arrays, [groups[i] for unit in units for i in unit])
            if not capped
            and any(needs_lp_bound(problem, arrays, groups[i]) for unit in units for i in unit)
            else None
        ),
        shard_blocks=tuple(len(unit) for unit in units),
    )


def shard_units(groups: list[IntArray], at_least: int = 1) -> list[list[int]]:
    """Which components (``groups``, largest first) each shard holds, largest shard first:
    ``solve``'s own batches, in smaller batches while there are fewer than ``at_least``
    shards and more components."""
    wanted = min(at_least, len(groups))
    max_pairs = BATCH_MAX_PAIRS
    units = batches(groups, max_pairs)
    while len(units) < wanted and max_pairs > 1:
        max_pairs //= 2
        units = batches(groups, max_pairs)
    return units[::-1]


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


def solve_shards_in_turn(
    shards: Sequence[MatchingProblem],
    *,
    seconds: float,
    worker: str,
    done: Callable[[ShardResult], None] | None = None,
    side_by_side: bool = True,
) -> list[ShardResult]:
    """Every shard here, smallest first (the plan lists them largest first), each with its
    share of the time left of ``seconds`` (``shards_within`` on the shards not yet
    solved): as components within one ``solve``, what a shard leaves unused (small ones are
    often proven optimal early) rolls over to the larger ones. With ``workers`` of at least
    2 (and ``side_by_side``: ``model.second_lane_pays``) the shards go into two lanes of
    about equal weight that run side by side, as the units of one ``solve`` do
    (``model.solve_units``). ``done`` is called after each shard, always in this thread (it
    may write to the database): a shard of the other lane is reported when this lane
    finishes one, and at the end. Results come in the order reported."""
    deadline = time.perf_counter() + seconds
    todo = list(reversed(range(len(shards))))
    workers = min((shard.solver.workers for shard in shards), default=1)
    weights = [time_weight(shard_pairs(shards[i])) for i in todo]
    first, second = lanes(weights, workers if side_by_side else 1)
    if not first or not second:
        return solve_in_turn(shards, todo, deadline, worker, done)
    in_lanes = [with_workers(shard, workers // 2) for shard in shards]
    other_lane: queue.SimpleQueue[ShardResult] = queue.SimpleQueue()
    results: list[ShardResult] = []

    def report(result: ShardResult | None) -> None:
        finished = [result] if result is not None else []
        while not other_lane.empty():
            finished.append(other_lane.get())
        for one in finished:
            if done is not None:
                done(one)
            results.append(one)

    in_two_lanes(
        lambda: solve_in_turn(in_lanes, [todo[k] for k in first], deadline, worker, other_lane.put),
        lambda: solve_in_turn(in_lanes, [todo[k] for k in second], deadline, worker, report),
    )
    report(None)
    return results


def shard_pairs(shard: MatchingProblem) -> int:
    return shard.pairs.rows if shard.pairs is not None else 0


def solve_in_turn(
    shards: Sequence[MatchingProblem],
    todo: list[int],
    deadline: float,
    worker: str,
    done: Callable[[ShardResult], None] | None,
) -> list[ShardResult]:
    """The shards of ``todo`` (indices into ``shards``) one after the other, each with its
    share of the time left before ``deadline``."""
    results = []
    for k, index in enumerate(todo):
        left = tuple(shards[i] for i in todo[k:])
        shard = shards_within(left, deadline - time.perf_counter())[0]
        result = solve_shard(shard, index=index, worker=worker)
        if done is not None:
            done(result)
        results.append(result)
    return results


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
