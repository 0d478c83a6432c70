"""Lagrangian branch and bound for small GAP instances (numba, no Django).

In the style of Posta, Ferland and Michelon ("An exact method with variable fixing for solving
the generalized assignment problem", Computational Optimization and Applications 2012),
written from the paper's ideas, not its code: the search asks "is there an assignment that
costs at most z?" with z one below the best cost known, and answers it depth first.

* **Bound at a node**: the assignment rows are priced with multipliers ``lam`` (one per job)
  and the rest splits into one 0-1 knapsack per agent (items: the jobs still open there with
  profit ``lam_j - c_ij > 0``, capacity: what the jobs fixed to the agent leave), each solved
  exactly by dynamic programming over the capacity:
  ``L(lam) = fixed cost + sum_j lam_j - sum_i best profit_i``, a lower bound for every
  assignment the node holds, for any ``lam``. A few subgradient steps (Polyak steps aimed
  at ``z + 1``) warm-started from the parent's multipliers tighten it; the node is pruned as
  soon as ``L > z``. For the root this is the knapsack (assignment-row) Lagrangian bound,
  tighter than the LP on the type D instances (d20100: 6176 against 6166).
* **Variable fixing**: with each knapsack's prefix and suffix tables the bound is also known
  with one pair forced in (and the job forced out of every other agent's knapsack) or forced
  out. A pair whose forced-in bound exceeds ``z`` is removed; a job whose only allowed agent
  is left, or whose forced-out bound on one agent exceeds ``z``, is fixed there. Fixing
  repeats until nothing changes.
* **A primal answer at every node**: the relaxed solution repaired (a job chosen by several
  agents stays with the cheapest, the unassigned ones go by regret to the cheapest agent
  with room). Each answer of cost at most ``z`` becomes the best and lowers ``z`` to one
  below it; the search goes on with the same stack (every pruning stays valid).
* **Branching**: on the open job whose cheapest forced-in bound is the highest (the job
  hardest to place), first into that agent, then out of it.

When the stack empties the best answer found is optimal (or nothing cheaper than the starting
upper bound exists). The kernel checks a shared ``stop`` flag and the ``upper`` cell (another
thread may write a better cost found elsewhere) at every node; ``warm_up()`` compiles or
loads the kernels once, before any clock starts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

# Subgradient steps at the root and at every other node (warm-started from the parent).
ROOT_STEPS = 300
NODE_STEPS = 10
# Steps without a better bound before the step size is halved.
STEP_PATIENCE = 5
# Float slack when comparing a bound with z (costs are integers).
TOLERANCE = 1e-6
NO_BOUND = -1e18
# Kernel result codes.
PROVEN = 1
STOPPED = 0


@njit(cache=True, nogil=True)
def _knapsack(weights, profits, capacity, take):
    """Best profit of a 0-1 knapsack; ``take[k]`` set for the items chosen."""
    items = weights.size
    if items == 0 or capacity <= 0:
        take[:items] = False
        return 0.0
    # Capacity beyond the items' total weight changes nothing.
    capacity = min(capacity, weights.sum())
    best = np.zeros(capacity + 1)
    keep = np.zeros((items, capacity + 1), dtype=np.bool_)
    for k in range(items):
        w = weights[k]
        p = profits[k]
        for c in range(capacity, w - 1, -1):
            t = best[c - w] + p
            if t > best[c]:
                best[c] = t
                keep[k, c] = True
    c = capacity
    for k in range(items - 1, -1, -1):
        take[k] = keep[k, c]
        if take[k]:
            c -= weights[k]
    return best[capacity]


@njit(cache=True, nogil=True)
def _knapsack_tables(weights, profits, capacity):
    """``before[k, c]``: best profit of items < k within capacity c; ``after[k, c]``: of
    items >= k. ``capacity`` is at most the items' total weight (a larger one changes
    nothing: read the tables at ``min(c, capacity)``)."""
    items = weights.size
    before = np.zeros((items + 1, capacity + 1))
    for k in range(items):
        for c in range(capacity + 1):
            v = before[k, c]
            if c >= weights[k]:
                v = max(v, before[k, c - weights[k]] + profits[k])
            before[k + 1, c] = v
    after = np.zeros((items + 1, capacity + 1))
    for k in range(items - 1, -1, -1):
        for c in range(capacity + 1):
            v = after[k + 1, c]
            if c >= weights[k]:
                v = max(v, after[k + 1, c - weights[k]] + profits[k])
            after[k, c] = v
    return before, after


@njit(cache=True, nogil=True)
def _split(before, after, cap, top):
    """Best profit within ``cap`` from two item sets with tables over 0..``top``: the best
    split of the capacity (tables read at ``min(c, top)``; only splits where neither side is
    saturated can be better than the others)."""
    low, high = max(0, cap - top), min(cap, top)
    if low > high:
        return before[top] + after[top]  # room for every item on both sides
    best = NO_BOUND
    for c in range(low, high + 1):
        best = max(best, before[c] + after[cap - c])
    return best


@njit(cache=True, nogil=True)
def _items(cost, weight, allowed, fixed, room, lam, i, index, weights, profits):
    """The open jobs agent ``i`` would take at a profit; their count."""
    count = 0
    for j in range(cost.shape[1]):
        if fixed[j] < 0 and allowed[i, j] and weight[i, j] <= room[i]:
            profit = lam[j] - cost[i, j]
            if profit > 0:
                index[count] = j
                weights[count] = weight[i, j]
                profits[count] = profit
                count += 1
    return count


@njit(cache=True, nogil=True)
def _lagrangian(cost, weight, allowed, fixed, room, fixed_cost, lam, chosen):
    """``L(lam)`` at a node; ``chosen[i, j]`` the relaxed solution."""
    m, n = cost.shape
    value = fixed_cost
    for j in range(n):
        if fixed[j] < 0:
            value += lam[j]
    index = np.empty(n, dtype=np.int64)
    weights = np.empty(n, dtype=np.int64)
    profits = np.empty(n)
    take = np.empty(n, dtype=np.bool_)
    chosen[:, :] = False
    for i in range(m):
        count = _items(cost, weight, allowed, fixed, room, lam, i, index, weights, profits)
        value -= _knapsack(weights[:count], profits[:count], room[i], take[:count])
        for k in range(count):
            if take[k]:
                chosen[i, index[k]] = True
    return value


@njit(cache=True, nogil=True)
def _subgradient(cost, weight, allowed, fixed, room, fixed_cost, lam, z, steps, chosen):
    """Best ``L`` over a few subgradient steps; ``lam`` and ``chosen`` left at the best
    multipliers and their relaxed solution."""
    m, n = cost.shape
    theta = 1.0
    best = NO_BOUND
    best_lam = lam.copy()
    best_chosen = chosen.copy()
    stalled = 0
    for _ in range(steps):
        value = _lagrangian(cost, weight, allowed, fixed, room, fixed_cost, lam, chosen)
        if value > best + 1e-9:
            best = value
            best_lam[:] = lam
            best_chosen[:, :] = chosen
            stalled = 0
        else:
            stalled += 1
            if stalled >= STEP_PATIENCE:
                theta *= 0.5
                stalled = 0
        if best > z + TOLERANCE:
            break
        norm = 0.0
        gradient = np.zeros(n)
        for j in range(n):
            if fixed[j] < 0:
                gradient[j] = 1.0
                for i in range(m):
                    if chosen[i, j]:
                        gradient[j] -= 1.0
                norm += gradient[j] * gradient[j]
        if norm == 0.0:
            break  # the relaxed solution assigns every job once: it is the node's optimum
        lam += theta * (z + 1.0 - value) / norm * gradient
    lam[:] = best_lam
    chosen[:, :] = best_chosen
    return best


@njit(cache=True, nogil=True)
def _repair(cost, weight, allowed, fixed, room, chosen, answer):
    """A feasible assignment from the relaxed one (into ``answer``) and its cost, or -1."""
    m, n = cost.shape
    left = room.copy()
    for j in range(n):
        answer[j] = fixed[j]
        if fixed[j] >= 0:
            continue
        for i in range(m):
            if chosen[i, j] and (answer[j] < 0 or cost[i, j] < cost[answer[j], j]):
                answer[j] = i
        if answer[j] >= 0:
            left[answer[j]] -= weight[answer[j], j]
    while True:
        job, agent, regret = -1, -1, -1.0
        for j in range(n):
            if answer[j] >= 0:
                continue
            first, c1, c2 = -1, 1e18, 1e18
            for i in range(m):
                if allowed[i, j] and weight[i, j] <= left[i]:
                    if cost[i, j] < c1:
                        first, c1, c2 = i, cost[i, j], c1
                    elif cost[i, j] < c2:
                        c2 = cost[i, j]
            if first < 0:
                return -1
            if c2 - c1 > regret:
                job, agent, regret = j, first, c2 - c1
        if job < 0:
            break
        answer[job] = agent
        left[agent] -= weight[agent, job]
    total = 0
    for j in range(n):
        total += cost[answer[j], j]
    return total


@njit(cache=True, nogil=True)
def _fixing_bounds(cost, weight, allowed, fixed, room, lam, value, forced_in, forced_out):
    """The node's bound with each open pair forced in (the job out of every other agent) and
    forced out, from each knapsack's prefix and suffix tables."""
    m, n = cost.shape
    out_delta = np.zeros((m, n))
    in_delta = np.full((m, n), np.inf)
    index = np.empty(n, dtype=np.int64)
    weights = np.empty(n, dtype=np.int64)
    profits = np.empty(n)
    position = np.empty(n, dtype=np.int64)
    for i in range(m):
        count = _items(cost, weight, allowed, fixed, room, lam, i, index, weights, profits)
        position[:] = -1
        for k in range(count):
            position[index[k]] = k
        cap = room[i]
        top = min(cap, weights[:count].sum())
        before, after = _knapsack_tables(weights[:count], profits[:count], top)
        best = before[count, top]
        for j in range(n):
            if fixed[j] >= 0 or not allowed[i, j] or weight[i, j] > cap:
                continue
            w = weight[i, j]
            k = position[j]
            if k < 0:
                in_delta[i, j] = best - (lam[j] - cost[i, j] + before[count, min(cap - w, top)])
                continue
            in_delta[i, j] = best - (profits[k] + _split(before[k], after[k + 1], cap - w, top))
            out_delta[i, j] = best - _split(before[k], after[k + 1], cap, top)
    for j in range(n):
        if fixed[j] >= 0:
            continue
        everywhere_out = 0.0
        for i in range(m):
            if allowed[i, j]:
                everywhere_out += out_delta[i, j]
        for i in range(m):
            forced_out[i, j] = value + out_delta[i, j]
            forced_in[i, j] = value + in_delta[i, j] + everywhere_out - out_delta[i, j]


