"""Compiled metaheuristic for the Generalized Assignment Problem (numba, no Django).

In the style of Yagiura, Ibaraki and Glover ("An ejection chain approach for the generalized
assignment problem", INFORMS J. Computing 2004; "A path relinking approach with ejection
chains for the GAP", EJOR 2006), written from the papers' ideas, not their code:

* The search moves through infeasible assignments too. It minimises the penalised cost
  ``cost + sum_i alpha_i * max(0, load_i - b_i)`` with one weight per agent, raised on the
  agents that end a local search overloaded and lowered on the others (adaptive weights).
* Neighbourhoods, restricted to candidate lists (each job's ``k`` agents of smallest
  Lagrangian cost ``c + u a``): shift (one job to another agent), swap (two jobs exchange
  agents) and ejection chains (j1 goes to agent i2 and pushes out j2, which goes to i3 and
  pushes out j3, ..., the last job goes to a free choice of agent; the chain may close on j1's
  agent). The chain grows greedily, the pushed-out job and its next agent chosen by the best
  partial gain, and every prefix closing is evaluated.
* Local search: first-improvement descent over shifts, swaps and ejection chains, then a
  short tabu walk (best admissible shift or swap even when it is worse; a job may not return
  to an agent it left for ``tenure`` iterations; aspiration when a move beats the walk's best)
  and a final descent.
* Path relinking over an elite set of feasible solutions: walk from one elite solution
  towards another by moving, at each step, the differing job whose move to its agent in the
  guide is cheapest; a few points of the path are improved by the local search, and a result
  better than the worst elite member (and not already in the set) replaces it. Before the set
  has two members, kicks of random jobs from the best solution replace the relinking.

All kernels are compiled with ``cache=True`` (the machine code is stored next to this file in
``__pycache__``) and ``nogil=True`` (several searches run in parallel threads). ``warm_up()``
compiles or loads them on a tiny instance: call it once when a worker starts, before any clock.
A run is cut into chunks of a bounded amount of work so that the Python caller keeps the time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit

EPS = 1e-9
# Slots of a search's ``counters`` array: what the search did (for profiling and tests) and
# the state of its restart rule.
LOCAL_SEARCHES = 0  # local searches run
FEASIBLE_ENDS = 1  # ... that found a feasible assignment
ELITE_ENTRIES = 2  # solutions that entered the elite set
NEW_BESTS = 3  # times the best feasible assignment improved
PATHS = 4  # relinking paths walked
PATH_JOBS = 5  # jobs that differed at the start of those paths, summed
STALE_ROUNDS = 6  # rounds since a solution last entered the elite set
FILLING = 7  # 1 while the elite set is being rebuilt after a restart
RESTARTS = 8  # elite set rebuilds
COUNTERS = 9
# 'No solution' cost.
BIG = 2**62
# Elite set size for path relinking.
ELITE = 10
# Longest ejection chain (number of pushed-out jobs after the first).
CHAIN_DEPTH = 3
# Candidate agents tried for the first job of a chain.
CHAIN_STARTS = 3
# Candidate agents per job.
CANDIDATES = 6
# Tabu walk length per local search (iterations), and the tenure range.
TABU_ITERATIONS = 30
# Candidate agents of a job whose jobs the tabu walk considers for swaps.
TABU_SWAP_CANDIDATES = 4
TENURE_MIN = 7
TENURE_MAX = 25
# Per tabu iteration: penalty weights of overloaded agents up (infeasible), all down (feasible).
OSCILLATE_UP = 1.02
OSCILLATE_DOWN = 0.99
# Adaptive penalty weights: factor up for an overloaded agent, down otherwise.
WEIGHT_UP = 1.25
WEIGHT_DOWN = 0.97
# Jobs moved at random by a kick (before the elite set has two members).
KICK_SIZE = 4
# Points of a relinking path improved by the local search.
PATH_POINTS = 3
# Relinking rounds without a new elite member before the elite set is rebuilt around its
# best member from strongly kicked copies of it (n / DIVERSIFY_DIVISOR random jobs moved).
RESTART_ROUNDS = 200
# Elite members are kept at least n / ELITE_DISTANCE_DIVISOR jobs apart.
ELITE_DISTANCE_DIVISOR = 10
DIVERSIFY_DIVISOR = 5


@njit(cache=True, nogil=True)
def _pen(alpha: np.ndarray, capacity: np.ndarray, i: int, load: float) -> float:
    over = load - capacity[i]
    if over > 0:
        return alpha[i] * over
    return 0.0


@njit(cache=True, nogil=True)
def _rebuild(weight, agent_of, load, members, count, pos):
    m = load.shape[0]
    for i in range(m):
        load[i] = 0
        count[i] = 0
    for j in range(agent_of.shape[0]):
        i = agent_of[j]
        load[i] += weight[i, j]
        members[i, count[i]] = j
        pos[j] = count[i]
        count[i] += 1


@njit(cache=True, nogil=True)
def _move(weight, agent_of, load, members, count, pos, j, dst):
    src = agent_of[j]
    if src == dst:
        return
    # remove from src
    p = pos[j]
    last = members[src, count[src] - 1]
    members[src, p] = last
    pos[last] = p
    count[src] -= 1
    load[src] -= weight[src, j]
    # add to dst
    members[dst, count[dst]] = j
    pos[j] = count[dst]
    count[dst] += 1
    load[dst] += weight[dst, j]
    agent_of[j] = dst


@njit(cache=True, nogil=True)
def _shift_delta(cost, weight, capacity, alpha, agent_of, load, j, dst):
    src = agent_of[j]
    d = float(cost[dst, j] - cost[src, j])
    d += _pen(alpha, capacity, src, load[src] - weight[src, j]) - _pen(
        alpha, capacity, src, load[src]
    )
    d += _pen(alpha, capacity, dst, load[dst] + weight[dst, j]) - _pen(
        alpha, capacity, dst, load[dst]
    )
    return d


@njit(cache=True, nogil=True)
def _swap_delta(cost, weight, capacity, alpha, agent_of, load, j1, j2):
    i1 = agent_of[j1]
    i2 = agent_of[j2]
    d = float(cost[i2, j1] + cost[i1, j2] - cost[i1, j1] - cost[i2, j2])
    d += _pen(alpha, capacity, i1, load[i1] - weight[i1, j1] + weight[i1, j2]) - _pen(
        alpha, capacity, i1, load[i1]
    )
    d += _pen(alpha, capacity, i2, load[i2] - weight[i2, j2] + weight[i2, j1]) - _pen(
        alpha, capacity, i2, load[i2]
    )
    return d


@njit(cache=True, nogil=True)
def _real_cost(cost, agent_of):
    total = 0
    for j in range(agent_of.shape[0]):
        total += cost[agent_of[j], j]
    return total


@njit(cache=True, nogil=True)
def _feasible(capacity, load):
    for i in range(load.shape[0]):
        if load[i] > capacity[i]:
            return False
    return True


@njit(cache=True, nogil=True)
def _shift_pass(cost, weight, capacity, alpha, cand, agent_of, load, members, count, pos):
    n = agent_of.shape[0]
    k = cand.shape[1]
    improved = False
    start = np.random.randint(n)
    for t in range(n):
        j = (start + t) % n
        best_d = -EPS
        best_dst = -1
        for c in range(k):
            dst = cand[j, c]
            if dst == agent_of[j]:
                continue
            d = _shift_delta(cost, weight, capacity, alpha, agent_of, load, j, dst)
            if d < best_d:
                best_d = d
                best_dst = dst
        if best_dst >= 0:
            _move(weight, agent_of, load, members, count, pos, j, best_dst)
            improved = True
    return improved


@njit(cache=True, nogil=True)
def _swap_pass(cost, weight, capacity, alpha, cand, incand, agent_of, load, members, count, pos):
    n = agent_of.shape[0]
    k = cand.shape[1]
    improved = False
    start = np.random.randint(n)
    for t in range(n):
        j1 = (start + t) % n
        i1 = agent_of[j1]
        done = False
        for c in range(k):
            i2 = cand[j1, c]
            if i2 == i1:
                continue
            for q in range(count[i2]):
                j2 = members[i2, q]
                if not incand[i1, j2]:
                    continue
                d = _swap_delta(cost, weight, capacity, alpha, agent_of, load, j1, j2)
                if d < -EPS:
                    _move(weight, agent_of, load, members, count, pos, j1, i2)
                    _move(weight, agent_of, load, members, count, pos, j2, i1)
                    improved = True
                    done = True
                    break
            if done:
                break
    return improved


@njit(cache=True, nogil=True)
def _chain_pass(
    cost, weight, capacity, alpha, cand, agent_of, load, members, count, pos, depth, starts
):
    """First-improvement ejection chains of up to ``depth`` pushed-out jobs."""
    n = agent_of.shape[0]
    k = cand.shape[1]
    improved = False
    chain_agent = np.empty(depth + 2, dtype=np.int64)
    chain_job = np.empty(depth + 2, dtype=np.int64)
    cheapest = np.empty(n, dtype=np.float64)
    for j in range(n):
        cheapest[j] = cost[cand[j, 0], j]
        for c in range(1, k):
            cheapest[j] = min(cheapest[j], cost[cand[j, c], j])
    start = np.random.randint(n)
    for t in range(n):
        j1 = (start + t) % n
        i1 = agent_of[j1]
        for c in range(min(k, starts)):
            i2 = cand[j1, c]
            if i2 == i1:
                continue
            chain_job[0] = j1
            chain_agent[0] = i1
            chain_agent[1] = i2
            leave1 = _pen(alpha, capacity, i1, load[i1] - weight[i1, j1]) - _pen(
                alpha, capacity, i1, load[i1]
            )
            partial = float(cost[i2, j1] - cost[i1, j1]) + leave1
            cur = i2
            jin = j1
            best_full = -EPS
            best_level = -1
            best_last_job = -1
            best_last_dst = -1
            for level in range(1, depth + 1):
                next_score = np.inf
                next_job = -1
                next_dst = -1
                next_partial = 0.0
                for q in range(count[cur]):
                    j = members[cur, q]
                    change = weight[cur, jin] - weight[cur, j]
                    p = (
                        partial
                        - cost[cur, j]
                        + _pen(alpha, capacity, cur, load[cur] + change)
                        - _pen(alpha, capacity, cur, load[cur])
                    )
                    # Closing or continuing adds at least j's cheapest cost: prune.
                    floor = p + cheapest[j]
                    if floor >= best_full and (level == depth or floor >= next_score):
                        continue
                    for cc in range(k):
                        dst = cand[j, cc]
                        if dst == cur:
                            continue
                        in_chain = False
                        for z in range(1, level + 1):
                            if chain_agent[z] == dst:
                                in_chain = True
                                break
                        if in_chain:
                            continue
                        if dst == i1:
                            full = (
                                p
                                + cost[i1, j]
                                - leave1
                                + _pen(
                                    alpha, capacity, i1, load[i1] - weight[i1, j1] + weight[i1, j]
                                )
                                - _pen(alpha, capacity, i1, load[i1])
                            )
                        else:
                            full = (
                                p
                                + cost[dst, j]
                                + _pen(alpha, capacity, dst, load[dst] + weight[dst, j])
                                - _pen(alpha, capacity, dst, load[dst])
                            )
                            score = p + cost[dst, j]
                            if score < next_score:
                                next_score = score
                                next_job = j
                                next_dst = dst
                                next_partial = p + cost[dst, j]
                        if full < best_full:
                            best_full = full
                            best_level = level
                            best_last_job = j
                            best_last_dst = dst
                if best_level > 0 or next_job < 0:
                    break
                chain_job[level] = next_job
                chain_agent[level + 1] = next_dst
                partial = next_partial
                jin = next_job
                cur = next_dst
            if best_level > 0:
                # moves: chain_job[z] -> chain_agent[z + 1] for z < best_level, then the last.
                for z in range(best_level):
                    _move(
                        weight,
                        agent_of,
                        load,
                        members,
                        count,
                        pos,
                        chain_job[z],
                        chain_agent[z + 1],
                    )
                _move(weight, agent_of, load, members, count, pos, best_last_job, best_last_dst)
                improved = True
                break
    return improved


@njit(cache=True, nogil=True)
def _descent(
    cost, weight, capacity, alpha, cand, incand, agent_of, load, members, count, pos, depth
):
    while True:
        if _shift_pass(cost, weight, capacity, alpha, cand, agent_of, load, members, count, pos):
            continue
        if _swap_pass(
            cost, weight, capacity, alpha, cand, incand, agent_of, load, members, count, pos
        ):
            continue
        if depth > 0 and _chain_pass(
            cost,
            weight,
            capacity,
            alpha,
            cand,
            agent_of,
            load,
            members,
            count,
            pos,
            depth,
            CHAIN_STARTS,
        ):
            continue
        break


@njit(cache=True, nogil=True)
def _record(cost, capacity, agent_of, load, best, best_cost):
    """Keep ``agent_of`` in ``best`` if it is feasible and cheaper than ``best_cost[0]``."""
    if not _feasible(capacity, load):
        return False
    value = _real_cost(cost, agent_of)
    if value < best_cost[0]:
        best_cost[0] = value
        best[:] = agent_of
        return True
    return False


@njit(cache=True, nogil=True)
def _over(capacity, i, load):
    over = load - capacity[i]
    return over if over > 0 else 0


@njit(cache=True, nogil=True)
def _tabu_walk(
    cost,
    weight,
    capacity,
    alpha,
    cand,
    incand,
    agent_of,
    load,
    members,
    count,
    pos,
    tabu,
    clock,
    iterations,
    walk_best,
    walk_best_cost,
):
    """Tabu search for ``iterations`` steps: the best admissible shift or swap on the
    penalised cost, even when it is worse. A job may not return to an agent it left within its
    tenure, unless the move gives a feasible assignment better than ``walk_best_cost``
    (aspiration). The penalty weights oscillate: up on overloaded agents while infeasible,
    down on all while feasible. Feasible bests are recorded in ``walk_best``."""
    n = agent_of.shape[0]
    k = cand.shape[1]
    m = load.shape[0]
    over_total = 0
    for i in range(m):
        over_total += _over(capacity, i, load[i])
    current_cost = _real_cost(cost, agent_of)
    spread = max(1, min(n // 10, TENURE_MAX))
    for _ in range(iterations):
        clock[0] += 1
        now = clock[0]
        best_d = np.inf
        kind = -1
        a = -1
        b = -1
        for j in range(n):
            src = agent_of[j]
            for c in range(k):
                dst = cand[j, c]
                if dst == src:
                    continue
                d = _shift_delta(cost, weight, capacity, alpha, agent_of, load, j, dst)
                if d < best_d:
                    allowed = tabu[dst, j] <= now
                    if not allowed:
                        new_over = (
                            over_total
                            + _over(capacity, src, load[src] - weight[src, j])
                            - _over(capacity, src, load[src])
                            + _over(capacity, dst, load[dst] + weight[dst, j])
                            - _over(capacity, dst, load[dst])
                        )
                        allowed = new_over == 0 and (
                            current_cost + cost[dst, j] - cost[src, j] < walk_best_cost[0]
                        )
                    if allowed:
                        best_d = d
                        kind = 0
                        a = j
                        b = dst
                if c >= TABU_SWAP_CANDIDATES:
                    continue
                for q in range(count[dst]):
                    j2 = members[dst, q]
                    if j2 < j or not incand[src, j2]:
                        continue
                    d = _swap_delta(cost, weight, capacity, alpha, agent_of, load, j, j2)
                    if d < best_d:
                        allowed = tabu[dst, j] <= now and tabu[src, j2] <= now
                        if not allowed:
                            new_src = load[src] - weight[src, j] + weight[src, j2]
                            new_dst = load[dst] - weight[dst, j2] + weight[dst, j]
                            new_over = (
                                over_total
                                + _over(capacity, src, new_src)
                                - _over(capacity, src, load[src])
                                + _over(capacity, dst, new_dst)
                                - _over(capacity, dst, load[dst])
                            )
                            change = cost[dst, j] + cost[src, j2] - cost[src, j] - cost[dst, j2]
                            allowed = new_over == 0 and (current_cost + change < walk_best_cost[0])
                        if allowed:
                            best_d = d
                            kind = 1
                            a = j
                            b = j2
        if kind < 0:
            break
        tenure = TENURE_MIN + np.random.randint(spread)
        ia = agent_of[a]
        if kind == 0:
            touched_a = ia
            touched_b = b
            current_cost += cost[b, a] - cost[ia, a]
            before = _over(capacity, ia, load[ia]) + _over(capacity, b, load[b])
            tabu[ia, a] = now + tenure
            _move(weight, agent_of, load, members, count, pos, a, b)
        else:
            ib = agent_of[b]
            touched_a = ia
            touched_b = ib
            current_cost += cost[ib, a] + cost[ia, b] - cost[ia, a] - cost[ib, b]
            before = _over(capacity, ia, load[ia]) + _over(capacity, ib, load[ib])
            tabu[ia, a] = now + tenure
            tabu[ib, b] = now + tenure
            _move(weight, agent_of, load, members, count, pos, a, ib)
            _move(weight, agent_of, load, members, count, pos, b, ia)
        over_total += (
            _over(capacity, touched_a, load[touched_a])
            + _over(capacity, touched_b, load[touched_b])
            - before
        )
        if over_total == 0:
            if current_cost < walk_best_cost[0]:
                walk_best_cost[0] = current_cost
                walk_best[:] = agent_of
            for i in range(m):
                alpha[i] *= OSCILLATE_DOWN
        else:
            for i in range(m):
                if load[i] > capacity[i]:
                    alpha[i] *= OSCILLATE_UP


@njit(cache=True, nogil=True)
def _local_search(
    cost,
    weight,
    capacity,
    alpha,
    cand,
    incand,
    agent_of,
    load,
    members,
    count,
    pos,
    tabu,
    clock,
    depth,
    tabu_iterations,
    best,
    best_cost,
):
    """Descent, tabu walk, descent; the penalty weights adapt to the final overloads."""
    _descent(
        cost, weight, capacity, alpha, cand, incand, agent_of, load, members, count, pos, depth
    )
    _record(cost, capacity, agent_of, load, best, best_cost)
    if tabu_iterations > 0:
        _tabu_walk(
            cost,
            weight,
            capacity,
            alpha,
            cand,
            incand,
            agent_of,
            load,
            members,
            count,
            pos,
            tabu,
            clock,
            tabu_iterations,
            best,
            best_cost,
        )
        _descent(
            cost, weight, capacity, alpha, cand, incand, agent_of, load, members, count, pos, depth
        )
        _record(cost, capacity, agent_of, load, best, best_cost)
    feasible = _feasible(capacity, load)
    for i in range(load.shape[0]):
        if load[i] > capacity[i]:
            alpha[i] *= WEIGHT_UP
        elif feasible:
            alpha[i] *= WEIGHT_DOWN


@njit(cache=True, nogil=True)
def _offer_elite(elite, elite_cost, elite_count, solution, value):
    """Offer a feasible solution to the elite set; True if it entered.

    The set stays diverse (crowding): a solution within ``n / ELITE_DISTANCE_DIVISOR`` jobs
    of a member may only replace that member, when it is cheaper; one farther from every
    member replaces the worst member when it is cheaper than it. Duplicates never enter."""
    size = elite_count[0]
    n = solution.shape[0]
    near = max(1, n // ELITE_DISTANCE_DIVISOR)
    closest = -1
    closest_distance = n + 1
    for e in range(size):
        distance = 0
        for j in range(n):
            if elite[e, j] != solution[j]:
                distance += 1
        if distance < closest_distance:
            closest_distance = distance
            closest = e
    if closest_distance == 0:
        return False
    if closest_distance < near:
        if value < elite_cost[closest]:
            elite[closest, :] = solution
            elite_cost[closest] = value
            return True
        return False
    if size < elite.shape[0]:
        elite[size, :] = solution
        elite_cost[size] = value
        elite_count[0] = size + 1
        return True
    worst = 0
    for e in range(1, size):
        if elite_cost[e] > elite_cost[worst]:
            worst = e
    if value < elite_cost[worst]:
        elite[worst, :] = solution
        elite_cost[worst] = value
        return True
    return False


@njit(cache=True, nogil=True)
def _improve_and_offer(
    cost,
    weight,
    capacity,
    alpha,
    cand,
    incand,
    agent_of,
    load,
    members,
    count,
    pos,
    tabu,
    clock,
    depth,
    tabu_iterations,
    best,
    best_cost,
    elite,
    elite_cost,
    elite_count,
    scratch,
    scratch_cost,
    counters,
):
    scratch_cost[0] = BIG
    _local_search(
        cost,
        weight,
        capacity,
        alpha,
        cand,
        incand,
        agent_of,
        load,
        members,
        count,
        pos,
        tabu,
        clock,
        depth,
        tabu_iterations,
        scratch,
        scratch_cost,
    )
    counters[LOCAL_SEARCHES] += 1
    if scratch_cost[0] < BIG:
        counters[FEASIBLE_ENDS] += 1
        if _offer_elite(elite, elite_cost, elite_count, scratch, scratch_cost[0]):
            counters[ELITE_ENTRIES] += 1
        if scratch_cost[0] < best_cost[0]:
            counters[NEW_BESTS] += 1
            best_cost[0] = scratch_cost[0]
            best[:] = scratch


@njit(cache=True, nogil=True)
def _run_chunk(
    cost,
    weight,
    capacity,
    alpha,
    cand,
    incand,
    agent_of,
    load,
    members,
    count,
    pos,
    tabu,
    clock,
    best,
    best_cost,
    elite,
    elite_cost,
    elite_count,
    scratch,
    scratch_cost,
    counters,
    rounds,
    depth,
    tabu_iterations,
    path_points,
    kick_size,
    seed,
):
    """``rounds`` rounds of path relinking (or kicks while the elite set is small).

    After RESTART_ROUNDS rounds in which no solution entered the elite set, the set is cut
    to its best member and refilled from strongly kicked copies of the best assignment
    (n / DIVERSIFY_DIVISOR random jobs to random candidate agents, then a local search)."""
    if seed >= 0:
        np.random.seed(seed)
    n = agent_of.shape[0]
    k = cand.shape[1]
    guide = np.empty(n, dtype=np.int64)
    diff = np.empty(n, dtype=np.int64)
    path = np.empty(n, dtype=np.int64)
    for _ in range(rounds):
        size = elite_count[0]
        if counters[STALE_ROUNDS] >= RESTART_ROUNDS and size >= 2:
            top = 0
            for e in range(1, size):
                if elite_cost[e] < elite_cost[top]:
                    top = e
            elite[0, :] = elite[top]
            elite_cost[0] = elite_cost[top]
            for e in range(1, size):
                elite_cost[e] = BIG
            elite_count[0] = 1
            counters[STALE_ROUNDS] = 0
            counters[FILLING] = 1
            counters[RESTARTS] += 1
            size = 1
        accepted_before = counters[ELITE_ENTRIES]
        if size >= 2 and counters[FILLING] == 0:
            a = np.random.randint(size)
            b = np.random.randint(size - 1)
            if b >= a:
                b += 1
            agent_of[:] = elite[a]
            guide[:] = elite[b]
            _rebuild(weight, agent_of, load, members, count, pos)
            nd = 0
            for j in range(n):
                if agent_of[j] != guide[j]:
                    diff[nd] = j
                    nd += 1
            counters[PATHS] += 1
            counters[PATH_JOBS] += nd
            if nd < 2:
                continue
            interval = max(1, nd // (path_points + 1))
            step = 0
            while nd > 1:
                best_d = np.inf
                best_t = 0
                for t in range(nd):
                    j = diff[t]
                    d = _shift_delta(cost, weight, capacity, alpha, agent_of, load, j, guide[j])
                    if d < best_d:
                        best_d = d
                        best_t = t
                j = diff[best_t]
                _move(weight, agent_of, load, members, count, pos, j, guide[j])
                diff[best_t] = diff[nd - 1]
                nd -= 1
                step += 1
                if step % interval == 0 and nd > 1:
                    path[:] = agent_of
                    _improve_and_offer(
                        cost,
                        weight,
                        capacity,
                        alpha,
                        cand,
                        incand,
                        agent_of,
                        load,
                        members,
                        count,
                        pos,
                        tabu,
                        clock,
                        depth,
                        tabu_iterations,
                        best,
                        best_cost,
                        elite,
                        elite_cost,
                        elite_count,
                        scratch,
                        scratch_cost,
                        counters,
                    )
                    agent_of[:] = path
                    _rebuild(weight, agent_of, load, members, count, pos)
        else:
            if best_cost[0] < BIG:
                agent_of[:] = best
                _rebuild(weight, agent_of, load, members, count, pos)
            kicks = kick_size
            if counters[FILLING] == 1:
                kicks = max(kick_size, n // DIVERSIFY_DIVISOR)
            for _kick in range(kicks):
                j = np.random.randint(n)
                _move(weight, agent_of, load, members, count, pos, j, cand[j, np.random.randint(k)])
            _improve_and_offer(
                cost,
                weight,
                capacity,
                alpha,
                cand,
                incand,
                agent_of,
                load,
                members,
                count,
                pos,
                tabu,
                clock,
                depth,
                tabu_iterations,
                best,
                best_cost,
                elite,
                elite_cost,
                elite_count,
                scratch,
                scratch_cost,
                counters,
            )
            if elite_count[0] >= elite.shape[0]:
                counters[FILLING] = 0
        if counters[ELITE_ENTRIES] > accepted_before:
            counters[STALE_ROUNDS] = 0
        else:
            counters[STALE_ROUNDS] += 1


@dataclass
class TabuSearch:
    """State of one search (one thread): arrays mutated in place by the compiled kernels."""

    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    alpha: np.ndarray
    cand: np.ndarray
    incand: np.ndarray
    agent_of: np.ndarray
    load: np.ndarray
    members: np.ndarray
    count: np.ndarray
    pos: np.ndarray
    tabu: np.ndarray
    clock: np.ndarray
    best: np.ndarray
    best_cost: np.ndarray
    elite: np.ndarray
    elite_cost: np.ndarray
    elite_count: np.ndarray
    scratch: np.ndarray
    scratch_cost: np.ndarray
    counters: np.ndarray
    seed: int
    started: bool = False

    @property
    def best_value(self) -> int | None:
        value = int(self.best_cost[0])
        return None if value == BIG else value

    def adopt(self, other: TabuSearch) -> bool:
        """Offer ``other``'s best assignment to this search's elite set (path relinking then
        also walks between the two searches' regions); True if it entered."""
        value = other.best_value
        if value is None:
            return False
        return self.offer(other.best, value)

    def offer(self, assignment: np.ndarray, value: int) -> bool:
        """Offer a feasible assignment of cost ``value`` to the elite set; True if it
        entered (and became the best when cheaper)."""
        solution = np.ascontiguousarray(assignment, dtype=np.int64).copy()
        if value < self.best_cost[0]:
            self.best[:] = solution
            self.best_cost[0] = value
        return bool(_offer_elite(self.elite, self.elite_cost, self.elite_count, solution, value))

    def run(self, deadline: float, rounds_per_chunk: int = 1) -> None:
        """Search until ``deadline`` (``time.perf_counter()``), one chunk at a time."""
        m = self.cost.shape[0]
        depth = CHAIN_DEPTH if m > 2 else 0
        path_points = PATH_POINTS
        kick_size = KICK_SIZE
        while time.perf_counter() < deadline:
            seed = -1 if self.started else self.seed
            if not self.started:
                self.started = True
                _improve_and_offer(
                    self.cost,
                    self.weight,
                    self.capacity,
                    self.alpha,
                    self.cand,
                    self.incand,
                    self.agent_of,
                    self.load,
                    self.members,
                    self.count,
                    self.pos,
                    self.tabu,
                    self.clock,
                    depth,
                    TABU_ITERATIONS,
                    self.best,
                    self.best_cost,
                    self.elite,
                    self.elite_cost,
                    self.elite_count,
                    self.scratch,
                    self.scratch_cost,
                    self.counters,
                )
            _run_chunk(
                self.cost,
                self.weight,
                self.capacity,
                self.alpha,
                self.cand,
                self.incand,
                self.agent_of,
                self.load,
                self.members,
                self.count,
                self.pos,
                self.tabu,
                self.clock,
                self.best,
                self.best_cost,
                self.elite,
                self.elite_cost,
                self.elite_count,
                self.scratch,
                self.scratch_cost,
                self.counters,
                rounds_per_chunk,
                depth,
                TABU_ITERATIONS,
                path_points,
                kick_size,
                seed,
            )


def new_search(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    guide_cost: np.ndarray,
    start: np.ndarray,
    penalty: np.ndarray,
    seed: int,
    incumbent: np.ndarray | None = None,
) -> TabuSearch:
    """A search over ``cost``/``weight``/``capacity`` (int arrays, [agent, job]).

    ``guide_cost`` orders each job's candidate agents (e.g. the Lagrangian cost ``c + u a``),
    ``start`` is the first assignment (may be infeasible), ``penalty`` the initial weights
    (one per agent, > 0) and ``incumbent`` an optional feasible assignment for the elite set.
    """
    m, n = cost.shape
    k = min(m, CANDIDATES)
    fits = weight <= capacity[:, None]
    ranked = np.argsort(np.where(fits, guide_cost, np.inf), axis=0, kind="stable")[:k].T
    cand = np.ascontiguousarray(ranked, dtype=np.int64)
    incand = np.zeros((m, n), dtype=np.bool_)
    incand[cand.T, np.arange(n)[None, :]] = True
    big = BIG
    search = TabuSearch(
        cost=np.ascontiguousarray(cost, dtype=np.int64),
        weight=np.ascontiguousarray(weight, dtype=np.int64),
        capacity=np.ascontiguousarray(capacity, dtype=np.int64),
        alpha=np.ascontiguousarray(penalty, dtype=np.float64).copy(),
        cand=cand,
        incand=incand,
        agent_of=np.ascontiguousarray(start, dtype=np.int64).copy(),
        load=np.zeros(m, dtype=np.int64),
        members=np.zeros((m, n), dtype=np.int64),
        count=np.zeros(m, dtype=np.int64),
        pos=np.zeros(n, dtype=np.int64),
        tabu=np.zeros((m, n), dtype=np.int64),
        clock=np.zeros(1, dtype=np.int64),
        best=np.ascontiguousarray(start, dtype=np.int64).copy(),
        best_cost=np.full(1, big, dtype=np.int64),
        elite=np.zeros((ELITE, n), dtype=np.int64),
        elite_cost=np.full(ELITE, big, dtype=np.int64),
        elite_count=np.zeros(1, dtype=np.int64),
        scratch=np.zeros(n, dtype=np.int64),
        scratch_cost=np.full(1, big, dtype=np.int64),
        counters=np.zeros(COUNTERS, dtype=np.int64),
        seed=seed,
    )
    _rebuild(search.weight, search.agent_of, search.load, search.members, search.count, search.pos)
    if incumbent is not None:
        value = int(search.cost[incumbent, np.arange(n)].sum())
        search.best[:] = incumbent
        search.best_cost[0] = value
        _offer_elite(search.elite, search.elite_cost, search.elite_count, search.best, value)
    return search


def warm_up() -> float:
    """Compile (or load from the on-disk cache) every kernel on a tiny instance; seconds taken."""
    began = time.perf_counter()
    cost = np.array([[1, 2, 3, 4], [2, 1, 4, 3], [3, 3, 1, 1]], dtype=np.int64)
    weight = np.array([[2, 2, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]], dtype=np.int64)
    capacity = np.array([4, 4, 4], dtype=np.int64)
    start = np.zeros(4, dtype=np.int64)
    search = new_search(cost, weight, capacity, cost.astype(float), start, np.ones(3), seed=1)
    search.run(time.perf_counter() + 0.01)
    return time.perf_counter() - began
