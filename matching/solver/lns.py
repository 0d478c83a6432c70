"""Large-neighbourhood search with exact repair, for components too large for one CP-SAT model.

On such components (more than ``model.CPSAT_MAX_PAIRS`` pairs) the packing local search
(``local_search.py``) gives the start. Each round here then frees a neighbourhood and asks
CP-SAT for the best way to fill it again:

- **the neighbourhood**: a seed window (one of a random unmatched order's windows) and the
  windows that share the most orders with it, or its factory, until the pairs between the
  freed orders and those windows reach ``NEIGHBOURHOOD_PAIRS``;
- **the freed orders**: every movable order whose parts all stand in those windows (an order
  holding unanswered offers never moves, as in the local search, so offers stay) and every
  unmatched order with a pair there; each may use only its pairs in the neighbourhood;
- **the rest stays**: what other orders make in those windows enters their capacity rows as
  fixed units (as if booked), so any answer of the sub-model is feasible for the component;
- **the repair**: the model's own constraints over those pairs (``model.neighbourhood_model``),
  maximising the weighted units there (the model's stage 1), at least the incumbent's,
  hinted with the incumbent, for at most ``REPAIR_SECONDS``;
- **acceptance**: the answer replaces the incumbent only when it is better by the model's
  lexicographic objective (more weighted units, then less cost);
- between rounds, ``RUIN_SLICE_SECONDS`` of the local search's ruin and recreate from the
  incumbent (it keeps the best it finds): the two search different neighbourhoods, and a
  repaired neighbourhood often lets ruin and recreate move on.

So the incumbent never gets worse and never stops being feasible. See docs/matching.md,
"Large-neighbourhood search".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matching.solver.candidates import Candidate
from matching.solver.local_search import Key, Packing

# the pairs of one neighbourhood's sub-model (freed orders x its windows), at most about
NEIGHBOURHOOD_PAIRS = 600
# CP-SAT's time on one neighbourhood, at most
REPAIR_SECONDS = 0.3
# ruin and recreate between two rounds
RUIN_SLICE_SECONDS = 1.0
# a round is not started with less time than this left
MIN_ROUND_SECONDS = 0.1
# how much a window of the seed's factory counts, in orders shared with the neighbourhood
FACTORY_BONUS = 20
# CP-SAT needs its linear expressions far from 64-bit overflow; larger sub-models are skipped
MAX_OBJECTIVE_MAGNITUDE = 2**60

Fixed = list[tuple[Candidate, int]]
SubModel = tuple[cp_model.CpModel, dict[Key, cp_model.IntVar], dict[Key, cp_model.LinearExpr]]
# (free pairs, fixed pairs and their units, the incumbent's units per free pair) -> the
# model's constraints over the free pairs, hinted with the incumbent
Builder = Callable[[list[Candidate], Fixed, dict[Key, int]], SubModel]


@dataclass
class LnsStats:
    rounds: int = 0
    improved: int = 0  # rounds whose answer replaced the incumbent
    optimal: int = 0  # rounds whose sub-model CP-SAT proved optimal
    pairs: int = 0  # sub-model pairs, summed over rounds


@dataclass
class Neighbourhood:
    windows: list[int]
    free: list[int]  # freed orders
    pairs: list[int]  # their pairs in the windows


class LargeNeighbourhoodSearch:
    """Rounds of free-and-repair on a ``Packing`` (its current assignment is the incumbent)."""

    def __init__(
        self,
        packing: Packing,
        build: Builder,
        *,
        workers: int,
        seed: int,
        max_pairs: int = NEIGHBOURHOOD_PAIRS,
        repair_seconds: float = REPAIR_SECONDS,
        ruin_seconds: float = RUIN_SLICE_SECONDS,
    ) -> None:
        self.packing = packing
        self.build = build
        self.workers = workers
        self.seed = seed
        self.max_pairs = max_pairs
        self.repair_seconds = repair_seconds
        self.ruin_seconds = ruin_seconds
        self.rng = np.random.default_rng(seed)
        windows = int(packing.pair_window.max()) + 1 if len(packing.pair_window) else 0
        factory_of = np.zeros(windows, dtype=np.int64)
        factory_of[packing.pair_window] = packing.pair_factory
        self.windows_of_factory: dict[int, np.ndarray] = {
            int(f): np.flatnonzero(factory_of == f) for f in np.unique(factory_of)
        }
        self.factory_of = factory_of
        # priority weight of one unit of each pair's order
        unit_weight = np.array([o.unit_weight for o in packing.orders], dtype=np.int64)
        self.pair_weight = unit_weight[packing.pair_order]
        self.stats = LnsStats()

    # --- the neighbourhood -----------------------------------------------------------------

    def neighbourhood(self) -> Neighbourhood | None:
        """A seed window and the windows that share the most freed orders with it (or its
        factory), until the freed orders' pairs in them reach ``max_pairs``."""
        packing = self.packing
        orders = packing.orders
        n_windows = len(packing.window_orders)
        if n_windows == 0:
            return None
        target = packing.random_unmatched(self.rng)
        if target is not None:
            seed_window = int(self.rng.choice(packing.pair_window[orders[target].pairs]))
        else:
            seed_window = int(self.rng.integers(n_windows))
        inside = np.zeros(n_windows, dtype=bool)
        score = np.zeros(n_windows, dtype=np.float64)
        free: set[int] = set()
        windows: list[int] = []
        count = 0
        w = seed_window
        while True:
            inside[w] = True
            windows.append(w)
            related = packing.window_orders[w].tolist()
            count += sum(1 for o in related if o in free)  # freed orders' pairs in w
            newly = [o for o in related if o not in free and not packing.made[o]]
            newly += [
                o
                for o in packing.in_window[w]
                if o not in free
                and orders[o].movable
                and all(inside[packing.pair_window[p]] for p, _ in packing.made[o])
            ]
            for o in newly:
                if o in free:
                    continue
                free.add(o)
                order_windows = packing.pair_window[orders[o].pairs]
                count += int(inside[order_windows].sum())
                np.add.at(score, order_windows, 1.0)
            score[self.windows_of_factory[int(self.factory_of[w])]] += FACTORY_BONUS
            if count >= self.max_pairs:
                break
            noisy = np.where(inside, -1.0, score * self.rng.uniform(0.5, 1.5, n_windows))
            w = int(np.argmax(noisy))
            if noisy[w] <= 0:
                break
        pairs = [
            int(p)
            for o in sorted(free)
            for p in orders[o].pairs[inside[packing.pair_window[orders[o].pairs]]].tolist()
        ]
        return Neighbourhood(windows, sorted(free), pairs)

    # --- one round ---------------------------------------------------------------------------

    def round(self, deadline: float) -> bool:
        """Free one neighbourhood and repair it exactly; True when the incumbent improved."""
        packing = self.packing
        hood = self.neighbourhood()
        if hood is None or not hood.pairs:
            return False
        free = set(hood.free)
        candidates = packing.candidates
        magnitude = int(np.abs(self.pair_weight[hood.pairs]).dot(packing.pair_largest[hood.pairs]))
        if magnitude > MAX_OBJECTIVE_MAGNITUDE:
            return False
        fixed = [
            (candidates[p], units)
            for w in hood.windows
            for o in packing.in_window[w]
            if o not in free
            for p, units in packing.made[o]
            if packing.pair_window[p] == w
        ]
        start = {candidates[p].key: units for o in hood.free for p, units in packing.made[o]}
        model, x, units = self.build([candidates[p] for p in hood.pairs], fixed, start)
        weight = {candidates[p].key: int(self.pair_weight[p]) for p in hood.pairs}
        start_weighted = sum(weight[key] * made for key, made in start.items())
        weighted = sum(weight[key] * units[key] for key in weight)
        model.add(weighted >= start_weighted)
        model.maximize(weighted)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(
            min(self.repair_seconds, deadline - time.perf_counter()), 0.0
        )
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed + self.stats.rounds
        status = solver.solve(model)
        self.stats.rounds += 1
        self.stats.pairs += len(hood.pairs)
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(f"invalid neighbourhood model: {model.validate()}")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        self.stats.optimal += status == cp_model.OPTIMAL
        parts: dict[int, list[tuple[int, int]]] = {o: [] for o in hood.free}
        for p in hood.pairs:
            key = candidates[p].key
            if solver.boolean_value(x[key]):
                parts[int(packing.pair_order[p])].append((p, int(solver.value(units[key]))))
        return self.replace(parts)

    def replace(self, parts: dict[int, list[tuple[int, int]]]) -> bool:
        """Put the freed orders where ``parts`` says when that is better (more weighted
        units, then less cost); else leave the incumbent as it was."""
        packing = self.packing
        before = (packing.weighted, -packing.cost)
        old = {o: packing.unassign(o) for o in parts}
        for o, new in parts.items():
            if new:
                packing.assign(o, new)
        if (packing.weighted, -packing.cost) > before:
            self.stats.improved += 1
            return True
        for o, previous in old.items():
            if packing.made[o]:
                packing.unassign(o)
            if previous:
                packing.assign(o, previous)
        return False

    def run(self, deadline: float) -> LnsStats:
        """Rounds until ``deadline``, each followed by ``RUIN_SLICE_SECONDS`` of ruin and
        recreate from the incumbent (which keeps the best it finds)."""
        while deadline - time.perf_counter() >= MIN_ROUND_SECONDS:
            self.round(deadline)
            if self.ruin_seconds > 0:
                slice_end = min(deadline, time.perf_counter() + self.ruin_seconds)
                self.packing.ruin_and_recreate(slice_end, self.seed + self.stats.rounds)
                self.packing.restore_best()
        return self.stats


def large_neighbourhood_search(
    packing: Packing,
    build: Builder,
    deadline: float,
    *,
    workers: int = 1,
    seed: int = 0,
    max_pairs: int = NEIGHBOURHOOD_PAIRS,
    repair_seconds: float = REPAIR_SECONDS,
    ruin_seconds: float = RUIN_SLICE_SECONDS,
) -> LnsStats:
    """Improve ``packing``'s current assignment in place until ``deadline``."""
    search = LargeNeighbourhoodSearch(
        packing,
        build,
        workers=workers,
        seed=seed,
        max_pairs=max_pairs,
        repair_seconds=repair_seconds,
        ruin_seconds=ruin_seconds,
    )
    return search.run(deadline)