@njit(cache=True, nogil=True)
def _fix(cost, weight, allowed, fixed, room, j, i):
    """Job ``j`` to agent ``i``; its cost."""
    fixed[j] = i
    room[i] -= weight[i, j]
    allowed[:, j] = False
    allowed[i, j] = True
    return cost[i, j]


@njit(cache=True, nogil=True)
def _tighten(cost, weight, allowed, fixed, room, forced_in, forced_out, z):
    """Remove and fix pairs by the fixing bounds. Returns (cost of the jobs fixed now, changed,
    dead)."""
    m, n = cost.shape
    added = 0
    changed = False
    for j in range(n):
        if fixed[j] >= 0:
            continue
        left, last = 0, -1
        for i in range(m):
            if allowed[i, j]:
                if forced_in[i, j] > z + TOLERANCE:
                    allowed[i, j] = False
                    changed = True
                else:
                    left, last = left + 1, i
        if left == 0:
            return added, changed, True
        for i in range(m):
            if allowed[i, j] and forced_out[i, j] > z + TOLERANCE:
                left, last = 1, i
                break
        if left == 1:
            if weight[last, j] > room[last]:
                return added, changed, True
            added += _fix(cost, weight, allowed, fixed, room, j, last)
            changed = True
    return added, changed, False


@njit(cache=True, nogil=True)
def _branch_and_bound(cost, weight, capacity, lam0, upper, stop, best, stats):
    """Depth-first search for assignments cheaper than ``upper[0]`` (lowered as they are
    found, also by other threads). ``best`` receives each one. Returns PROVEN when the tree
    is exhausted (no assignment cheaper than ``upper[0]`` exists), STOPPED when ``stop[0]``
    was set. ``stats``: nodes, answers found, root bound."""
    m, n = cost.shape
    depth = m * n + 2
    stack_allowed = np.empty((depth, m, n), dtype=np.bool_)
    stack_fixed = np.empty((depth, n), dtype=np.int64)
    stack_room = np.empty((depth, m), dtype=np.int64)
    stack_cost = np.empty(depth)
    stack_lam = np.empty((depth, n))
    for i in range(m):
        for j in range(n):
            stack_allowed[0, i, j] = weight[i, j] <= capacity[i]
    stack_fixed[0, :] = -1
    stack_room[0, :] = capacity
    stack_cost[0] = 0.0
    stack_lam[0, :] = lam0
    top = 1
    chosen = np.zeros((m, n), dtype=np.bool_)
    forced_in = np.empty((m, n))
    forced_out = np.empty((m, n))
    answer = np.empty(n, dtype=np.int64)
    stats[2] = NO_BOUND
    while top > 0:
        if stop[0]:
            return STOPPED
        top -= 1
        allowed = stack_allowed[top].copy()
        fixed = stack_fixed[top].copy()
        room = stack_room[top].copy()
        fixed_cost = stack_cost[top]
        lam = stack_lam[top].copy()
        stats[0] += 1
        z = upper[0] - 1.0
        if fixed_cost > z + TOLERANCE:
            continue
        root = stats[0] == 1
        dead = False
        while True:
            steps = ROOT_STEPS if root else NODE_STEPS
            value = _subgradient(
                cost, weight, allowed, fixed, room, fixed_cost, lam, z, steps, chosen
            )
            if root:
                stats[2] = value
                root = False
            if value > z + TOLERANCE:
                dead = True
                break
            total = _repair(cost, weight, allowed, fixed, room, chosen, answer)
            if total >= 0 and total <= z:
                best[:] = answer
                upper[0] = total
                stats[1] += 1
                z = total - 1.0
                continue
            _fixing_bounds(cost, weight, allowed, fixed, room, lam, value, forced_in, forced_out)
            added, changed, dead = _tighten(
                cost, weight, allowed, fixed, room, forced_in, forced_out, z
            )
            fixed_cost += added
            if dead or not changed or fixed_cost > z + TOLERANCE:
                dead = dead or fixed_cost > z + TOLERANCE
                break
        if dead:
            continue
        job, agent, hardest = -1, -1, NO_BOUND
        for j in range(n):
            if fixed[j] >= 0:
                continue
            cheapest, where = np.inf, -1
            for i in range(m):
                if allowed[i, j] and forced_in[i, j] < cheapest:
                    cheapest, where = forced_in[i, j], i
            if cheapest > hardest:
                job, agent, hardest = j, where, cheapest
        if job < 0:
            total = 0
            for j in range(n):
                total += cost[fixed[j], j]
            if total <= z:
                best[:] = fixed
                upper[0] = total
                stats[1] += 1
            continue
        # Out of the agent (explored second), then into it (explored first).
        stack_allowed[top] = allowed
        stack_allowed[top, agent, job] = False
        stack_fixed[top] = fixed
        stack_room[top] = room
        stack_cost[top] = fixed_cost
        stack_lam[top] = lam
        top += 1
        stack_allowed[top] = allowed
        stack_fixed[top] = fixed
        stack_room[top] = room
        stack_cost[top] = fixed_cost + _fix(
            cost, weight, stack_allowed[top], stack_fixed[top], stack_room[top], job, agent
        )
        stack_lam[top] = lam
        top += 1
    return PROVEN


