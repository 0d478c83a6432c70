"""The CP-SAT model: choose at most one window per order, in three lexicographic stages.

Stage 1 maximises matched units weighted by priority. Stage 2 keeps the stage-1 value
and minimises production plus transport cost. Stage 3 keeps both and maximises factory
quality. Independent components of the order-window graph are solved one by one, smallest
first, each with a floor of time; each starts from the greedy answer improved by the packing
local search (``local_search.py``), which with the large-neighbourhood search (``lns.py``:
CP-SAT on a few hundred pairs at a time) answers components too large for one CP-SAT model.
Components of a handful of pairs go to CP-SAT straight from the greedy answer and are solved
exactly, however little time their size earns them.
See docs/matching.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from ortools.sat.python import cp_model

from matching.solver.bound import (
    VALUE_PER_WEIGHTED_UNIT,
    LpBound,
    pairs_of_blocks,
    row_unit_values,
    unit_value,
)
from matching.solver.candidate_arrays import (
    CandidateArrays,
    FloatArray,
    Int32Array,
    IntArray,
    RowCandidates,
    component_groups,
    components,
    problem_pairs,
    to_candidates,
    with_windows_per_order,
)
from matching.solver.candidates import Candidate, part_range
from matching.solver.lns import large_neighbourhood_search
from matching.solver.local_search import Packing, PairTable, improve_packing
from matching.solver.problem import (
    MatchingProblem,
    MatchingSolution,
    OrderData,
    PlannedAssignment,
    Priority,
    SolverParams,
    UnmatchedReason,
    WindowData,
    with_booked_percent,
)
from matching.solver.schedule import Job, free_until, schedule_window

# Stage-1 weight of one unit: PRIORITY_SCALE per priority level plus up to MAX_AGE_DAYS.
PRIORITY_SCALE = 1000
MAX_AGE_DAYS = 100
MAX_QUALITY = 100
# CP-SAT needs every linear expression to stay far from int64 overflow.
MAX_OBJECTIVE_MAGNITUDE = 2**60
# The least time a component (and a shard, see shards.py) gets, however small its share of
# the run's time: it is set aside before the rest is shared by size.
COMPONENT_FLOOR_SECONDS = 0.1
# within one solve, the floors together take at most this share of the time left
FLOOR_SHARE = 0.25
# how much more time per pair a unit CP-SAT solves (a component or a batch of at most
# CPSAT_MAX_PAIRS pairs) gets than a component the searches answer alone. 3 since the search
# on large components was compiled (2026-12-07): on the 10k x 2k market (seed 1) the batches
# of small components ended up to 10% below CP-SAT's bound on them, and with ten times
# their time gained 0.7% (about 1.8e10 of value a second), where the largest component
# gained about 1.8e9 a second from 12 s on; in whole 30 s solves the gap fell from
# 2.1-2.2% to 1.8-1.9% on seeds 1 and 2 (seed 0 unchanged at 1.05-1.1%). Until then 1
# (3x for the components searched alone before issue 12's per-block bound split; see
# docs/benchmarks.md)
MODEL_TIME_WEIGHT = 3
# Components of at most this many pairs are solved exactly, each as its own model: CP-SAT
# proves one optimal in milliseconds, so it may take up to EXACT_SECONDS whatever its share
# (and skips the local search). Without this a one-pair shard of a large run got a sliver of
# a second and came back UNKNOWN, or FEASIBLE with a 100% gap. Together in one model they
# are not proven: the stage-2 row (the stage-1 optimum kept, summed over them) couples
# independent components, and at 300k x 25k a model of 140 of them ran its 10 s without a
# proof where one model each took 1.0 s for all 140, every one OPTIMAL.
EXACT_MAX_PAIRS = 20
EXACT_SECONDS = 1.0
# Larger components are answered by the local search and the large-neighbourhood search
# (lns.py) on a few hundred pairs at a time: on the whole of them CP-SAT rarely improves
# on the local search in the time a run has (from about 100,000 pairs its presolve does
# not even finish, so it returns nothing). See docs/matching.md, "Why this combination".
CPSAT_MAX_PAIRS = 5_000
# The share of a smaller component's time the local search may use before CP-SAT starts
# (it stops earlier when it stalls).
SEARCH_SHARE = 0.6
# On larger components, the share of the time the local search may use before the
# large-neighbourhood search (lns.py) takes the rest (it stops earlier when it stalls).
LNS_SEARCH_SHARE = 0.5
# With pooled pairs (拼单) in a component, the share of its time for pooling the orders the
# searches left out (``pools_in_room_left``; after the search's share on a component CP-SAT
# solves, the last of it on a larger one), the most pairs that step looks at, and its time:
# at least (or nothing) and at most
POOL_SHARE = 0.1
POOL_MAX_PAIRS = 3_000
MIN_POOL_SECONDS = 0.05
POOL_MAX_SECONDS = 5.0
# Of CP-SAT's time on a component, stage 1 (weighted units, which rank answers first) gets
# this share, stage 2 (cost) up to STAGE2_END of it in all, stage 3 the rest. (0.4 and 0.8
# until 2026-12-06: on the 10k market's components of 1,000-5,000 pairs stage 1 then often
# ended where the local search had, and 0.7 found more on some of them.)
STAGE1_SHARE = 0.7
STAGE2_END = 0.9
# Components of at most CPSAT_MAX_PAIRS pairs are solved together, as one model, up to
# this many pairs (``batches``): at 100k x 10k the 952 such components, one solve each,
# took 30 s of a 60 s limit in fixed costs alone.
BATCH_MAX_PAIRS = 2_000
# A batch whose share of the time gives less than this per pair cannot pay for its CP-SAT
# model (objects, model, three stages: 50-60 us per pair at the least, measured on the
# batches of the 300k x 25k market) and is answered as a large component is, by the
# searches on the arrays (about 26 us per pair). At 300k x 25k the 370 batches of small
# components took 41.6 s of a 60 s limit where their shares added up to 14.3 s, and the
# largest components, most of the value, were left their greedy answer past the deadline.
MODEL_SECONDS_PER_PAIR = 1e-4
# Components of at least this many pairs get the LP bound (HiGHS in its own process, beside
# the search); smaller ones CP-SAT's stage-1 bound, which it proves in milliseconds.
LP_BOUND_MIN_PAIRS = 1_000
# CPU seconds per pair of that LP (dual simplex, block by block): 7.2 s for the 205,000 LP
# pairs of the 10k x 2k market (seed 1), measured 2026-12-07 (``second_lane_pays``)
LP_SECONDS_PER_PAIR = 3.5e-5
# The time limit covers everything ``solve`` does (candidates, bound, search, CP-SAT,
# planned dates); this share of it, and at most RESERVE_SECONDS, is kept for what comes
# after the search (waiting for the bound, the planned dates, returning the answer).
RESERVE_SHARE = 0.06
RESERVE_SECONDS = 3.0

Key = tuple[int, int]  # (order id, window id)
T = TypeVar("T")
Choice = dict[Key, cp_model.IntVar]
# units made by each pair: q * x for a whole order, an integer variable for a part
Units = dict[Key, cp_model.LinearExpr]


def priority_weight(order: OrderData, params: SolverParams) -> int:
    """Stage-1 weight of one unit of ``order``: rush first, then older orders."""
    level = params.rush_weight if order.priority == Priority.RUSH else 1
    return PRIORITY_SCALE * level + min(max(order.age_days, 0), MAX_AGE_DAYS)


def pair_weight(candidate: Candidate, params: SolverParams) -> int:
    """Stage-1 weight of one unit made by ``candidate``: its order's priority weight, times the
    pair's acceptance estimate (``OrderData.window_accept``) or else its capability's
    acceptance rate in hundredths when the problem carries those, and with
    the fairness setting on, up to ``fairness_percent`` more at a factory whose capacity is
    still unbooked (the slope, at the run's start, of a concave reward on each factory's
    share of its own capacity). The value and its bound stay in priority weights."""
    base = priority_weight(candidate.order, params)
    capability = candidate.factory.capability_for(candidate.window.category_id)
    pair_rate = (
        candidate.order.window_accept_by_id.get(candidate.window.id)
        if candidate.order.window_accept
        else None
    )
    if pair_rate is not None:
        # the caller's per-pair estimate (OrderData.window_accept), in hundredths
        base *= min(max(pair_rate, 1), 100)
    elif capability is not None and capability.accept_rate is not None:
        # expected accepted units: in hundredths, 1..100 (Capability.accept_rate)
        base *= min(max(round(100 * capability.accept_rate), 1), 100)
    if not params.fairness_percent:
        return base
    free = 100 - min(max(candidate.factory.booked_percent or 0, 0), 100)
    return base * (10_000 + params.fairness_percent * free)


def unit_cost(candidate: Candidate) -> int:
    """Stage-2 weight of one unit: production plus transport, in fen, adjusted for the
    factory's reliability and the order's preferred factory."""
    return (
        candidate.unit_price_fen
        + candidate.transport_cost_fen_per_unit
        + candidate.cost_adjust_fen_per_unit
    )


def quality(candidate: Candidate) -> int:
    """Stage-3 weight of one unit: the factory's reliability, 0..100."""
    return min(max(candidate.factory.reliability_percent, 0), MAX_QUALITY)


