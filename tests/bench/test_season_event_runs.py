"""Event-triggered runs and acceptance-aware offers in the season simulation: a change
queues a run after the app's debounce (never sooner than the gap after the last run), a
decline or an expiry is looked at again within that time, and the acceptance rates the
optimizer weighs come from the answers seen so far. No database."""

from __future__ import annotations

import dataclasses

from bench.season_metrics import evaluate_accepted, policy_metrics
from bench.season_model import ACCEPT_RATE_PRIOR, build_scenario
from bench.season_policies import AcceptOptimizerPolicy, GreedyBatchPolicy, OptimizerPolicy
from tests.bench.test_season_simulation import SMALL as SEASON_SMALL

SMALL = dataclasses.replace(SEASON_SMALL, time_limit_seconds=2.0)
EVENTS = dataclasses.replace(SMALL, event_delay_hours=0.5, min_run_gap_hours=3.0)


def test_without_an_event_delay_runs_come_only_every_interval() -> None:
    sim = OptimizerPolicy(build_scenario(SMALL)).run()
    assert sim.event_runs_done == 0
    assert sim.run_hours == [24.0 * k for k in range(1, 14)]


def test_event_runs_keep_the_gap_and_follow_every_decline_and_expiry() -> None:
    sim = OptimizerPolicy(build_scenario(EVENTS)).run()
    assert sim.event_runs_done > 13
    scheduled = {24.0 * k for k in range(1, 14)}
    for before, hour in zip(sim.run_hours, sim.run_hours[1:], strict=False):
        assert hour > before
        if hour not in scheduled:
            assert hour - before >= 3.0 - 1e-9
    end = EVENTS.days * 24.0
    lost = [o for o in sim.offers.values() if o.status in ("declined", "expired")]
    assert lost
    for offer in lost:
        answered = offer.answered_hour
        assert answered is not None
        if answered + 3.5 < end:
            # a run looks at the order again within the debounce plus the gap
            assert any(answered < h <= answered + 3.5 for h in sim.run_hours), offer
    assert sim.counters.accepted_moved == 0
    assert evaluate_accepted(sim)[1] == "ok"


def test_event_runs_are_deterministic_for_a_seed_and_also_drive_greedy_batch() -> None:
    lines = [
        {
            k: v
            for k, v in policy_metrics(OptimizerPolicy(build_scenario(EVENTS)).run(), 0.0).items()
            if k not in ("seconds", "solver_seconds", "max_run_seconds")
        }
        for _ in range(2)
    ]
    assert lines[0] == lines[1]
    assert isinstance(lines[0]["event_runs"], int) and lines[0]["event_runs"] > 0
    greedy = GreedyBatchPolicy(build_scenario(EVENTS)).run()
    assert greedy.event_runs_done > 0
    assert evaluate_accepted(greedy)[1] == "ok"


def test_acceptance_rates_come_from_the_answers_seen_so_far() -> None:
    scenario = build_scenario(SMALL)
    sim = AcceptOptimizerPolicy(scenario)
    factory = next(iter(scenario.factories.values()))
    category = factory.capabilities[0].category_id
    # before any answer: the prior, for every capability
    assert sim.accept_rate(factory.id, category) == ACCEPT_RATE_PRIOR
    assert {c.accept_rate for c in sim.capabilities(factory.id)} == {ACCEPT_RATE_PRIOR}
    sim.run()
    yes = sum(seen[0] for seen in sim.answer_history.values())
    total = sum(seen[1] for seen in sim.answer_history.values())
    # every answer and every expiry counted once, accepted ones as yes
    assert yes == sum(1 for o in sim.offers.values() if o.frozen is not None)
    assert total == yes + sim.counters.declines + sim.counters.expiries
    (fid, cid), (accepted, answered) = max(sim.answer_history.items(), key=lambda kv: kv[1][1])
    f_yes, f_total = sim.factory_answers[fid]
    factory_rate = (f_yes + 0.8 * 4) / (f_total + 4)
    assert sim.accept_rate(fid, cid) == (accepted + factory_rate * 4) / (answered + 4)
    assert sim.counters.accepted_moved == 0
    assert evaluate_accepted(sim)[1] == "ok"


def test_without_acceptance_rates_the_optimizer_passes_the_capabilities_as_they_are() -> None:
    scenario = build_scenario(SMALL)
    sim = OptimizerPolicy(scenario)
    for fid, factory in scenario.factories.items():
        assert sim.capabilities(fid) == factory.capabilities
    # the setting turns them on for every optimizer policy
    learning = OptimizerPolicy(build_scenario(dataclasses.replace(SMALL, accept_rates=True)))
    fid = next(iter(scenario.factories))
    assert {c.accept_rate for c in learning.capabilities(fid)} == {ACCEPT_RATE_PRIOR}


def test_the_season_learns_rates_with_the_app_s_prior() -> None:
    from bench import season_model
    from matching import selectors

    assert season_model.ACCEPT_RATE_PRIOR == selectors.ACCEPT_RATE_PRIOR
    assert season_model.ACCEPT_RATE_PRIOR_WEIGHT == selectors.ACCEPT_RATE_PRIOR_WEIGHT