@dataclass(frozen=True)
class BranchOutcome:
    """What a branch and bound run found: its cheapest assignment (None if it found none
    below the upper bounds it was given) and that assignment's cost; ``upper``, the cost
    limit it ended with (its own answers and the costs other threads reported); ``proven``,
    whether it finished the tree (then no assignment cheaper than ``upper`` exists); the
    root's Lagrangian bound (valid for the whole instance, rounded up) and the nodes
    explored."""

    assignment: np.ndarray | None
    value: int | None
    upper: int
    proven: bool
    root_bound: int | None
    nodes: int

    @property
    def lower_bound(self) -> int | None:
        """The best lower bound this run proved for the whole instance."""
        if self.proven:
            return self.upper
        return self.root_bound


@dataclass
class BranchAndBound:
    """One search (one thread). ``upper`` and ``stop`` are shared cells: another thread may
    lower ``upper`` to a cost it found, or set ``stop`` to end the search."""

    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    lam: np.ndarray
    upper: np.ndarray
    stop: np.ndarray
    best: np.ndarray
    stats: np.ndarray
    finished: bool = False
    answers_read: int = 0

    def run(self) -> BranchOutcome:
        """Search until the tree is finished or ``stop`` is set (``finished`` then True)."""
        try:
            code = self._search()
        finally:
            self.finished = True
        found = self.stats[1] > 0
        value = int(self.cost[self.best, np.arange(self.best.size)].sum()) if found else None
        root = float(self.stats[2])
        root_bound = None
        if root > NO_BOUND:
            root_bound = math.ceil(root - TOLERANCE * max(1.0, abs(root)))
        return BranchOutcome(
            assignment=self.best.copy() if found else None,
            value=value,
            upper=int(self.upper[0]),
            proven=code == PROVEN,
            root_bound=root_bound,
            nodes=int(self.stats[0]),
        )

    def _search(self) -> int:
        return _branch_and_bound(
            self.cost,
            self.weight,
            self.capacity,
            self.lam,
            self.upper,
            self.stop,
            self.best,
            self.stats,
        )

    def answer(self) -> tuple[np.ndarray, int] | None:
        """The search's latest answer and its cost, once each (None if nothing new). Read
        while the search runs, it may mix two answers: check it before use."""
        found = int(self.stats[1])
        if found == self.answers_read:
            return None
        self.answers_read = found
        assignment = self.best.copy()
        if (assignment < 0).any():
            return None  # being written by the search: the next call will read it
        return assignment, int(self.cost[assignment, np.arange(assignment.size)].sum())

    def lower_upper(self, value: int) -> None:
        """A cost found elsewhere: the search now looks only below it."""
        if value < self.upper[0]:
            self.upper[0] = value

    def request_stop(self) -> None:
        self.stop[0] = True