@dataclass(frozen=True)
class ComponentResult:
    chosen: list[tuple[Candidate, int]]  # pairs used and the units each makes
    status: str  # OPTIMAL, FEASIBLE or CP-SAT's status when nothing was found
    objective: int  # production plus transport cost in fen
    best_bound: int  # proven lower bound on that cost (0 when stage 2 found nothing)
    # a proven upper bound on the component's value (bound.py) from CP-SAT's stage-1 bound
    # on weighted units; inf when CP-SAT did not run (the LP bound covers the component)
    value_bound: float = math.inf


def solve(problem: MatchingProblem) -> MatchingSolution:
    """Assign whole orders to capacity windows; see docs/matching.md."""
    build_start = time.perf_counter()
    params = problem.solver
    limit = params.time_limit_seconds
    # everything below, the candidates included, is done by this time
    deadline = build_start + limit - min(limit * RESERVE_SHARE, RESERVE_SECONDS)
    if params.fairness_percent:
        problem = with_booked_percent(problem)
    # on a market too large for every pair, each order keeps some: then only the bound of
    # every order in its best window covers the whole problem (no LP, no CP-SAT bound)
    problem = with_windows_per_order(problem)
    capped = problem.solver.max_windows_per_order is not None
    if capped and params.lp_bound:
        problem = dataclasses.replace(
            problem, solver=dataclasses.replace(problem.solver, lp_bound=False)
        )
    # every eligible pair as numpy columns (or those a shard carries); ``Candidate``
    # objects are made one component at a time, as it is solved
    arrays = problem_pairs(problem)
    unmatched = unmatched_without_pairs(problem, arrays)
    if not len(arrays):
        build_seconds = time.perf_counter() - build_start
        return without_assignments(problem, unmatched, "NO_CANDIDATES", 0, build_seconds, 0.0)
    labels = components(problem, arrays)
    groups = component_groups(labels)  # row indices of each component, largest first
    weights = np.array([priority_weight(o, params) for o in problem.orders], dtype=np.int64)
    by_lp, lp = start_lp_bound(problem, arrays, groups, weights, deadline)
    best_windows = best_windows_values(problem, arrays, labels, weights)
    build_seconds = time.perf_counter() - build_start

    solve_start = time.perf_counter()
    units = batches(groups)
    side_by_side = second_lane_pays(lp, deadline - time.perf_counter())
    results = solve_units(problem, arrays, groups, units, deadline, side_by_side=side_by_side)
    lp_bound = lp.finish(max(deadline - time.perf_counter(), 0.0)) if lp is not None else None
    component_bounds = [float(best) for best in best_windows]
    if lp_bound is not None:
        for block, index in enumerate(by_lp):
            component_bounds[index] = min(component_bounds[index], lp_bound.per_block[block])
    # a batch's CP-SAT bound covers its components together (on its pairs: not a proof
    # for the whole problem when some were left out)
    value_bound = certified_sum(
        [
            min(sum(component_bounds[i] for i in unit), math.inf if capped else result.value_bound)
            for unit, result in zip(units, results, strict=True)
        ]
    )
    solve_seconds = time.perf_counter() - solve_start
    found = [r for r in results if r.status in ("OPTIMAL", "FEASIBLE")]
    if not found:
        return dataclasses.replace(
            without_assignments(
                problem, unmatched, results[-1].status, len(arrays), build_seconds, solve_seconds
            ),
            value_bound=value_bound,
        )
    return solution_of_results(
        problem,
        arrays,
        results,
        unmatched,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        value_bound=value_bound,
    )


def unmatched_without_pairs(
    problem: MatchingProblem, arrays: CandidateArrays
) -> dict[int, UnmatchedReason]:
    """Order id -> reason for the orders no window can take: the furthest candidate filter
    each passed, or ``POOL_TOO_SMALL`` for an order whose every pair is pooled (拼单) until
    a pool opens for it."""
    unmatched = arrays.unmatched(problem)
    pool_only = np.zeros(len(problem.orders), dtype=np.bool_)
    pool_only[arrays.order[arrays.pooled]] = True
    pool_only[arrays.order[~arrays.pooled]] = False
    unmatched |= {
        problem.orders[int(i)].id: UnmatchedReason.POOL_TOO_SMALL for i in np.flatnonzero(pool_only)
    }
    return unmatched


def start_lp_bound(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    groups: list[IntArray],
    weights: IntArray,
    deadline: float,
) -> tuple[list[int], LpBound | None]:
    """The whole-problem bound: CP-SAT's stage-1 bound on the components it solves; the LP
    bound (HiGHS, in its own process, beside the search, started here) on the others, and on
    those holding unanswered offers (whose stay-matched rule the LP does not state). Returns
    the components the LP bounds and the LP. (A shard of a run leaves the LP to the run:
    shards.py, ``whole_problem_pairs``.)"""
    holding = np.array([bool(o.current) for o in problem.orders], dtype=np.bool_)
    by_lp = [
        i
        for i, rows in enumerate(groups)
        if problem.solver.lp_bound
        and (len(rows) >= LP_BOUND_MIN_PAIRS or holding[arrays.order[rows]].any())
    ]
    if not by_lp:
        return by_lp, None
    blocks = pairs_of_blocks(problem, arrays, [groups[i] for i in by_lp], weights)
    return by_lp, LpBound(blocks, deadline - time.perf_counter())


