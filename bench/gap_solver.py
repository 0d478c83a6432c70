"""Min-cost Generalized Assignment Problem (GAP): the combinatorial core of matching.

Pure Python + numpy + OR-Tools, no Django. Every job goes to exactly one agent, each agent
has a capacity, job j uses ``weight[i][j]`` of agent i's capacity and costs ``cost[i][j]``
there; minimise the total cost. ``solve_gap`` returns the best assignment found in the time
limit with a lower bound that holds for the whole problem. The method and the measurements
behind it are in docs/benchmarks.md (section GAP):

1. LP relaxation with GLOP; its capacity duals ``u`` give the Lagrangian bound ``L(u)``
   (recomputed by us, valid for any ``u >= 0``) and reduced costs ``rc`` (``gap_lp``).
2. Regret greedy (MTHG) on the Lagrangian costs ``c + u * a``, repaired to feasibility if
   needed, then descent over shifts, swaps and ejection chains (``gap_search``).
3. Below 40 jobs per agent, a compiled tabu search with ejection chains and path relinking
   over elite solutions (``gap_tabu``, numba), one search per worker, for 60% of the time
   left; it hands over early when reduced-cost fixing with its best value leaves a model
   small enough to prove.
4. A MIP on the pairs that can still improve the incumbent, solved by HiGHS (one thread)
   and CP-SAT (the other workers) side by side, both hinted with the incumbent: by
   reduced-cost fixing, a solution cheaper than UB uses only pairs with ``rc < UB - L``.
   When that model is small enough it is exact, so a solver's optimum and bound on it hold
   for the whole problem; otherwise the model keeps the pairs of smallest reduced cost (a
   heuristic neighbourhood) and only the Lagrangian bound is reported.

On instances of at most BRANCH_MAX_PAIRS pairs, steps 3 and 4 are replaced by the tabu
search alone for a while, then a Lagrangian branch and bound (``gap_branch``) beside it until
the time limit or a proof of optimality.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from bench.gap_branch import BranchAndBound, new_branch_and_bound
from bench.gap_lp import BOUND_TOLERANCE, LagrangianBound, lp_bound
from bench.gap_search import (
    chain_descent,
    is_feasible,
    regret_greedy,
    repair,
    total_cost,
)
from bench.gap_tabu import TabuSearch, new_search

# Pair budget of the MIP when reduced-cost fixing alone leaves more pairs.
MAX_MODEL_PAIRS = 10_000
# Share of the time limit the LP may use before falling back to subgradient multipliers.
LP_TIME_SHARE = 0.5
# The greedy on plain costs is tried as a second start on instances up to this many jobs.
MAX_PLAIN_START_JOBS = 400
# Share of the time left after the LP that the (numpy) descent may use at most.
POLISH_TIME_SHARE = 0.2
# Share of the time left after the construction given to the compiled tabu search.
TABU_TIME_SHARE = 0.6
# Initial penalty weight per unit of overload: this times the LP dual, plus a small floor.
TABU_PENALTY = 1.5
# The tabu searches report back (and the early stop is checked) this often.
TABU_CHECK_SECONDS = 0.25
# The tabu search hands over to the exact MIP when reduced-cost fixing leaves this few pairs
# and its best value has not improved for TABU_STALL_SHARE of its time (at least
# TABU_STALL_SECONDS). Without the stall condition it stopped after its first 0.25 s on every
# instance of at most 2,000 pairs (d20100, d10100, e20100): the MIP cannot prove those type D
# models in the time left and ended 1% above the best known value.
EARLY_PROOF_PAIRS = 2_000
TABU_STALL_SHARE = 0.1
TABU_STALL_SECONDS = 2.0
# The tabu search runs only on instances with fewer jobs per agent than this: its swap and
# chain neighbourhoods scan an agent's jobs, and at 40 per agent (d401600: 0.66% above the
# best known vs 0.2% without it) the MIP alone does better in the same time.
TABU_MAX_JOBS_PER_AGENT = 40
# Instances of at most this many pairs (agents x jobs) run the Lagrangian branch and bound
# beside the tabu search instead of the MIP: at 60 s it proves d10100 optimal in about 25 s
# and ends d10200 at 12436-12447 (the MIP: 12448). Its memory grows with the square of the
# pairs (a stack of pairs x (agents x jobs) flags), and on d20400 (8,000 pairs) it found
# nothing below the tabu search's answer in 50 s.
BRANCH_MAX_PAIRS = 4_000
# Share of the time the tabu search runs alone before the branch and bound starts.
BRANCH_AFTER_SHARE = 0.2
# Capacity price multipliers tried in turn when the regret greedy gets stuck.
PRICE_SCALES = (1.0, 1.05, 1.1, 1.2, 1.4, 2.0)
# Float slack when comparing reduced costs with UB - L.
RC_EPSILON = 1e-6


@dataclass(frozen=True)
class GapInstance:
    """A GAP instance: ``cost`` and ``weight`` are indexed [agent][job]."""

    cost: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    capacity: tuple[int, ...]

    def __post_init__(self) -> None:
        m = len(self.capacity)
        if m == 0:
            raise ValueError("a GAP instance needs at least one agent")
        if len(self.cost) != m or len(self.weight) != m:
            raise ValueError("cost and weight need one row per agent")
        n = len(self.cost[0])
        if any(len(row) != n for row in (*self.cost, *self.weight)):
            raise ValueError("every cost and weight row needs one entry per job")

    @property
    def agents(self) -> int:
        return len(self.capacity)

    @property
    def jobs(self) -> int:
        return len(self.cost[0])


@dataclass(frozen=True)
class GapSolution:
    """Best assignment found (job j -> 0-based agent), its cost and a valid lower bound.

    ``status`` is OPTIMAL (objective equals the bound), FEASIBLE, INFEASIBLE (proven: no
    assignment exists; ``assignment`` is empty, ``objective`` and ``bound`` None) or UNKNOWN
    (nothing found in time; ``bound`` may still be set).
    """

    assignment: tuple[int, ...]
    objective: int | None
    bound: int | None
    status: str
    seconds: float

    @property
    def gap(self) -> float | None:
        """Relative gap ``(objective - bound) / objective`` (0 when proven optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == self.bound:
            return 0.0
        return (self.objective - self.bound) / max(1.0, abs(self.objective))


def parse_gap(text: str) -> GapInstance:
    """Read the OR-Library single-instance format (whitespace-separated integers):
    ``m n``, m rows of n costs, m rows of n weights, m capacities."""
    try:
        numbers = [int(token) for token in text.split()]
    except ValueError as error:
        raise ValueError(f"not a GAP instance: {error}") from None
    if len(numbers) < 2:
        raise ValueError("not a GAP instance: expected 'agents jobs' first")
    m, n = numbers[0], numbers[1]
    if m <= 0 or n <= 0:
        raise ValueError(f"not a GAP instance: {m} agents and {n} jobs")
    expected = 2 + 2 * m * n + m
    if len(numbers) != expected:
        raise ValueError(
            f"not a GAP instance: {m} agents x {n} jobs needs {expected} numbers, "
            f"found {len(numbers)}"
        )
    body = numbers[2:]
    cost = tuple(tuple(body[i * n : (i + 1) * n]) for i in range(m))
    weight = tuple(tuple(body[m * n + i * n : m * n + (i + 1) * n]) for i in range(m))
    capacity = tuple(body[2 * m * n :])
    return GapInstance(cost=cost, weight=weight, capacity=capacity)


def read_gap(path: str | Path) -> GapInstance:
    return parse_gap(Path(path).read_text())


class _Clock:
    def __init__(self, limit: float) -> None:
        self.start = time.perf_counter()
        self.limit = limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return max(0.0, self.limit - self.elapsed())


def solve_gap(
    instance: GapInstance, *, time_limit_seconds: float, workers: int = 2, seed: int = 0
) -> GapSolution:
    """Best assignment found within ``time_limit_seconds`` and a bound valid for the whole
    instance. Deterministic for a given seed up to CP-SAT's time-dependent search."""
    clock = _Clock(time_limit_seconds)
    cost = np.asarray(instance.cost, dtype=np.int64)
    weight = np.asarray(instance.weight, dtype=np.int64)
    capacity = np.asarray(instance.capacity, dtype=np.int64)

    def result(agent_of: np.ndarray | None, bound: int | None, status: str) -> GapSolution:
        if agent_of is None:
            return GapSolution((), None, bound, status, clock.elapsed())
        objective = total_cost(cost, agent_of)
        if bound is not None and objective <= bound:
            bound, status = objective, "OPTIMAL"
        return GapSolution(
            tuple(int(a) for a in agent_of), objective, bound, status, clock.elapsed()
        )

    # A job that fits on no agent on its own makes the instance infeasible.
    if not np.all((weight <= capacity[:, None]).any(axis=0)):
        return result(None, None, "INFEASIBLE")

    trivial_upper = float(cost.max(axis=0).sum())
    relaxation = lp_bound(
        cost,
        weight,
        capacity,
        upper_bound=trivial_upper,
        time_limit_seconds=clock.left() * LP_TIME_SHARE,
    )
    lower = relaxation.integer_bound
    polish_deadline = time.perf_counter() + POLISH_TIME_SHARE * clock.left()
    incumbent, guided = construct(cost, weight, capacity, relaxation, polish_deadline)
    if incumbent is not None and total_cost(cost, incumbent) <= lower:
        return result(incumbent, lower, "OPTIMAL")
    if clock.left() <= 0.05:
        return result(incumbent, lower, "FEASIBLE" if incumbent is not None else "UNKNOWN")

    if cost.size <= BRANCH_MAX_PAIRS:
        return result(
            *branch_beside_search(
                cost, weight, capacity, relaxation, incumbent, clock, workers, seed
            )
        )

    searched = None
    if cost.shape[1] < TABU_MAX_JOBS_PER_AGENT * cost.shape[0]:
        searched = metaheuristic(
            cost,
            weight,
            capacity,
            relaxation,
            incumbent,
            time.perf_counter() + TABU_TIME_SHARE * clock.left(),
            workers,
            seed,
        )
    if searched is not None:
        incumbent, guided = searched, True
        if total_cost(cost, incumbent) <= lower:
            return result(incumbent, lower, "OPTIMAL")

    improved, mip_lower, proven_infeasible = improve(
        cost, weight, capacity, relaxation, incumbent, guided, clock.left(), workers, seed
    )
    if proven_infeasible:
        return result(None, None, "INFEASIBLE")
    if improved is not None:
        incumbent = improved
    lower = max(lower, mip_lower)
    if incumbent is None:
        return result(None, lower, "UNKNOWN")
    return result(incumbent, lower, "FEASIBLE")


def solve_gap_cpsat(
    instance: GapInstance, *, time_limit_seconds: float, workers: int = 2, seed: int = 0
) -> GapSolution:
    """Plain CP-SAT, the reference method: one Boolean per pair that fits, exactly one agent
    per job, one linear capacity per agent, no hint, ``workers`` workers."""
    clock = _Clock(time_limit_seconds)
    cost = np.asarray(instance.cost, dtype=np.int64)
    weight = np.asarray(instance.weight, dtype=np.int64)
    capacity = np.asarray(instance.capacity, dtype=np.int64)
    agents_of_pair, jobs_of_pair = np.nonzero(weight <= capacity[:, None])
    if np.unique(jobs_of_pair).size < cost.shape[1]:
        return GapSolution((), None, None, "INFEASIBLE", clock.elapsed())
    pairs = _Restricted(agents_of_pair, jobs_of_pair, exact=True)
    deadline = time.perf_counter() + clock.left()
    outcome = solve_cpsat(cost, weight, capacity, pairs, None, deadline, workers, seed)
    bound = None
    if outcome.bound is not None and math.isfinite(outcome.bound):
        bound = math.ceil(outcome.bound - BOUND_TOLERANCE * max(1.0, abs(outcome.bound)))
    if outcome.agent_of is None:
        return GapSolution((), None, bound, outcome.status, clock.elapsed())
    objective = total_cost(cost, outcome.agent_of)
    status = "OPTIMAL" if bound is not None and objective <= bound else "FEASIBLE"
    if status == "OPTIMAL":
        bound = objective
    return GapSolution(
        tuple(int(a) for a in outcome.agent_of), objective, bound, status, clock.elapsed()
    )


def construct(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    relaxation: LagrangianBound,
    deadline: float,
) -> tuple[np.ndarray | None, bool]:
    """Regret greedy on Lagrangian costs, polished by descent; and whether it was guided by
    the Lagrangian costs (False: only a last-resort start was found).

    When the greedy runs out of room, capacity is priced higher (u scaled up) and it starts
    again; the last resorts are the greedy on relative weight ``a / b`` (packs best, costs
    a lot) and a repair by single moves.
    """
    u = relaxation.multipliers
    n = cost.shape[1]
    starts: list[np.ndarray] = []
    guided = True
    for scale in PRICE_SCALES:
        start = regret_greedy(weight, capacity, cost + scale * u[:, None] * weight)
        if start is not None:
            starts.append(start)
            break
    if n <= MAX_PLAIN_START_JOBS:
        plain = regret_greedy(weight, capacity, cost.astype(float))
        if plain is not None:
            starts.append(plain)
    if not starts:
        guided = False
        packing = weight / np.maximum(capacity, 1)[:, None]
        start = regret_greedy(weight, capacity, packing)
        if start is None:
            start = repair(cost, weight, capacity, cost + u[:, None] * weight)
        if start is not None:
            starts.append(start)
    return polish(cost, weight, capacity, starts, deadline), guided


def polish(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    starts: list[np.ndarray],
    deadline: float,
) -> np.ndarray | None:
    """The cheapest start after descent over shifts, swaps and ejection chains."""
    best: np.ndarray | None = None
    for start in starts:
        start = chain_descent(cost, weight, capacity, start, deadline)
        if best is None or total_cost(cost, start) < total_cost(cost, best):
            best = start
    return best


def metaheuristic(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    relaxation: LagrangianBound,
    incumbent: np.ndarray | None,
    deadline: float,
    workers: int,
    seed: int,
    beside: BranchAndBound | None = None,
) -> np.ndarray | None:
    """The compiled tabu search / path relinking (``gap_tabu``), one search per worker in
    parallel threads (different seeds), until ``deadline``. Returns its best feasible
    assignment if it beats ``incumbent`` (or there is none), else None.

    It stops early when the best value reaches the LP bound, or when reduced-cost fixing with
    the best value leaves at most EARLY_PROOF_PAIRS pairs and the search has stalled (no new
    best for TABU_STALL_SHARE of its time): then the exact model is small enough for the MIP
    to prove optimality (or find the last improvements) in the time left. With a branch and
    bound running ``beside`` it, the searches tell it each best value (it then looks only
    below) and stop when it has finished its tree; the hand-over rule is then off.
    """
    u = relaxation.multipliers
    guide = cost + u[:, None] * weight
    start = incumbent if incumbent is not None else guide.argmin(axis=0)
    scale = 0.1 * float(np.abs(cost).mean()) / max(1.0, float(weight.mean()))
    penalty = TABU_PENALTY * u + scale
    searches = [
        new_search(cost, weight, capacity, guide, start, penalty, seed + k, incumbent)
        for k in range(max(1, workers))
    ]
    lower = relaxation.integer_bound
    began = time.perf_counter()
    stall = max(TABU_STALL_SECONDS, TABU_STALL_SHARE * (deadline - began))
    last_value: int | None = None
    last_change = began
    with ThreadPoolExecutor(max_workers=len(searches)) as pool:
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            step = min(deadline, now + TABU_CHECK_SECONDS)
            list(pool.map(TabuSearch.run, searches, [step] * len(searches)))
            # Each search's best joins the next one's elite set: relinking paths then also
            # run between the regions the two threads found.
            for k, search in enumerate(searches):
                if len(searches) > 1:
                    search.adopt(searches[k - 1])
            values = [v for v in (search.best_value for search in searches) if v is not None]
            if beside is not None:
                found = beside.answer()
                # Read while the search may be writing its next one: offered only if feasible.
                if found is not None and is_feasible(weight, capacity, found[0]):
                    for search in searches:
                        search.offer(*found)
                if values:
                    beside.lower_upper(min(values))
                if beside.finished or (values and min(values) <= lower):
                    break
                continue
            if not values:
                continue
            best_value = min(values)
            now = time.perf_counter()
            if last_value is None or best_value < last_value:
                last_value, last_change = best_value, now
            small = relaxation.reduced_costs <= best_value - 1 - relaxation.value + RC_EPSILON
            if hand_over(best_value, lower, int(small.sum()), now - last_change, stall):
                break
    best: np.ndarray | None = None
    for search in searches:
        value = search.best_value
        if value is None:
            continue
        candidate = search.best.copy()
        if not is_feasible(weight, capacity, candidate):
            continue
        if best is None or total_cost(cost, candidate) < total_cost(cost, best):
            best = candidate
    if best is None:
        return None
    if incumbent is not None and total_cost(cost, best) >= total_cost(cost, incumbent):
        return None
    return best


def branch_beside_search(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    relaxation: LagrangianBound,
    incumbent: np.ndarray | None,
    clock: _Clock,
    workers: int,
    seed: int,
) -> tuple[np.ndarray | None, int | None, str]:
    """Small instances: the tabu search alone for BRANCH_AFTER_SHARE of the time, then the
    Lagrangian branch and bound (``gap_branch``) in one thread below its best answer and the
    tabu search in the others, both until the time limit or until the branch and bound has
    finished its tree. Returns (best assignment, lower bound, status)."""
    lower = relaxation.integer_bound
    # The tabu search alone first: the branch and bound then starts below its answer (from the
    # construction's, d10100 took 47 s to prove instead of 30 and d10200 ended at 12449).
    alone = time.perf_counter() + BRANCH_AFTER_SHARE * clock.left()
    searched = metaheuristic(cost, weight, capacity, relaxation, incumbent, alone, workers, seed)
    if searched is not None:
        incumbent = searched
        if total_cost(cost, incumbent) <= lower:
            return incumbent, lower, "FEASIBLE"
    upper = int(cost.max(axis=0).sum()) + 1 if incumbent is None else total_cost(cost, incumbent)
    job_prices = (cost + relaxation.multipliers[:, None] * weight).min(axis=0)
    branch = new_branch_and_bound(cost, weight, capacity, job_prices, upper)
    deadline = time.perf_counter() + clock.left()
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(branch.run)
        try:
            searched = metaheuristic(
                cost,
                weight,
                capacity,
                relaxation,
                incumbent,
                deadline,
                max(1, workers - 1),
                seed,
                beside=branch,
            )
        finally:
            branch.request_stop()
        outcome = running.result()
    best = incumbent if searched is None else searched
    if outcome.assignment is not None:
        if best is None or outcome.value is not None and outcome.value < total_cost(cost, best):
            best = outcome.assignment
    if outcome.lower_bound is not None:
        lower = max(lower, outcome.lower_bound)
    if best is None:
        return (None, None, "INFEASIBLE") if outcome.proven else (None, lower, "UNKNOWN")
    return best, min(lower, total_cost(cost, best)), "FEASIBLE"


def hand_over(
    best_value: int, lower: int, pairs_left: int, stalled_seconds: float, stall: float
) -> bool:
    """Whether the tabu stage should stop before its deadline: its best value reaches the
    bound, or reduced-cost fixing with it leaves at most EARLY_PROOF_PAIRS pairs (a model the
    MIP may prove) and it has not improved for ``stall`` seconds."""
    if best_value <= lower:
        return True
    return pairs_left <= EARLY_PROOF_PAIRS and stalled_seconds >= stall


@dataclass(frozen=True)
class _Restricted:
    """Pairs (agent, job) kept in the MIP, whether they cover every improving solution."""

    agents: np.ndarray
    jobs: np.ndarray
    exact: bool


@dataclass(frozen=True)
class _Outcome:
    agent_of: np.ndarray | None
    bound: float | None  # the solver's bound on the restricted model, if any
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN (on the restricted model)


def restricted_pairs(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    relaxation: LagrangianBound,
    incumbent: np.ndarray | None,
) -> _Restricted:
    """Reduced-cost fixing: a solution cheaper than the incumbent's UB uses only pairs with
    ``rc <= UB - 1 - L``. If more than MAX_MODEL_PAIRS remain, keep the smallest reduced
    costs (then the model is a heuristic neighbourhood, no longer exact)."""
    m, n = weight.shape
    rc = relaxation.reduced_costs
    jobs = np.arange(n)
    fits = weight <= capacity[:, None]
    if incumbent is not None:
        upper = total_cost(cost, incumbent)
        keep = (rc <= upper - 1 - relaxation.value + RC_EPSILON) & fits
    else:
        keep = fits.copy()
    exact = int(keep.sum()) <= MAX_MODEL_PAIRS
    if not exact:
        cut = np.partition(np.where(fits, rc, np.inf).ravel(), MAX_MODEL_PAIRS)[MAX_MODEL_PAIRS]
        keep = (rc <= cut) & fits
        cheapest = np.where(fits, rc, np.inf).argmin(axis=0)
        keep[cheapest, jobs] = True
    if incumbent is not None:
        keep[incumbent, jobs] = True
    agents_of_pair, jobs_of_pair = np.nonzero(keep)
    return _Restricted(agents_of_pair, jobs_of_pair, exact)


def improve(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    relaxation: LagrangianBound,
    incumbent: np.ndarray | None,
    hinted: bool,
    time_limit_seconds: float,
    workers: int,
    seed: int,
) -> tuple[np.ndarray | None, int, bool]:
    """Solve the restricted model with HiGHS (one thread) and, given a second worker, CP-SAT
    in parallel; keep the better assignment.

    Returns (assignment at least as good as ``incumbent`` or None, lower bound valid for the
    whole instance (0 if none), proven infeasible). A solver's bound counts only when the
    model was exact: then the optimum is min(incumbent, optimum of the restricted model).
    """
    pairs = restricted_pairs(cost, weight, capacity, relaxation, incumbent)
    # A last-resort incumbent is kept as the fallback answer but not given as a hint: on
    # c801600 a hint 2.6% above the best known kept both solvers from improving at all.
    hint = None if incumbent is None or not hinted else incumbent[pairs.jobs] == pairs.agents
    deadline = time.perf_counter() + time_limit_seconds
    runs: list[Callable[[], _Outcome]] = [
        lambda: solve_highs(cost, weight, capacity, pairs, hint, deadline, seed)
    ]
    if workers >= 2:
        runs.append(
            lambda: solve_cpsat(cost, weight, capacity, pairs, hint, deadline, workers - 1, seed)
        )
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        outcomes = list(pool.map(lambda run: run(), runs))

    upper = None if incumbent is None else total_cost(cost, incumbent)
    lower = 0
    if pairs.exact:
        if any(o.status == "INFEASIBLE" for o in outcomes):
            if upper is None:
                return None, 0, True
            lower = upper  # nothing cheaper than the incumbent exists
        bounds = [o.bound for o in outcomes if o.bound is not None and math.isfinite(o.bound)]
        if bounds:
            best_bound = max(bounds)
            # Solver bounds are floats with feasibility tolerances: round up only past a margin.
            margin = BOUND_TOLERANCE * max(1.0, abs(best_bound))
            lower = max(lower, math.ceil(best_bound - margin))
            if upper is not None:
                lower = min(lower, upper)
    best: np.ndarray | None = None
    for outcome in outcomes:
        agent_of = outcome.agent_of
        if agent_of is None or (agent_of < 0).any():
            continue
        if not is_feasible(weight, capacity, agent_of):
            continue
        if best is None or total_cost(cost, agent_of) < total_cost(cost, best):
            best = agent_of
    if best is not None and upper is not None and total_cost(cost, best) > upper:
        best = None
    return best, lower, False


def solve_cpsat(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    pairs: _Restricted,
    hint: np.ndarray | None,
    deadline: float,
    workers: int,
    seed: int,
) -> _Outcome:
    """CP-SAT on the restricted model, hinted with the incumbent."""
    m, n = weight.shape
    model = cp_model.CpModel()
    choose = [model.new_bool_var("") for _ in range(pairs.agents.size)]
    for members in _groups(pairs.jobs, n):
        model.add_exactly_one([choose[k] for k in members])
    for i, members in enumerate(_groups(pairs.agents, m)):
        if members.size:
            terms = [choose[k] for k in members]
            coefficients = weight[i, pairs.jobs[members]].tolist()
            model.add(cp_model.LinearExpr.weighted_sum(terms, coefficients) <= int(capacity[i]))
    pair_cost = cost[pairs.agents, pairs.jobs].tolist()
    model.minimize(cp_model.LinearExpr.weighted_sum(choose, pair_cost))
    if hint is not None:
        for variable, value in zip(choose, hint.tolist(), strict=True):
            model.add_hint(variable, value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return _Outcome(None, None, "INFEASIBLE")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Outcome(None, None, "UNKNOWN")
    chosen = np.array([solver.boolean_value(v) for v in choose], dtype=bool)
    return _Outcome(
        _assignment(pairs, chosen, n), solver.best_objective_bound, solver.status_name(status)
    )


def solve_highs(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    pairs: _Restricted,
    hint: np.ndarray | None,
    deadline: float,
    seed: int,
) -> _Outcome:
    """HiGHS branch-and-cut (through OR-Tools MathOpt) on the restricted model."""
    m, n = weight.shape
    model = mathopt.Model()
    choose = [model.add_binary_variable() for _ in range(pairs.agents.size)]
    for members in _groups(pairs.jobs, n):
        model.add_linear_constraint(mathopt.fast_sum(choose[k] for k in members) == 1)
    for i, members in enumerate(_groups(pairs.agents, m)):
        if members.size:
            used = weight[i, pairs.jobs[members]].tolist()
            expression = mathopt.fast_sum(
                w * choose[k] for w, k in zip(used, members.tolist(), strict=True)
            )
            model.add_linear_constraint(expression <= float(capacity[i]))
    pair_cost = cost[pairs.agents, pairs.jobs].tolist()
    model.minimize(mathopt.fast_sum(c * x for c, x in zip(pair_cost, choose, strict=True)))
    model_parameters = mathopt.ModelSolveParameters()
    if hint is not None:
        values = {x: float(h) for x, h in zip(choose, hint.tolist(), strict=True)}
        model_parameters = mathopt.ModelSolveParameters(
            solution_hints=[mathopt.SolutionHint(variable_values=values)]
        )
    seconds = max(deadline - time.perf_counter(), 0.01)
    parameters = mathopt.SolveParameters(time_limit=timedelta(seconds=seconds), random_seed=seed)
    try:
        result = mathopt.solve(
            model, mathopt.SolverType.HIGHS, params=parameters, model_params=model_parameters
        )
    except Exception:  # noqa: BLE001 - a failing MIP run must not fail the solve
        return _Outcome(None, None, "UNKNOWN")
    reason = result.termination.reason
    if reason == mathopt.TerminationReason.INFEASIBLE:
        return _Outcome(None, None, "INFEASIBLE")
    bound = result.termination.objective_bounds.dual_bound
    if not result.has_primal_feasible_solution():
        return _Outcome(None, bound, "UNKNOWN")
    solved = np.array(result.variable_values(choose), dtype=float)
    status = "OPTIMAL" if reason == mathopt.TerminationReason.OPTIMAL else "FEASIBLE"
    return _Outcome(_assignment(pairs, solved > 0.5, n), bound, status)


def _groups(keys: np.ndarray, count: int) -> list[np.ndarray]:
    """Indices of ``keys`` grouped by value 0..count-1."""
    order = np.argsort(keys, kind="stable")
    cuts = np.searchsorted(keys[order], np.arange(count + 1))
    return [order[cuts[k] : cuts[k + 1]] for k in range(count)]


def _assignment(pairs: _Restricted, chosen: np.ndarray, n: int) -> np.ndarray:
    agent_of = np.full(n, -1, dtype=np.int64)
    agent_of[pairs.jobs[chosen]] = pairs.agents[chosen]
    return agent_of
