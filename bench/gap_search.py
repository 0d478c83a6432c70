"""Construction and local search for the Generalized Assignment Problem (numpy, no Django).

All functions work on dense arrays: ``cost`` and ``weight`` of shape (agents, jobs), ``capacity``
of shape (agents,), and an assignment ``agent_of`` of shape (jobs,) holding 0-based agents.
"""

from __future__ import annotations

import time

import numpy as np

NO_AGENT = -1


def loads(weight: np.ndarray, agent_of: np.ndarray) -> np.ndarray:
    """Capacity used on each agent by ``agent_of``."""
    jobs = np.arange(weight.shape[1])
    used = np.bincount(agent_of, weights=weight[agent_of, jobs], minlength=weight.shape[0])
    return np.rint(used).astype(np.int64)


def total_cost(cost: np.ndarray, agent_of: np.ndarray) -> int:
    return int(cost[agent_of, np.arange(cost.shape[1])].sum())


def is_feasible(weight: np.ndarray, capacity: np.ndarray, agent_of: np.ndarray) -> bool:
    return bool(np.all(loads(weight, agent_of) <= capacity))


def regret_greedy(
    weight: np.ndarray, capacity: np.ndarray, desirability: np.ndarray
) -> np.ndarray | None:
    """Martello and Toth's MTHG construction with a regret measure.

    Repeatedly take the unassigned job whose best feasible agent (lowest ``desirability``)
    beats its second best by the most, and give it that agent. With ``desirability`` the
    Lagrangian cost ``c + u * a`` the regrets price the scarce capacity. Returns None when
    some job no longer fits anywhere.
    """
    m, n = weight.shape
    remaining = capacity.astype(np.int64).copy()
    agent_of = np.full(n, NO_AGENT, dtype=np.int64)
    open_jobs = np.arange(n)
    while open_jobs.size:
        fits = weight[:, open_jobs] <= remaining[:, None]
        score = np.where(fits, desirability[:, open_jobs], np.inf)
        if m > 1:
            two_best = np.partition(score, 1, axis=0)[:2]
        else:
            two_best = np.vstack([score, np.full_like(score, np.inf)])
        if np.isinf(two_best[0]).any():
            return None
        regret = two_best[1] - two_best[0]
        pick = int(np.argmax(regret))
        job = int(open_jobs[pick])
        agent = int(np.argmin(score[:, pick]))
        agent_of[job] = agent
        remaining[agent] -= weight[agent, job]
        open_jobs = np.delete(open_jobs, pick)
    return agent_of


def repair(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    desirability: np.ndarray,
    max_moves: int = 20_000,
) -> np.ndarray | None:
    """Assign every job to its most desirable agent, then shift jobs to remove overload.

    Each step moves the job whose move reduces the total overload the most (ties: smallest
    increase of desirability). Returns None if the overload cannot be removed by single moves.
    """
    m, n = cost.shape
    jobs = np.arange(n)
    agent_of: np.ndarray = desirability.argmin(axis=0)
    load = loads(weight, agent_of)
    for _ in range(max_moves):
        over = np.maximum(load - capacity, 0)
        if not over.any():
            return agent_of
        current = agent_of
        # Overload change when job j leaves its agent and joins agent i.
        leave = np.maximum(load[current] - weight[current, jobs] - capacity[current], 0)
        leave -= over[current]
        join = np.maximum(load[:, None] + weight - capacity[:, None], 0) - over[:, None]
        change = join + leave[None, :]
        change[current, jobs] = 0
        extra = desirability - desirability[current, jobs][None, :]
        # Lexicographic: overload change first, desirability second.
        score = change * 1e6 + extra
        score[current, jobs] = np.inf
        flat = int(np.argmin(score))
        agent, job = divmod(flat, n)
        if change[agent, job] >= 0:
            return None
        load[current[job]] -= weight[current[job], job]
        load[agent] += weight[agent, job]
        agent_of = agent_of.copy()
        agent_of[job] = agent
    return None


def shift_descent(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, agent_of: np.ndarray
) -> np.ndarray:
    """Best-improvement shifts (move one job to another agent with room) until none improves."""
    m, n = cost.shape
    jobs = np.arange(n)
    agent_of = agent_of.copy()
    load = loads(weight, agent_of)
    while True:
        delta = cost - cost[agent_of, jobs][None, :]
        fits = load[:, None] + weight <= capacity[:, None]
        delta = np.where(fits, delta, 1)
        delta[agent_of, jobs] = 1
        flat = int(np.argmin(delta))
        agent, job = divmod(flat, n)
        if delta[agent, job] >= 0:
            return agent_of
        load[agent_of[job]] -= weight[agent_of[job], job]
        load[agent] += weight[agent, job]
        agent_of[job] = agent


def chain_descent(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    agent_of: np.ndarray,
    deadline: float,
) -> np.ndarray:
    """Descent over shifts, swaps and ejection chains of length two, many moves per pass.

    A pass evaluates, for every ordered pair of jobs (j1, j2) on different agents, moving j1
    onto j2's agent i2 while j2 leaves it, either to j1's agent (swap) or to the agent where j2
    is best placed with the current room (chain j1 -> i2, j2 -> i3). Improving moves are
    applied best first as long as they touch agents no earlier move of the pass touched.
    """
    n = cost.shape[1]
    jobs = np.arange(n)
    agent_of = shift_descent(cost, weight, capacity, agent_of)
    while time.perf_counter() < deadline:
        load = loads(weight, agent_of)
        room = capacity - load
        own = cost[agent_of, jobs]
        gain = np.where(weight <= room[:, None], cost - own[None, :], np.inf)
        gain[agent_of, jobs] = np.inf
        best_to = gain.argmin(axis=0)
        best_gain = gain[best_to, jobs]
        i1 = agent_of[:, None]
        i2 = agent_of[None, :]
        j1 = jobs[:, None]
        j2 = jobs[None, :]
        move_in = cost[i2, j1] - own[:, None]
        fits_i2 = load[i2] - weight[i2, j2] + weight[i2, j1] <= capacity[i2]
        different = i1 != i2
        swap = move_in + cost[i1, j2] - own[None, :]
        swap_ok = fits_i2 & different & (load[i1] - weight[i1, j1] + weight[i1, j2] <= capacity[i1])
        chain = move_in + best_gain[None, :]
        chain_ok = fits_i2 & different & (best_to[None, :] != i1) & np.isfinite(chain)
        swap = np.where(swap_ok, swap, np.inf)
        chain = np.where(chain_ok, chain, np.inf)
        use_chain = chain < swap
        delta = np.minimum(swap, chain)
        rows, cols = np.nonzero(delta < 0)
        if rows.size == 0:
            break
        order = np.argsort(delta[rows, cols], kind="stable")
        touched = np.zeros(cost.shape[0], dtype=bool)
        agent_of = agent_of.copy()
        moved = np.zeros(n, dtype=bool)
        for k in order.tolist():
            a, b = int(rows[k]), int(cols[k])
            if moved[a] or moved[b]:
                continue
            src, dst = int(agent_of[a]), int(agent_of[b])
            third = int(best_to[b]) if use_chain[a, b] else src
            if touched[src] or touched[dst] or touched[third]:
                continue
            agent_of[a], agent_of[b] = dst, third
            touched[[src, dst, third]] = True
            moved[[a, b]] = True
        agent_of = shift_descent(cost, weight, capacity, agent_of)
    return agent_of