def new_branch_and_bound(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, lam: np.ndarray, upper: int
) -> BranchAndBound:
    """A search for assignments cheaper than ``upper``, its multipliers started at ``lam``
    (one per job, e.g. ``min_i (c_ij + u_i a_ij)`` from the LP's capacity duals)."""
    n = cost.shape[1]
    return BranchAndBound(
        cost=np.ascontiguousarray(cost, dtype=np.int64),
        weight=np.ascontiguousarray(weight, dtype=np.int64),
        capacity=np.ascontiguousarray(capacity, dtype=np.int64),
        lam=np.ascontiguousarray(lam, dtype=np.float64).copy(),
        upper=np.full(1, float(upper)),
        stop=np.zeros(1, dtype=np.bool_),
        best=np.full(n, -1, dtype=np.int64),
        stats=np.zeros(3),
    )


def warm_up() -> float:
    """Compile (or load from the on-disk cache) the kernels on a tiny instance; seconds taken."""
    began = time.perf_counter()
    cost = np.array([[1, 2, 3], [2, 1, 3]], dtype=np.int64)
    weight = np.array([[2, 2, 2], [2, 2, 2]], dtype=np.int64)
    capacity = np.array([4, 4], dtype=np.int64)
    new_branch_and_bound(cost, weight, capacity, cost.min(axis=0), upper=100).run()
    return time.perf_counter() - began
