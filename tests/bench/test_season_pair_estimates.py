"""The per-pair acceptance estimate of ``optimizer-pair``: learned from the answers the
season has seen (never the model's hidden draws), it gives each pair of an order and a
window the factory's chance of accepting, and the season keeps its rules. No database."""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.season_metrics import evaluate_accepted
from bench.season_model import build_scenario
from bench.season_policies import PairOptimizerPolicy
from matching.solver.acceptance import (
    PAIR_PRIOR,
    PairAcceptEstimate,
    PairAnswer,
    with_pair_estimates,
)
from matching.solver.problem import MatchingProblem
from tests.bench.test_season_simulation import SMALL

EVENTS = dataclasses.replace(
    SMALL, time_limit_seconds=2.0, event_delay_hours=0.5, min_run_gap_hours=3.0
)


def chance(estimate: PairAcceptEstimate, price_over: float, km: float, load: float) -> int:
    found = estimate.hundredths(
        np.array([1]), np.array([price_over]), np.array([km]), np.array([load])
    )
    return int(found[0])


def test_before_any_answer_every_pair_gets_the_prior_whatever_its_price() -> None:
    estimate = PairAcceptEstimate.fit([])
    prior = round(100 * 0.9 * PAIR_PRIOR)  # answered before the expiry, then accepted
    assert chance(estimate, 0.0, 0.0, 0.0) == chance(estimate, 0.4, 1500.0, 0.9) == prior


def test_the_estimate_follows_what_the_answers_show() -> None:
    # well-paid, unloaded offers were accepted, poorly paid ones on loaded windows declined;
    # factory 2 never answered
    answers = [PairAnswer(1, (0.4, 0.2, 0.1), True, True)] * 40
    answers += [PairAnswer(1, (0.0, 0.2, 0.9), True, False)] * 40
    answers += [PairAnswer(2, (0.4, 0.2, 0.1), False, False)] * 20
    estimate = PairAcceptEstimate.fit(answers)
    assert chance(estimate, 0.4, 200.0, 0.1) > 80 > 20 > chance(estimate, 0.0, 200.0, 0.9)
    silent = estimate.hundredths(np.array([2]), np.array([0.4]), np.array([200.0]), np.array([0.1]))
    assert int(silent[0]) < 25


def test_every_order_carries_an_estimate_for_each_window_within_its_price() -> None:
    scenario = PairOptimizerPolicy(build_scenario(SMALL)).scenario
    orders = [o.template for o in list(scenario.orders.values())[:30]]
    windows = [w.data for w in scenario.windows.values()]
    price = {
        (f.id, c.category_id): c.unit_price_fen
        for f in scenario.factories.values()
        for c in f.capabilities
    }
    problem = MatchingProblem(
        first_production_date=scenario.config.start,
        orders=tuple(orders),
        factories=tuple(scenario.factories.values()),
        windows=tuple(windows),
    )
    for order in with_pair_estimates(problem, PairAcceptEstimate.fit([])).orders:
        expected = {
            w.id
            for w in windows
            if w.category_id == order.category_id
            and price[w.factory_id, w.category_id] <= order.max_unit_price_fen
        }
        assert {wid for wid, _ in order.window_accept} == expected
        assert all(1 <= rate <= 100 for _, rate in order.window_accept)


def test_the_season_learns_from_every_answer_and_expiry_and_keeps_its_rules() -> None:
    sim = PairOptimizerPolicy(build_scenario(EVENTS)).run()
    answered = [a for a in sim.pair_answers if a.answered]
    assert len(answered) == sum(1 for o in sim.offers.values() if o.frozen is not None) + (
        sim.counters.declines
    )
    assert len(sim.pair_answers) - len(answered) == sim.counters.expiries
    assert sim.counters.accepted_moved == 0
    assert evaluate_accepted(sim)[1] == "ok"
