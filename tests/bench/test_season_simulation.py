"""The season simulation (``bench.season_model`` and ``bench.season_policies``) on small
seasons: deterministic for a seed, accepted work never moved, hindsight an upper
reference, first-come one factory per order, every policy's work accepted by the shared
evaluator. No database."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bench.season_metrics import evaluate_accepted, policy_metrics
from bench.season_model import Behaviour, Draws, SeasonConfig, build_scenario
from bench.season_policies import (
    FirstComePolicy,
    GreedyBatchPolicy,
    HindsightPolicy,
    OptimizerPolicy,
)

SMALL = SeasonConfig(
    weeks=2,
    factories=30,
    orders_per_week=120,
    seed=5,
    interval_hours=24.0,
    time_limit_seconds=5.0,
    hindsight_time_limit_seconds=20.0,
    workers=1,
)


def metrics_without_time(line: dict[str, object]) -> dict[str, object]:
    return {
        key: value
        for key, value in line.items()
        if key not in ("seconds", "solver_seconds", "max_run_seconds")
    }


def test_the_same_seed_gives_the_same_scenario_and_the_same_season() -> None:
    first, second = build_scenario(SMALL), build_scenario(SMALL)
    assert first.orders == second.orders
    assert first.windows == second.windows
    assert first.traits == second.traits
    assert build_scenario(dataclasses.replace(SMALL, seed=6)).orders != first.orders
    for policy in (OptimizerPolicy, GreedyBatchPolicy, FirstComePolicy):
        lines = [
            metrics_without_time(policy_metrics(policy(build_scenario(SMALL)).run(), 0.0))
            for _ in range(2)
        ]
        assert lines[0] == lines[1], policy.name
        assert isinstance(lines[0]["units_made"], int) and lines[0]["units_made"] > 0


def test_every_policy_meets_the_same_answer_from_the_same_factory() -> None:
    scenario = build_scenario(SMALL)
    draws_a, draws_b = Draws(scenario), Draws(scenario)
    draws_b.pair(3, 7)  # another order of questions changes nothing
    assert draws_a.pair(4, 2) == draws_b.pair(4, 2)
    assert draws_a.pair(3, 7) == draws_b.pair(3, 7)


def test_the_optimizer_never_moves_accepted_work_and_its_work_passes_the_evaluator() -> None:
    sim = OptimizerPolicy(build_scenario(SMALL)).run()
    accepted = sim.accepted_offers()
    assert accepted
    assert sim.counters.accepted_moved == 0
    assert all(o.frozen == (o.window_id, o.start, o.finish, o.units) for o in accepted)
    assert sim.counters.declines + sim.counters.expiries > 0  # answers were simulated
    assert len(sim.runs) == 13
    _, verdict = evaluate_accepted(sim)
    assert verdict == "ok"
    # an order with an accepted part is never offered to another window afterwards
    for offer in accepted:
        later = [
            o
            for o in sim.offers.values()
            if o.order_id == offer.order_id
            and o.made_hour > (offer.answered_hour or 0.0)
            and o.window_id != offer.window_id
        ]
        assert not later


def test_hindsight_makes_at_least_the_units_the_optimizer_makes() -> None:
    # no rush and no cancellations: hindsight's stage 1 is then "most units", and every
    # online plan is feasible for it
    config = dataclasses.replace(SMALL, rush=False, behaviour=Behaviour(cancel_share=0.0), seed=2)
    scenario = build_scenario(config)
    optimizer = OptimizerPolicy(scenario).run()
    hindsight = HindsightPolicy(scenario).run()
    made = sum(o.units for o in optimizer.accepted_offers())
    assert made > 0
    assert sum(o.units for o in hindsight.accepted_offers()) >= made
    assert hindsight.runs[0].status == "OPTIMAL"
    assert evaluate_accepted(hindsight)[1] == "ok"


def test_no_online_policy_plans_work_before_its_order_arrived() -> None:
    for policy in (OptimizerPolicy, GreedyBatchPolicy, FirstComePolicy):
        line = policy_metrics(policy(build_scenario(SMALL)).run(), 0.0)
        assert line["units_made"] > 0 and line["units_before_arrival"] == 0, policy.name


def test_first_come_gives_each_order_to_at_most_one_factory() -> None:
    sim = FirstComePolicy(build_scenario(SMALL)).run()
    offers = list(sim.offers.values())
    assert offers
    assert all(o.status in ("accepted", "withdrawn") for o in offers)
    per_order = Counter(o.order_id for o in offers)
    assert max(per_order.values()) == 1
    assert evaluate_accepted(sim)[1] == "ok"
    # on a job board a taken order is accepted at once
    for offer in offers:
        state = sim.orders[offer.order_id]
        assert state.first_offer_hour == offer.made_hour
        if offer.status == "accepted":
            assert state.accepted_hour == offer.made_hour


@pytest.mark.parametrize("policy", [GreedyBatchPolicy, OptimizerPolicy])
def test_batch_policies_offer_only_to_factories_that_have_not_said_no(policy: type) -> None:
    sim = policy(build_scenario(SMALL)).run()
    lost = {
        (o.order_id, o.factory_id)
        for o in sim.offers.values()
        if o.status in ("declined", "expired")
    }
    assert lost
    for offer in sim.offers.values():
        if (offer.order_id, offer.factory_id) in lost:
            assert offer.status in ("declined", "expired")
    assert evaluate_accepted(sim)[1] == "ok"


def test_pooling_serves_orders_below_every_factorys_minimum_and_passes_the_evaluator() -> None:
    without = policy_metrics(
        OptimizerPolicy(build_scenario(dataclasses.replace(SMALL, pooling_share=0.0))).run(), 0.0
    )
    pooled = policy_metrics(
        OptimizerPolicy(build_scenario(dataclasses.replace(SMALL, pooling_share=1.0))).run(), 0.0
    )

    assert without["pooled_orders_served"] == 0
    assert pooled["pooled_orders_served"] > 0
    assert pooled["evaluator"] == without["evaluator"] == "ok"