def solve_units(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    groups: list[IntArray],
    units: list[list[int]],
    deadline: float,
    *,
    side_by_side: bool = True,
) -> list[ComponentResult]:
    """The units of ``batches`` answered, in their order, each within ``deadline``.

    With ``workers`` of at least 2 and ``side_by_side`` (``second_lane_pays``), the units go
    into two lanes of about equal weight (``lanes``) that run side by side, each with the
    whole time and ``workers // 2`` CP-SAT threads, so that the solve keeps to ``workers``
    threads: one lane in a thread of its own (the compiled ruin and recreate releases the
    GIL, as CP-SAT does), the other in this one. In turn, a 30 s solve at 10k x 2k used 1.4
    of the 2 cores (docs/benchmarks.md, 2026-12-07, fifth session)."""
    columns = shared_columns(problem)
    weights = [time_weight(unit_pairs(groups, unit)) for unit in units]
    first, second = lanes(weights, problem.solver.workers if side_by_side else 1)
    if not first or not second:
        return solve_in_turn(problem, arrays, groups, units, deadline, columns)
    lane = with_workers(problem, problem.solver.workers // 2)
    answers = in_two_lanes(
        lambda: solve_in_turn(lane, arrays, groups, [units[i] for i in first], deadline, columns),
        lambda: solve_in_turn(lane, arrays, groups, [units[i] for i in second], deadline, columns),
    )
    by_unit = dict(zip(first, answers[0], strict=True))
    by_unit |= dict(zip(second, answers[1], strict=True))
    return [by_unit[i] for i in range(len(units))]


def lanes(weights: list[int], workers: int) -> tuple[list[int], list[int]]:
    """The units (by index, each lane in the order given) of two lanes of about equal
    weight: the heaviest first, each into the lighter lane. One lane (the second empty)
    with fewer than 2 workers or a single unit."""
    if workers < 2 or len(weights) < 2:
        return list(range(len(weights))), []
    load = [0, 0]
    lane_of = [0] * len(weights)
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lane = 0 if load[0] <= load[1] else 1
        lane_of[index] = lane
        load[lane] += weights[index]
    return (
        [i for i in range(len(weights)) if lane_of[i] == 0],
        [i for i in range(len(weights)) if lane_of[i] == 1],
    )


def second_lane_pays(lp: LpBound | None, seconds: float) -> bool:
    """Whether a second lane (``solve_units``, a run's shards) finds a core free: only when
    the LP bound beside the search (``lp``: HiGHS in its own process, about
    ``LP_SECONDS_PER_PAIR`` of CPU per pair) leaves it free for at least half of
    ``seconds``. At 10k x 2k (about 200,000 LP pairs, 7 s of a 30 s solve) two lanes took
    0.15-0.25 points off the gap; at 100k x 10k (5.2 million, the LP busy for the whole
    60 s) three busy threads on two cores lost 0.2-1.2% of the value (docs/benchmarks.md,
    2026-12-07, fifth session)."""
    return lp is None or len(lp.pairs) * LP_SECONDS_PER_PAIR <= seconds / 2


def in_two_lanes(
    first: Callable[[], list[T]], second: Callable[[], list[T]]
) -> tuple[list[T], list[T]]:
    """The two lanes of ``solve_units`` (and of a run's shards, ``shards.py``): ``first``
    in a thread of its own (named ``solve-lane``), ``second`` in this one; both answers."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="solve-lane") as pool:
        first_lane = pool.submit(first)
        second_lane = second()
        return first_lane.result(), second_lane


def with_workers(problem: MatchingProblem, workers: int) -> MatchingProblem:
    return dataclasses.replace(problem, solver=dataclasses.replace(problem.solver, workers=workers))


def unit_pairs(groups: list[IntArray], unit: list[int]) -> int:
    return sum(len(groups[i]) for i in unit)


def shared_columns(problem: MatchingProblem) -> Callable[[], ProblemColumns]:
    """The problem's ``ProblemColumns``, made once, when the first unit answered on the
    arrays asks for them (from either lane of ``solve_units``)."""
    made: list[ProblemColumns] = []
    lock = threading.Lock()

    def columns() -> ProblemColumns:
        with lock:
            if not made:
                made.append(ProblemColumns.of(problem))
            return made[0]

    return columns


def solve_in_turn(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    groups: list[IntArray],
    units: list[list[int]],
    deadline: float,
    columns: Callable[[], ProblemColumns],
) -> list[ComponentResult]:
    """Each unit of ``batches`` solved in turn, by time share.

    Components share no order and no window, so solving each one lexicographically is the
    same as solving the whole problem lexicographically, and far easier for CP-SAT. Smallest
    first: they are solved to optimality in milliseconds, and the time they leave rolls over
    to the large ones. Each gets a floor plus its share by size of the time left (model
    building included), so no small component is starved. Small components are solved a
    batch at a time: each solve has a fixed cost (objects, greedy, search, model, three
    CP-SAT stages) that hundreds of them could not afford."""
    results: list[ComponentResult] = []
    sizes = [time_weight(unit_pairs(groups, unit)) for unit in units]
    pairs_left = sum(sizes)
    for index, unit in enumerate(units):
        time_left = max(deadline - time.perf_counter(), 0.0)
        parts_left = len(units) - index
        share = time_share(
            time_left,
            pairs=sizes[index],
            pairs_left=pairs_left,
            parts_left=parts_left,
            floor=component_floor(time_left, parts_left),
        )
        rows = np.sort(np.concatenate([groups[i] for i in unit]))
        if len(rows) > CPSAT_MAX_PAIRS:
            # no per-pair objects: the packing reads the arrays, and only the pairs the
            # search looks at closely (neighbourhoods, the answer) become objects
            results.append(solve_large_component(problem, arrays, rows, columns(), share))
        else:
            results.append(solve_batch(problem, arrays, [groups[i] for i in unit], share, columns))
        pairs_left -= sizes[index]
    return results


def solve_batch(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    parts: list[IntArray],
    time_limit_seconds: float,
    columns: Callable[[], ProblemColumns],
) -> ComponentResult:
    """A batch of components (``batches``): each tiny one (at most ``EXACT_MAX_PAIRS`` pairs)
    alone, solved exactly whatever the batch's share; then the others as one model in the
    time left, or at least their share of the batch's time by pairs. Until 2026-12-07 the
    tiny ones were one model (before that, one with the rest of the batch), which CP-SAT
    often could not prove (``EXACT_MAX_PAIRS``). When that time cannot pay for the model
    (``MODEL_SECONDS_PER_PAIR``) the others are answered on the arrays, as a large
    component is (``columns``: the problem's, made once per ``solve``)."""
    started = time.perf_counter()
    results = [
        solve_component(to_candidates(problem, arrays, np.sort(rows)), problem, 0.0)
        for rows in parts
        if len(rows) <= EXACT_MAX_PAIRS
    ]
    rest = [rows for rows in parts if len(rows) > EXACT_MAX_PAIRS]
    if rest:
        rows = np.sort(np.concatenate(rest))
        # the tiny ones' exact solves do not take the others' share: on the 10k x 2k market
        # (seed 1) 67 of them took 0.5 s of a batch's 0.32 s, the 41 others were left the
        # greedy answer alone, 8% less value in that batch (0.6% of the whole)
        own_share = time_limit_seconds * len(rows) / sum(len(part) for part in parts)
        time_left = max(started + time_limit_seconds - time.perf_counter(), own_share)
        if time_left < MODEL_SECONDS_PER_PAIR * len(rows):
            results.append(solve_large_component(problem, arrays, rows, columns(), time_left))
        else:
            candidates = to_candidates(problem, arrays, rows)
            results.append(solve_component(candidates, problem, time_left))
    return results[0] if len(results) == 1 else together(results)


def together(results: list[ComponentResult]) -> ComponentResult:
    """The answers of independent models as one: what each chose, costs and bounds summed."""
    found = [r for r in results if r.status in ("OPTIMAL", "FEASIBLE")]
    if all(r.status == "OPTIMAL" for r in results):
        status = "OPTIMAL"
    else:
        status = "FEASIBLE" if found else results[-1].status
    return ComponentResult(
        chosen=[c for r in found for c in r.chosen],
        status=status,
        objective=sum(r.objective for r in found),
        best_bound=sum(r.best_bound for r in found),
        value_bound=sum(r.value_bound for r in results),
    )


def solution_of_results(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    results: list[ComponentResult],
    unmatched: dict[int, UnmatchedReason],
    *,
    build_seconds: float,
    solve_seconds: float,
    value_bound: float,
) -> MatchingSolution:
    """The solution the components' answers make together, with planned dates and a reason
    for every order left out."""
    params = problem.solver
    found = [r for r in results if r.status in ("OPTIMAL", "FEASIBLE")]
    chosen = [c for r in found for c in r.chosen]
    assignments = plan_assignments(chosen, problem.first_production_date)
    assigned = {a.order_id for a in assignments}
    # An order that kept candidates but got no window lost the contest for capacity (so did
    # a pooling order with a pool open in one of its windows: 拼单).
    open_pools = {a.pool for a in assignments if a.pool is not None}
    window_ids = np.array([w.id for w in problem.windows], dtype=np.int64)
    unmatched = dict(unmatched)
    for i in arrays.order[np.isin(window_ids[arrays.window], list(open_pools))]:
        unmatched.pop(problem.orders[int(i)].id, None)
    reasons = {
        o.id: unmatched.get(o.id, UnmatchedReason.CAPACITY_FULL)
        for o in problem.orders
        if o.id not in assigned
    }
    all_optimal = all(r.status == "OPTIMAL" for r in results)
    return MatchingSolution(
        solver_status="OPTIMAL" if all_optimal else "FEASIBLE",
        assignments=assignments,
        unmatched=reasons,
        candidate_pairs=len(arrays),
        objective=float(sum(r.objective for r in found)),
        best_bound=float(sum(r.best_bound for r in found)),
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        value=float(
            sum(unit_value(c, priority_weight(c.order, params)) * made for c, made in chosen)
        ),
        value_bound=value_bound,
    )


def best_windows_values(
    problem: MatchingProblem, arrays: CandidateArrays, labels: Int32Array, weights: IntArray
) -> FloatArray:
    """Per component (label): every order in its most valuable window, capacity ignored, a
    bound on the value."""
    rows = np.arange(len(arrays), dtype=np.int64)
    quantity = np.array([o.quantity for o in problem.orders], dtype=np.float64)
    value = quantity[arrays.order] * row_unit_values(arrays, weights, rows)
    # every order's rows are contiguous
    starts = np.flatnonzero(np.diff(arrays.order, prepend=np.int32(-1)))
    best = np.maximum(np.maximum.reduceat(value, starts), 0.0)
    found: FloatArray = np.bincount(
        labels[starts], weights=best, minlength=int(labels.max()) + 1
    ).astype(np.float64)
    return found


def batches(groups: list[IntArray], max_pairs: int = BATCH_MAX_PAIRS) -> list[list[int]]:
    """The order in which ``solve`` takes the components (``groups``, largest first), and
    which it solves together: smallest first, consecutive components of at most
    ``CPSAT_MAX_PAIRS`` pairs in batches of up to ``max_pairs`` pairs (one model of
    independent parts: its lexicographic optimum is theirs), every larger one alone. A
    run's shards are these batches too (shards.py)."""
    units: list[list[int]] = []
    batch: list[int] = []
    pairs = 0
    for index in reversed(range(len(groups))):
        size = len(groups[index])
        if batch and (size > CPSAT_MAX_PAIRS or pairs + size > max_pairs):
            units.append(batch)
            batch, pairs = [], 0
        if size > CPSAT_MAX_PAIRS:
            units.append([index])
            continue
        batch.append(index)
        pairs += size
    if batch:
        units.append(batch)
    return units


def certified_sum(bounds: list[float]) -> float:
    """The sum of per-component bounds with a relative 1e-9 (and 1 fen) for rounding."""
    total = float(sum(bounds))
    return total * (1 + 1e-9) + 1.0 if total > 0 else 0.0


def time_share(
    time_left: float,
    *,
    pairs: int,
    pairs_left: int,
    parts_left: int,
    floor: float = COMPONENT_FLOOR_SECONDS,
) -> float:
    """The time of one of ``parts_left`` components (or shards) holding ``pairs_left`` pairs:
    a floor each, then the rest of ``time_left`` by size. When the time left cannot cover
    every floor, the floors still hold (small parts stop early, once proven optimal)."""
    rest = max(time_left - parts_left * floor, 0.0)
    return floor + rest * pairs / max(pairs_left, 1)


def time_weight(pairs: int) -> int:
    """A unit's weight in sharing the time of one ``solve`` (or a shard's in a run's): its
    pairs, times ``MODEL_TIME_WEIGHT`` when CP-SAT solves it. CP-SAT proves most small
    components optimal in a fraction of their share and gives the rest back, but on batches
    and components of a few thousand pairs it keeps finding more with time, where the
    compiled search on the largest components levels off sooner."""
    return pairs * (1 if pairs > CPSAT_MAX_PAIRS else MODEL_TIME_WEIGHT)


def component_floor(time_left: float, parts_left: int) -> float:
    """The floor of a component within one ``solve``: ``COMPONENT_FLOOR_SECONDS``, but the
    floors together take at most ``FLOOR_SHARE`` of the time left. With hundreds of
    components the full floors used to leave the largest one (most of the pairs) a few
    seconds of a 30 s limit."""
    return min(COMPONENT_FLOOR_SECONDS, FLOOR_SHARE * time_left / max(parts_left, 1))


def independent_components(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Group pairs into connected components of the order-window graph (union-find), in
    the order ``candidate_arrays.components`` numbers them: the reference the tests compare
    that one with (``solve`` uses the arrays)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def root(node: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for c in candidates:
        a, b = root(("order", c.order.id)), root(("window", c.window.id))
        if a != b:
            parent[a] = b
    groups: dict[tuple[str, int], list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[root(("order", c.order.id))].append(c)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].key))


def solve_component(
    candidates: list[Candidate],
    problem: MatchingProblem,
    time_limit_seconds: float,
) -> ComponentResult:
    """The greedy start, improved by local search, then (components of at most
    ``CPSAT_MAX_PAIRS`` pairs) the three lexicographic CP-SAT stages from it. A component
    of at most ``EXACT_MAX_PAIRS`` pairs goes to CP-SAT from the greedy start, with the time
    it needs to prove the optimum."""
    started = time.perf_counter()
    start, greedy, large, time_limit_seconds = component_start(
        candidates, problem, time_limit_seconds
    )
    if large:
        chosen = [(c, start[c.key]) for c in candidates if c.key in start]
        cost_value = sum(unit_cost(c) * made for c, made in chosen)
        return ComponentResult(chosen, "FEASIBLE" if chosen else "UNKNOWN", cost_value, 0)
    built = component_model(candidates, problem, greedy)
    time_left = max(started + time_limit_seconds - time.perf_counter(), 0.0)
    return solve_stages(built, candidates, start, problem.solver, time_left)


def component_start(
    candidates: list[Candidate],
    problem: MatchingProblem,
    time_limit_seconds: float,
) -> tuple[dict[Key, int], dict[Key, int], bool, float]:
    """Where CP-SAT starts on a component: the greedy answer, improved by the local search
    when there is time and something to search. Returns the start, the greedy answer, whether
    the start is the answer (a component too large for CP-SAT, or no time left) and the
    component's time (a tiny component gets up to ``EXACT_SECONDS``)."""
    started = time.perf_counter()
    params = problem.solver
    # the greedy start and the searches never start a pool (拼单): pooled pairs are used by
    # CP-SAT only, whose model holds every pool to its factory's minimum
    plain = [c for c in candidates if not c.pooled]
    packing = Packing(
        plain, problem.first_production_date, lambda c: pair_weight(c, params), unit_cost, {}
    )
    greedy_parts = greedy_fill(packing, params)
    greedy = {packing.key(p): units for p, units in greedy_parts}
    large = len(candidates) > CPSAT_MAX_PAIRS
    if len(candidates) <= EXACT_MAX_PAIRS:
        return greedy, greedy, large, max(time_limit_seconds, EXACT_SECONDS)
    if time_limit_seconds <= 0:
        # the run's time is up (a build that took it all, on an overloaded machine): the
        # greedy answer, without the search or a CP-SAT model, whose building alone would
        # take a share of a second per component
        return greedy, greedy, True, time_limit_seconds
    pooled = [c for c in candidates if c.pooled]
    start = greedy
    if plain:
        search_share = 1.0 - (POOL_SHARE if pooled else 0.0) if large else SEARCH_SHARE
        found = improved_start(
            packing, problem, greedy_parts, started + time_limit_seconds * search_share
        )
        start = {packing.key(p): units for p, units in found}
    if pooled:
        # the pools CP-SAT starts from (or, on a large component, the answer's)
        chosen = [(c, start[c.key]) for c in plain if c.key in start]
        pool_end = started + time_limit_seconds * (1.0 if large else SEARCH_SHARE + POOL_SHARE)
        pools = pools_in_room_left(problem, pooled, chosen, pool_end)
        start = start | {c.key: units for c, units in pools}
    return start, greedy, large, time_limit_seconds


@dataclass(frozen=True)
class ComponentModel:
    """One component's CP-SAT model: the variables, every constraint and the three
    objectives (``component_model``)."""

    model: cp_model.CpModel
    x: Choice  # 1 when the pair (order id, window id) is used
    units: Units  # units the pair makes (the whole quantity unless the order may be split)
    priority: cp_model.LinearExprT  # stage 1: weighted units
    cost: cp_model.LinearExprT  # stage 2: production and transport, moves' penalties
    goodness: cp_model.LinearExprT  # stage 3: factory quality
    weight: dict[Key, int]  # stage-1 weight per unit, scaled down against overflow
    cost_of: dict[Key, int]  # stage-2 cost per unit, scaled the same way
    # the stage-1 weights are the orders' priority weights themselves (not scaled down, no
    # acceptance estimate or fairness): CP-SAT's stage-1 bound then bounds the value
    weights_are_priorities: bool


def component_model(
    candidates: list[Candidate], problem: MatchingProblem, greedy: dict[Key, int]
) -> ComponentModel:
    """Variables, constraints (one helper per family) and the lexicographic objectives, all
    per unit: weighted units, then cost, then quality."""
    fpd = problem.first_production_date
    params = problem.solver
    model = cp_model.CpModel()
    x: Choice = {c.key: model.new_bool_var(f"x_o{c.order.id}_w{c.window.id}") for c in candidates}
    units = add_units(model, candidates, x, fpd)

    add_order_made_once(model, candidates, x, units, fpd)
    by_window: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_window[candidate.window.id].append(candidate)
    for window_candidates in by_window.values():
        window = window_candidates[0].window
        add_remaining_units(model, window, window_candidates, units)
        add_deadline_capacity(model, window, window_candidates, units, fpd)
        add_pool_minimums(model, window_candidates, x, units)
    moved = add_offers_stay_unless_moved(model, candidates, x, units, greedy, params)

    magnitude = {c.key: c.order.quantity for c in candidates}
    unscaled = {c.key: pair_weight(c, params) for c in candidates}
    weight = scaled(unscaled, magnitude)
    cost_of = scaled({c.key: unit_cost(c) for c in candidates}, magnitude)
    quality_of = scaled({c.key: quality(c) for c in candidates}, magnitude)
    cost: cp_model.LinearExpr | int = sum(cost_of[key] * made for key, made in units.items())
    # moving an unanswered offer costs its penalty in stage 2, so offers do not flip-flop
    cost = cost + sum(penalty * is_moved for is_moved, penalty in moved)
    return ComponentModel(
        model=model,
        x=x,
        units=units,
        priority=sum(weight[key] * made for key, made in units.items()),
        cost=cost,
        goodness=sum(quality_of[key] * made for key, made in units.items()),
        weight=weight,
        cost_of=cost_of,
        weights_are_priorities=weight is unscaled
        and not params.fairness_percent
        and all(unscaled[c.key] == priority_weight(c.order, params) for c in candidates),
    )


def solve_stages(
    built: ComponentModel,
    candidates: list[Candidate],
    start: dict[Key, int],
    params: SolverParams,
    time_limit_seconds: float,
) -> ComponentResult:
    """The three lexicographic stages from ``start``: stage 1 (``STAGE1_SHARE`` of the time),
    stage 2 up to ``STAGE2_END`` of it, stage 3 the rest. Each stage keeps the previous
    stages' values as rows and is hinted with the previous answer."""
    model, x, units = built.model, built.x, built.units
    solve_start = time.perf_counter()
    stage1, status1, value_bound = solve_stage1(built, start, params, time_limit_seconds)
    if not improves_on_start(built, stage1, status1, start):
        # no time to find anything better than the start, which is feasible
        chosen = [(c, start[c.key]) for c in candidates if c.key in start]
        cost_value = sum(built.cost_of[c.key] * made for c, made in chosen)
        status = "FEASIBLE" if chosen else stage1.status_name(status1)
        return ComponentResult(chosen, status, cost_value, 0, value_bound)
    hint(model, x, units, solution_of(candidates, x, units, stage1))
    keep_stage1_values(built, candidates, stage1)

    # Stage 2: keep that, least production plus transport cost.
    model.minimize(built.cost)
    time_left = time_limit_seconds * STAGE2_END - (time.perf_counter() - solve_start)
    stage2 = new_solver(params, time_left)
    status2 = stage2.solve(model)
    if status2 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Out of time: the stage-1 answer is feasible, keep it (no cost bound then).
        return extract(
            candidates, x, units, stage1, "FEASIBLE", built.cost, bound=0, value_bound=value_bound
        )
    cost_bound = round(stage2.best_objective_bound)
    hint(model, x, units, solution_of(candidates, x, units, stage2))
    model.add(built.cost <= round(stage2.objective_value))

    # Stage 3: keep both, best factory quality.
    model.maximize(built.goodness)
    stage3 = new_solver(params, time_limit_seconds - (time.perf_counter() - solve_start))
    status3 = stage3.solve(model)
    final = stage3 if status3 in (cp_model.OPTIMAL, cp_model.FEASIBLE) else stage2
    all_optimal = all(status == cp_model.OPTIMAL for status in (status1, status2, status3))
    return extract(
        candidates,
        x,
        units,
        final,
        "OPTIMAL" if all_optimal else "FEASIBLE",
        built.cost,
        bound=cost_bound,
        value_bound=value_bound,
    )


def keep_stage1_values(
    built: ComponentModel, candidates: list[Candidate], stage1: cp_model.CpSolver
) -> None:
    """Stage 2 keeps stage 1's weighted units: one row per independent component of the
    model (a batch holds several), each at its own stage-1 value. One row over their sum
    would couple components that share nothing, and CP-SAT then proves stage 2 of a batch
    far more slowly than of each component alone (``EXACT_MAX_PAIRS``). On the 11 batches
    of several components of the 10k x 2k market, 2 s each, twice: 1.0% and 0.9% less cost,
    as many weighted units (with 0.3 s each: within the noise)."""
    parts = independent_components(candidates)
    if len(parts) == 1:
        built.model.add(built.priority >= round(stage1.objective_value))
        return
    for part in parts:
        value = sum(built.weight[c.key] * built.units[c.key] for c in part)
        built.model.add(value >= stage1.value(value))


def solve_stage1(
    built: ComponentModel, start: dict[Key, int], params: SolverParams, time_limit_seconds: float
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, float]:
    """Stage 1, most priority-weighted units, hinted with ``start``: the solver, its status
    and the value bound it proves (inf when none)."""
    hint(built.model, built.x, built.units, start)
    built.model.maximize(built.priority)
    stage1 = new_solver(params, time_limit_seconds * STAGE1_SHARE)
    status1 = stage1.solve(built.model)
    if status1 == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid matching model: {built.model.validate()}")
    # CP-SAT's bound on weighted units bounds the value (cost is never negative); only
    # when the weights are the real ones (not scaled down against overflow)
    # (CP-SAT reports a bound only with a solution: without one it says 0)
    value_bound = math.inf
    if (
        built.weights_are_priorities
        and status1 in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        and math.isfinite(stage1.best_objective_bound)
        and stage1.best_objective_bound >= stage1.objective_value
    ):
        value_bound = VALUE_PER_WEIGHTED_UNIT * stage1.best_objective_bound
    return stage1, status1, value_bound


def improves_on_start(
    built: ComponentModel,
    stage1: cp_model.CpSolver,
    status1: cp_model.CpSolverStatus,
    start: dict[Key, int],
) -> bool:
    """Whether stage 1 found an answer at least as heavy as its start. Never below the start:
    CP-SAT, given seconds but not enough to complete the hint, can stop on a worse answer of
    its own (a 3,279-pair component of the 10k market: 3.73e12 with 1 s, 3.33e12 with 10 s).
    A row "at least the start" instead slowed CP-SAT's search for a first answer (seed 0 of
    the 10k market: 0.5% below main in one paired run)."""
    if status1 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    start_priority = sum(built.weight[key] * made for key, made in start.items())
    return round(stage1.objective_value) >= start_priority


def improved_start(
    packing: Packing,
    problem: MatchingProblem,
    greedy: list[tuple[int, int]],
    deadline: float,
) -> list[tuple[int, int]]:
    """The better (more weighted units, then less cost) of the greedy answer and the local
    search's, as (pair, units) of ``packing``, which holds the greedy answer: the search
    starts from the unanswered offers the greedy kept where they stand and inserts every
    other order, heaviest first, into the window it fits best. On a component too large for
    one CP-SAT model the local search gets ``LNS_SEARCH_SHARE`` of the time (less when it
    stalls) and the large-neighbourhood search (``lns.py``) the rest."""
    params = problem.solver
    fpd = problem.first_production_date
    for o, order in enumerate(packing.orders):
        if order.movable and packing.made[o]:
            packing.unassign(o)
    large = len(packing.pair_order) > CPSAT_MAX_PAIRS
    if large:
        packing.search_long()
    now = time.perf_counter()
    share = LNS_SEARCH_SHARE if large else 1.0
    improve_packing(packing, now + max(deadline - now, 0.0) * share, params.random_seed)
    if large:
        large_neighbourhood_search(
            packing,
            lambda free, fixed, start: neighbourhood_model(free, fixed, start, fpd),
            deadline,
            workers=params.workers,
            seed=params.random_seed,
        )
    searched = packing.best_parts()
    weight, cost = packing.table.weight, packing.pair_cost

    def score(made: list[tuple[int, int]]) -> tuple[int, int]:
        pairs = np.array([p for p, _ in made], dtype=np.int64)
        units = np.array([u for _, u in made], dtype=np.int64)
        return int(weight[pairs].dot(units)), -int(cost[pairs].dot(units))

    return searched if score(searched) > score(greedy) else greedy


def solve_large_component(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    rows: IntArray,
    columns: ProblemColumns,
    time_limit_seconds: float,
) -> ComponentResult:
    """A component too large for one CP-SAT model (``solve_component``'s ``large`` case)
    straight from the arrays: the greedy start, the local search and the
    large-neighbourhood search on a ``Packing`` of the rows; ``Candidate`` objects only for
    the pairs a neighbourhood's sub-model or the answer needs. Then pools (拼单) of the
    orders left out, in the room the answer leaves (``pools_in_room_left``)."""
    started = time.perf_counter()
    fpd = problem.first_production_date
    # the packing reads its pairs by order: rows of several components (a batch, see
    # ``solve_units``) are by order within each component only
    rows = rows[np.argsort(arrays.order[rows], kind="stable")]
    # the searches never start a pool: a component this large leaves its pooled pairs to
    # the pool step, as ``solve_component`` leaves them to CP-SAT
    pooled_rows = rows[arrays.pooled[rows]]
    rows = rows[~arrays.pooled[rows]]
    search_seconds = time_limit_seconds * (1 - POOL_SHARE if len(pooled_rows) else 1)
    packing = Packing.of_table(pair_table_of_rows(problem, arrays, rows, columns), fpd, {})
    start = greedy_fill(packing, problem.solver)
    if time_limit_seconds > 0:
        start = improved_start(packing, problem, start, started + search_seconds)
    made = sorted(start)
    objects = RowCandidates(problem, arrays, rows).many(p for p, _ in made)
    chosen = [(c, units) for c, (_, units) in zip(objects, made, strict=True)]
    cost_value = int(sum(int(packing.pair_cost[p]) * units for p, units in made))
    if len(pooled_rows) and time_limit_seconds > 0:
        pooled = pooled_rows_left(problem, arrays, pooled_rows, chosen, columns)
        pools = pools_in_room_left(problem, pooled, chosen, started + time_limit_seconds)
        chosen += pools
        cost_value += sum(unit_cost(c) * units for c, units in pools)
    return ComponentResult(chosen, "FEASIBLE" if chosen else "UNKNOWN", cost_value, 0)


def pool_windows(window: np.ndarray, units: IntArray) -> np.ndarray:
    """Of pooled pairs (their window, their order's units), the windows where most units could
    meet, most first, until their pairs reach ``POOL_MAX_PAIRS`` (at least one window)."""
    windows, inverse = np.unique(window, return_inverse=True)
    ranked = np.argsort(-np.bincount(inverse, weights=units), kind="stable")
    pairs = np.cumsum(np.bincount(inverse)[ranked])
    count = max(1, int(np.searchsorted(pairs, POOL_MAX_PAIRS, side="right")))
    return windows[ranked[:count]]


def pooled_rows_left(
    problem: MatchingProblem,
    arrays: CandidateArrays,
    pooled_rows: IntArray,
    chosen: list[tuple[Candidate, int]],
    columns: ProblemColumns,
) -> list[Candidate]:
    """The pooled pairs (as objects) of a large component's orders that ``chosen`` leaves out,
    in the windows ``pool_windows`` picks: only those become objects."""
    placed = list({c.order.id for c, _ in chosen})
    orders = arrays.order[pooled_rows]
    pooled_rows = pooled_rows[~np.isin(columns.order_id[orders], placed)]
    if not len(pooled_rows):
        return []
    window = arrays.window[pooled_rows]
    taken = pool_windows(window, columns.order_quantity[arrays.order[pooled_rows]])
    return to_candidates(problem, arrays, pooled_rows[np.isin(window, taken)])


def pools_in_room_left(
    problem: MatchingProblem,
    pooled: list[Candidate],
    chosen: list[tuple[Candidate, int]],
    deadline: float,
) -> list[tuple[Candidate, int]]:
    """Pools (拼单) of the orders ``chosen`` leaves out, in the room it leaves: CP-SAT on their
    ``pooled`` pairs in the windows where most of their units could meet (``pool_windows``),
    with every pool held to its factory's minimum and maximum and what ``chosen`` makes in
    those windows counted as booked (``neighbourhood_model``), most weighted units; hinted
    with the pools of unanswered offers where they stand. The greedy start and the searches
    never start a pool; this is how their answers get some."""
    placed = {c.order.id for c, _ in chosen}
    left = [c for c in pooled if c.order.id not in placed]
    if not left or deadline - time.perf_counter() < MIN_POOL_SECONDS:
        return []
    window_ids = set(
        pool_windows(
            np.array([c.window.id for c in left], dtype=np.int64),
            np.array([c.order.quantity for c in left], dtype=np.int64),
        ).tolist()
    )
    free = [c for c in left if c.window.id in window_ids]
    fixed = [(c, units) for c, units in chosen if c.window.id in window_ids]
    start = {
        c.key: c.order.quantity
        for c in free
        if any(p.window_id == c.window.id for p in c.order.current)
    }
    model, x, units = neighbourhood_model(free, fixed, start, problem.first_production_date)
    params = problem.solver
    weight = scaled(
        {c.key: pair_weight(c, params) for c in free}, {c.key: c.order.quantity for c in free}
    )
    model.maximize(sum(weight[c.key] * units[c.key] for c in free))
    solver = new_solver(params, min(deadline - time.perf_counter(), POOL_MAX_SECONDS))
    status = solver.solve(model)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid pooling model: {model.validate()}")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    made = solution_of(free, x, units, solver)
    return [(c, made[c.key]) for c in free if c.key in made]


@dataclass(frozen=True)
class ProblemColumns:
    """Per order, window and factory of a problem (by index) what the packing of a large
    component reads, made once per ``solve``."""

    order_id: IntArray
    order_quantity: IntArray
    window_id: IntArray
    factory_id: IntArray
    order_weight: IntArray  # priority_weight
    # the window's capability's acceptance rate in hundredths, 1..100 (1 when the problem
    # carries no rates: ``Capability.accept_rate``)
    window_accept: IntArray
    # some order carries a per-pair acceptance estimate (``OrderData.window_accept``)
    pair_accept: bool
    factory_fairness: IntArray  # 10,000 + fairness % x free % (1 when fairness is off)
    factory_quality: IntArray  # reliability, 0..100

    @classmethod
    def of(cls, problem: MatchingProblem) -> ProblemColumns:
        params = problem.solver

        def ints(values: list[int]) -> IntArray:
            return np.array(values, dtype=np.int64)

        factories = problem.factories
        if params.fairness_percent:
            fairness = ints(
                [
                    10_000
                    + params.fairness_percent * (100 - min(max(f.booked_percent or 0, 0), 100))
                    for f in factories
                ]
            )
        else:
            fairness = np.ones(len(factories), dtype=np.int64)
        return cls(
            order_id=ints([o.id for o in problem.orders]),
            order_quantity=ints([o.quantity for o in problem.orders]),
            window_id=ints([w.id for w in problem.windows]),
            factory_id=ints([f.id for f in factories]),
            order_weight=ints([priority_weight(o, params) for o in problem.orders]),
            window_accept=ints(window_accept_rates(problem)),
            pair_accept=any(o.window_accept for o in problem.orders),
            factory_fairness=fairness,
            factory_quality=ints([min(max(f.reliability_percent, 0), 100) for f in factories]),
        )


def window_accept_rates(problem: MatchingProblem) -> list[int]:
    """Per window, the factor ``pair_weight`` gives its capability's acceptance rate."""
    factories = {f.id: f for f in problem.factories}
    rates = []
    for w in problem.windows:
        capability = factories[w.factory_id].capability_for(w.category_id)
        rate = capability.accept_rate if capability is not None else None
        rates.append(1 if rate is None else min(max(round(100 * rate), 1), 100))
    return rates


def pair_accept_of_rows(
    problem: MatchingProblem, order: IntArray, window: IntArray, accept: IntArray
) -> IntArray:
    """Per row (order, window by index), the pair's acceptance estimate in hundredths where
    its order carries one (``OrderData.window_accept``), else ``accept`` (as ``pair_weight``)."""
    out = accept.copy()
    for row, (o, w) in enumerate(zip(order.tolist(), window.tolist(), strict=True)):
        data = problem.orders[o]
        if data.window_accept:
            rate = data.window_accept_by_id.get(problem.windows[w].id)
            if rate is not None:
                out[row] = min(max(rate, 1), 100)
    return out


def pair_table_of_rows(
    problem: MatchingProblem, arrays: CandidateArrays, rows: IntArray, columns: ProblemColumns
) -> PairTable:
    """The ``PairTable`` of ``rows`` (one component, by order then window) from the arrays,
    with the weights and costs ``pair_weight`` and ``unit_cost`` give the objects."""
    order = arrays.order[rows].astype(np.int64)
    window = arrays.window[rows].astype(np.int64)
    factory = arrays.factory[rows].astype(np.int64)
    order_first = np.unique(order)  # rows are by order: first appearance is ascending
    _ids, window_first = np.unique(window, return_index=True)
    windows = window[np.sort(window_first)]
    return PairTable(
        order_id=columns.order_id[order],
        window_id=columns.window_id[window],
        factory_id=columns.factory_id[factory],
        latest_finish=arrays.latest_finish[rows].astype(np.int64),
        weight=(
            columns.order_weight[order]
            * (
                pair_accept_of_rows(problem, order, window, columns.window_accept[window])
                if columns.pair_accept
                else columns.window_accept[window]
            )
            * columns.factory_fairness[factory]
        ),
        cost=(
            arrays.unit_price_fen[rows].astype(np.int64)
            + arrays.transport_cost_fen_per_unit[rows]
            + arrays.cost_adjust_fen_per_unit[rows]
        ),
        quality=columns.factory_quality[factory],
        smallest=arrays.min_units[rows].astype(np.int64),
        largest=arrays.max_units[rows].astype(np.int64),
        orders=[problem.orders[i] for i in order_first.tolist()],
        windows=[problem.windows[i] for i in windows.tolist()],
        candidates=RowCandidates(problem, arrays, rows),
    )


def neighbourhood_model(
    free: list[Candidate],
    fixed: list[tuple[Candidate, int]],
    start: dict[Key, int],
    first_production_date: dt.date,
) -> tuple[cp_model.CpModel, Choice, Units]:
    """The model's constraints over the ``free`` pairs of a neighbourhood (``lns.py``): each
    order made once, in its range, every window's earliest-deadline-first capacity with what
    the ``fixed`` pairs make there counted as already booked, and every pool of its pooled
    pairs within its factory's range (``pools_in_room_left``); hinted with ``start``."""
    model = cp_model.CpModel()
    x: Choice = {c.key: model.new_bool_var(f"x_o{c.order.id}_w{c.window.id}") for c in free}
    units = add_units(model, free, x, first_production_date)
    add_order_made_once(model, free, x, units, first_production_date)
    by_window: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in free:
        by_window[candidate.window.id].append(candidate)
    for candidate, made in fixed:
        units[candidate.key] = model.new_constant(made)
        by_window[candidate.window.id].append(candidate)
    for window_candidates in by_window.values():
        window = window_candidates[0].window
        add_remaining_units(model, window, window_candidates, units)
        add_deadline_capacity(model, window, window_candidates, units, first_production_date)
        add_pool_minimums(model, window_candidates, x, units)
    hint(model, x, units, start)
    return model, x, units


def greedy_choice(candidates: list[Candidate], problem: MatchingProblem) -> dict[Key, int]:
    """A feasible start for CP-SAT: units per pair (``greedy_fill`` on the packing of
    ``candidates``)."""
    params = problem.solver
    packing = Packing(
        candidates, problem.first_production_date, lambda c: pair_weight(c, params), unit_cost, {}
    )
    return {packing.key(p): units for p, units in greedy_fill(packing, params)}


def greedy_fill(packing: Packing, params: SolverParams) -> list[tuple[int, int]]:
    """A feasible start for CP-SAT, placed in ``packing`` (empty before): (pair, units).

    Orders go by priority weight (rush, then older), then by due date. A whole order
    takes its cheapest window (then the most reliable factory, then the lowest window id)
    that still has room for it by every deadline (the same earliest-deadline-first test
    the model uses: the packing's ``room``); a splittable order that fits nowhere whole is
    spread over its cheapest windows in parts of at least its lot size, or waits if the
    parts cannot cover it. Unanswered offers go first, where they stand, when they still
    can. One array look-up per order: no per-pair object.
    """
    table = packing.table
    orders = table.orders
    chosen: list[tuple[int, int]] = []
    placed = np.zeros(len(orders), dtype=np.bool_)
    # unanswered offers first, where they stand (when that is still possible)
    for o, order in enumerate(orders):
        if not order.current:
            continue
        try:
            found = [(packing.pair_of(order.id, p.window_id), p.units) for p in order.current]
        except KeyError:
            continue
        if any(packing.room(p) < units for p, units in found):
            continue
        packing.assign(o, found)
        chosen.extend(found)
        placed[o] = True
    # each order's windows: cheapest, then the most reliable factory, then by window id
    by_option = np.lexsort((table.window_id, -table.quality, table.cost, packing.pair_order))
    bounds = np.searchsorted(
        packing.pair_order[by_option], np.arange(len(orders) + 1, dtype=np.int64)
    )
    weight = np.array([priority_weight(order, params) for order in orders], dtype=np.int64)
    due = np.array([order.due_date.toordinal() for order in orders], dtype=np.int64)
    smallest, largest = packing.pair_smallest, packing.pair_largest
    for o in np.lexsort((due, -weight)).tolist():
        if placed[o]:
            continue
        order = orders[o]
        options = by_option[bounds[o] : bounds[o + 1]]
        rooms = np.maximum(packing.rooms(options), 0)
        fits = np.flatnonzero(rooms >= order.quantity)
        if len(fits) and largest[options[fits[0]]] >= order.quantity:
            part = (int(options[fits[0]]), order.quantity)
            packing.assign(o, [part])
            chosen.append(part)
            continue
        if not order.allow_split:
            continue
        parts: list[tuple[int, int]] = []
        left = order.quantity
        for p, room in zip(options.tolist(), rooms.tolist(), strict=True):
            made = min(room, int(largest[p]), left)
            if 0 < left - made < order.min_lot_quantity:  # leave a remainder a lot can take
                made = left - order.min_lot_quantity
            if made >= smallest[p]:
                parts.append((p, made))
                left -= made
            if left == 0:
                break
        if left == 0:
            packing.assign(o, parts)
            chosen.extend(parts)
    return chosen


def scaled(coefficients: dict[Key, int], units: dict[Key, int]) -> dict[Key, int]:
    """Shrink per-unit coefficients whose total could overflow CP-SAT's 64-bit arithmetic.

    Only absurd inputs (millions of units at huge prices in one component) are
    scaled; the order of solutions is then kept up to the rounding.
    """
    total = sum(abs(v) * units[key] for key, v in coefficients.items())
    if total <= MAX_OBJECTIVE_MAGNITUDE:
        return coefficients
    factor = -(-total // MAX_OBJECTIVE_MAGNITUDE)
    return {key: value // factor for key, value in coefficients.items()}


def hint(model: cp_model.CpModel, x: Choice, units: Units, made: dict[Key, int]) -> None:
    """Start the next solve from ``made`` (units per pair; pairs not in it are unused)."""
    model.clear_hints()
    for key, var in x.items():
        model.add_hint(var, key in made)
        part = units[key]
        if isinstance(part, cp_model.IntVar) and part is not var:  # (1 * x is x itself)
            model.add_hint(part, made.get(key, 0))


def solution_of(
    candidates: list[Candidate], x: Choice, units: Units, solver: cp_model.CpSolver
) -> dict[Key, int]:
    return {c.key: solver.value(units[c.key]) for c in candidates if solver.boolean_value(x[c.key])}


def extract(
    candidates: list[Candidate],
    x: Choice,
    units: Units,
    solver: cp_model.CpSolver,
    status: str,
    cost: cp_model.LinearExprT,
    *,
    bound: int,
    value_bound: float,
) -> ComponentResult:
    made = solution_of(candidates, x, units, solver)
    return ComponentResult(
        chosen=[(c, made[c.key]) for c in candidates if c.key in made],
        status=status,
        objective=round(solver.value(cost)),
        best_bound=bound,
        value_bound=value_bound,
    )


def without_assignments(
    problem: MatchingProblem,
    unmatched: dict[int, UnmatchedReason],
    status_name: str,
    candidate_pairs: int,
    build_seconds: float,
    solve_seconds: float,
) -> MatchingSolution:
    """A solution with no assignments; orders that had candidates are capacity_full."""
    reasons = {o.id: unmatched.get(o.id, UnmatchedReason.CAPACITY_FULL) for o in problem.orders}
    return MatchingSolution(
        solver_status=status_name,
        assignments=(),
        unmatched=reasons,
        candidate_pairs=candidate_pairs,
        objective=0.0,
        best_bound=0.0,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
    )


def new_solver(params: SolverParams, time_limit_seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_seconds, 0.0)
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.random_seed
    return solver


def add_units(
    model: cp_model.CpModel, candidates: list[Candidate], x: Choice, fpd: dt.date
) -> Units:
    """Units each pair makes: the whole order when used, or a part within its range."""
    units: Units = {}
    for c in candidates:
        order = c.order
        if not order.allow_split:
            units[c.key] = order.quantity * x[c.key]
            continue
        smallest, largest = part_bounds(c, fpd)
        made = model.new_int_var(0, largest, f"units_o{order.id}_w{c.window.id}")
        model.add(made >= smallest * x[c.key])
        model.add(made <= largest * x[c.key])
        units[c.key] = made
    return units


def part_bounds(c: Candidate, fpd: dt.date) -> tuple[int, int]:
    """Smallest and largest units of a part of a splittable order in c's window: its range
    in the factory, the largest also capped by the room in the window by its latest finish."""
    smallest, largest = part_range(c.order, c.factory)
    room = min(c.window.remaining_units, free_until(c.window, fpd, c.latest_finish))
    return smallest, min(largest, room)


def add_order_made_once(
    model: cp_model.CpModel,
    candidates: list[Candidate],
    x: Choice,
    units: Units,
    fpd: dt.date,
) -> None:
    """A whole order goes to at most one window; the parts of a splittable one add up to
    its whole quantity or to nothing, and each part is linked to its order being made
    (``x <= made`` and ``units <= largest * made``: without these rows the relaxation
    CP-SAT bounds with makes a fraction of an order in fragments that cannot hold it)."""
    by_order: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_order[candidate.order.id].append(candidate)
    for order_candidates in by_order.values():
        order = order_candidates[0].order
        if not order.allow_split:
            model.add_at_most_one([x[c.key] for c in order_candidates])
            continue
        made = model.new_bool_var(f"made_o{order.id}")
        model.add(sum(units[c.key] for c in order_candidates) == order.quantity * made)
        for c in order_candidates:
            model.add_implication(x[c.key], made)
            model.add(units[c.key] <= part_bounds(c, fpd)[1] * made)


def add_offers_stay_unless_moved(
    model: cp_model.CpModel,
    candidates: list[Candidate],
    x: Choice,
    units: Units,
    start: dict[Key, int],
    params: SolverParams,
) -> list[tuple[cp_model.LinearExpr, int]]:
    """Stable re-optimisation of unanswered offers.

    An order that holds offers (``order.current``) stays matched when its offers can still
    stand (the greedy start kept them, so staying is feasible); ``keep`` means every part
    stays exactly where it is. Returns (moved, penalty) per such order: moving costs a
    fixed penalty plus a share of the offer's current cost, added to stage 2.
    """
    by_order: dict[int, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_order[c.order.id].append(c)
    moved: list[tuple[cp_model.LinearExpr, int]] = []
    for order_id, options in by_order.items():
        order = options[0].order
        current = {p.window_id: p.units for p in order.current}
        if not current or any(start.get((order_id, w)) != u for w, u in current.items()):
            continue
        model.add(sum(units[c.key] for c in options) == order.quantity)
        keep = model.new_bool_var(f"keep_o{order_id}")
        for c in options:
            if c.window.id in current:
                model.add(units[c.key] == current[c.window.id]).only_enforce_if(keep)
            else:
                model.add(x[c.key] == 0).only_enforce_if(keep)
        current_cost = sum(
            unit_cost(c) * current[c.window.id] for c in options if c.window.id in current
        )
        penalty = params.move_penalty_fen + current_cost * params.move_threshold_percent // 100
        moved.append((keep.Not(), penalty))
    return moved


def add_remaining_units(
    model: cp_model.CpModel, window: WindowData, candidates: list[Candidate], units: Units
) -> None:
    """New units in a window never exceed its remaining (unbooked) units."""
    model.add(sum(units[c.key] for c in candidates) <= window.remaining_units)


def add_deadline_capacity(
    model: cp_model.CpModel,
    window: WindowData,
    candidates: list[Candidate],
    units: Units,
    first_production_date: dt.date,
) -> None:
    """Earliest-deadline-first capacity of one production line.

    For every checkpoint t (each latest finish of a candidate order before the window
    end, and the window end itself), the new units due by t must fit in the units still
    free up to t (booked work keeps its days). At the window end every unit is due.
    This is exact: one line run earliest-deadline-first meets every latest finish if and
    only if all these inequalities hold.
    """
    end = window.end_date
    checkpoints = sorted({c.latest_finish for c in candidates if c.latest_finish < end}) + [end]
    for t in checkpoints:
        due = [c for c in candidates if t == end or c.latest_finish <= t]
        if due:
            room = free_until(window, first_production_date, t)
            model.add(sum(units[c.key] for c in due) <= room)


def add_pool_minimums(
    model: cp_model.CpModel, candidates: list[Candidate], x: Choice, units: Units
) -> None:
    """Pooling (拼单): the pooled pairs of one window (orders below its factory's minimum)
    make one production lot, open or not; a pooled pair is used only in an open pool, and an
    open pool's units (with the pool's booked units, ``window.pooled_units``) are within the
    factory's minimum and maximum. Orders at or above the minimum never count toward a pool."""
    pooled = [c for c in candidates if c.pooled]
    if not pooled:
        return
    window, factory = pooled[0].window, pooled[0].factory
    pool_open = model.new_bool_var(f"pool_w{window.id}")
    for c in pooled:
        model.add_implication(x[c.key], pool_open)
    total = sum(units[c.key] for c in pooled) + window.pooled_units
    model.add(total >= factory.min_order_quantity * pool_open)
    model.add(total <= factory.max_order_quantity)


def plan_assignments(
    chosen: list[tuple[Candidate, int]], first_production_date: dt.date
) -> tuple[PlannedAssignment, ...]:
    """Planned dates of the chosen pairs from each window's earliest-deadline-first schedule."""
    by_window: dict[int, list[tuple[Candidate, int]]] = defaultdict(list)
    for candidate, made in chosen:
        by_window[candidate.window.id].append((candidate, made))
    assignments = []
    for window_chosen in by_window.values():
        window = window_chosen[0][0].window
        jobs = [Job(c.order.id, made, c.latest_finish) for c, made in window_chosen]
        planned = schedule_window(window, first_production_date, jobs)
        for c, made in window_chosen:
            dates = planned[c.order.id]
            assignments.append(
                PlannedAssignment(
                    order_id=c.order.id,
                    factory_id=c.factory.id,
                    window_id=c.window.id,
                    quantity=made,
                    unit_price_fen=c.unit_price_fen,
                    distance_km=c.distance_km,
                    transport_days=c.transport_days,
                    transport_cost_fen_per_unit=c.transport_cost_fen_per_unit,
                    planned_start=dates.start,
                    planned_finish=dates.finish,
                    pool=c.window.id if c.pooled else None,
                )
            )
    return tuple(sorted(assignments, key=lambda a: (a.order_id, a.window_id)))
