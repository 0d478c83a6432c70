"""How likely a factory is to accept one order's offer, learned from the answers to past
offers: a per-pair acceptance estimate that weighs each pair of a match run
(``OrderData.window_accept``, used by ``model.pair_weight``).

The estimate is the factory's smoothed share of offers answered before the expiry, times a
logistic fit, over the answered offers, of accepting on three features of the pair: the
order's price over the factory's (less 1), the distance (thousands of km) and the window's
load (the share of its units taken by other work when the factory answered). The app
fits it on the last ``SCORES_WINDOW_DAYS`` of offers (``matching.selectors``, setting
``MATCHING_PAIR_ACCEPT``); the season simulation on the answers seen so far
(``optimizer-pair``). See docs/simulation.md, "Why first-come is so close".
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from matching.solver.candidate_arrays import haversine_km_arrays
from matching.solver.problem import MatchingProblem, OrderData, WindowData

# with no answers, a factory answers 90% of its offers (worth PAIR_PRIOR_WEIGHT offers
# against its own) and accepts PAIR_PRIOR of those whatever the price, distance or load; a
# small ridge (PAIR_RIDGE) pulls the logistic fit there
PAIR_ANSWER_PRIOR = 0.9
PAIR_PRIOR = 0.8
PAIR_PRIOR_WEIGHT = 4.0
PAIR_RIDGE = 0.5
NEWTON_STEPS = 12


@dataclass(frozen=True)
class PairAnswer:
    """One offer's answer: its features (price over the factory's less 1, thousands of km,
    the window's load), whether the factory answered before the expiry and whether it
    accepted."""

    factory_id: int
    features: tuple[float, float, float]
    answered: bool
    accepted: bool


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


@dataclass(frozen=True)
class PairAcceptEstimate:
    """The fitted estimate (``fit``) and the chance it gives a pair (``hundredths``)."""

    coefficients: tuple[float, float, float, float]  # intercept, price, distance, load
    answer_rate: dict[int, float]
    default_answer_rate: float

    @classmethod
    def fit(cls, answers: list[PairAnswer]) -> PairAcceptEstimate:
        total = len(answers)
        answered = sum(a.answered for a in answers)
        overall = (answered + PAIR_PRIOR_WEIGHT * PAIR_ANSWER_PRIOR) / (total + PAIR_PRIOR_WEIGHT)
        seen: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for a in answers:
            seen[a.factory_id][0] += int(a.answered)
            seen[a.factory_id][1] += 1
        rates = {
            fid: (yes + PAIR_PRIOR_WEIGHT * overall) / (n + PAIR_PRIOR_WEIGHT)
            for fid, (yes, n) in seen.items()
        }
        prior = np.array([_logit(PAIR_PRIOR), 0.0, 0.0, 0.0])
        beta = prior.copy()
        rows = [(1.0, *a.features) for a in answers if a.answered]
        if rows:
            x = np.array(rows)
            y = np.array([float(a.accepted) for a in answers if a.answered])
            ridge = np.diag([PAIR_RIDGE] * 4)
            for _ in range(NEWTON_STEPS):  # Newton steps on the penalised log-likelihood
                p = 1.0 / (1.0 + np.exp(-(x @ beta)))
                gradient = x.T @ (y - p) - ridge @ (beta - prior)
                hessian = (x * (p * (1.0 - p))[:, None]).T @ x + ridge
                step = np.linalg.solve(hessian, gradient)
                beta = beta + step
                if float(np.abs(step).max()) < 1e-6:
                    break
        c = beta.tolist()
        return cls((c[0], c[1], c[2], c[3]), rates, overall)

    def hundredths(
        self, factory_ids: np.ndarray, price_over: np.ndarray, km: np.ndarray, load: np.ndarray
    ) -> np.ndarray:
        """The chance of each pair, in hundredths (1..100)."""
        b0, b_price, b_distance, b_load = self.coefficients
        logit = b0 + b_price * price_over + b_distance * km / 1000.0 + b_load * load
        answer = np.array(
            [self.answer_rate.get(int(f), self.default_answer_rate) for f in factory_ids]
        )
        chance = answer / (1.0 + np.exp(-logit))
        return np.clip(np.rint(100.0 * chance), 1, 100).astype(np.int64)


def window_load(window: WindowData) -> float:
    """The share of the window's units taken by what the run cannot change (work booked
    outside, accepted parts, offers of orders it does not reload): the unanswered offers it
    may move are not counted, so an offer's own units never count against it."""
    total = window.units_per_day * ((window.end_date - window.start_date).days + 1)
    return (total - window.remaining_units) / max(1, total)


def with_pair_estimates(problem: MatchingProblem, estimate: PairAcceptEstimate) -> MatchingProblem:
    """The problem with each order's chance of acceptance at every window of its category
    whose factory's price is within the order's (``OrderData.window_accept``), at the
    window's load before the run (``window_load``)."""
    factories = {f.id: f for f in problem.factories}
    by_category: dict[int, list[WindowData]] = defaultdict(list)
    for w in problem.windows:
        if w.factory_id in factories:
            by_category[w.category_id].append(w)
    columns: dict[int, tuple[np.ndarray, ...]] = {}
    for category, members in by_category.items():
        fids = np.array([w.factory_id for w in members])
        prices = []
        for w in members:
            capability = factories[w.factory_id].capability_for(category)
            prices.append(capability.unit_price_fen if capability is not None else 1)
        columns[category] = (
            np.array([w.id for w in members]),
            fids,
            np.maximum(np.array(prices, dtype=np.float64), 1.0),
            np.array([factories[f].latitude for f in fids.tolist()]),
            np.array([factories[f].longitude for f in fids.tolist()]),
            np.array([window_load(w) for w in members]),
        )
    orders: list[OrderData] = []
    for order in problem.orders:
        found = columns.get(order.category_id)
        if found is None:
            orders.append(order)
            continue
        wids, fids, price, lat, lon, load = found
        mask = price <= order.max_unit_price_fen
        if not mask.any():
            orders.append(order)
            continue
        km = haversine_km_arrays(
            np.array(order.latitude), np.array(order.longitude), lat[mask], lon[mask]
        )
        chance = estimate.hundredths(
            fids[mask], order.max_unit_price_fen / price[mask] - 1.0, km, load[mask]
        )
        pairs = tuple(zip(wids[mask].tolist(), chance.tolist(), strict=True))
        orders.append(dataclasses.replace(order, window_accept=pairs))
    return dataclasses.replace(problem, orders=tuple(orders))
