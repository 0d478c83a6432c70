"""Delays learned from deliveries (``--learned-delays``): the season plans each capability's
finish against its learned delay, as the app does (``production/track_record.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import deque

from bench.season_metrics import evaluate_accepted, policy_metrics
from bench.season_model import TRACK_RECORD_PRIOR_WEIGHT, Simulation, build_scenario
from bench.season_policies import OptimizerPolicy
from matching.solver.quantiles import shrunk_quantile
from tests.bench.test_season_metrics import START, tiny_scenario
from tests.bench.test_season_simulation import SMALL


def delivered(sim: Simulation, order_id: int, window_id: int) -> int:
    """Deliver an accepted part of ``order_id`` in ``window_id``; its delay in days."""
    day = START + dt.timedelta(days=2)
    offer = sim.make_offer(0.0, order_id, window_id, 100, day, day, answer=False)
    offer.status = "accepted"
    sim._event_deliver(100.0, offer.id)
    draw = sim.draws.pair(order_id, offer.factory_id)
    return 0 if draw.on_time else draw.late_days


def test_before_any_delivery_nothing_is_planned_for_delays() -> None:
    sim = Simulation(tiny_scenario())

    assert sim.learned_slip(1, 1) == (0, 0)


def test_the_learned_delays_are_the_shrunk_quantiles_of_the_deliveries() -> None:
    sim = Simulation(tiny_scenario())
    # factory 1 (window 1) delivers orders 1 and 2, factory 2 (window 2) order 3
    own = [delivered(sim, 1, 1), delivered(sim, 2, 1)]
    other = delivered(sim, 3, 2)
    category = [*own, other]

    for factory_id, mine in ((1, own), (2, [other])):
        expected = tuple(
            max(
                math.ceil(
                    shrunk_quantile(
                        [float(d) for d in mine],
                        [float(d) for d in category],
                        q,
                        TRACK_RECORD_PRIOR_WEIGHT,
                    )
                ),
                0,
            )
            for q in (0.5, 0.9)
        )
        assert sim.learned_slip(factory_id, 1) == expected


def test_only_with_learned_delays_do_the_runs_see_them() -> None:
    scenario = tiny_scenario()
    on = dataclasses.replace(
        scenario, config=dataclasses.replace(scenario.config, learned_delays=True)
    )
    for sim, learns in ((OptimizerPolicy(scenario), False), (OptimizerPolicy(on), True)):
        sim.delays[(1, 1)] = deque([3, 3, 3])
        sim.category_delays[1] = deque([3, 3, 3])
        capability = sim.capabilities(1)[0]
        assert (capability.slip_p50_days, capability.slip_p90_days) == (
            (3, 3) if learns else (0, 0)
        )


def test_a_season_with_learned_delays_moves_no_accepted_work_and_passes_the_evaluator() -> None:
    config = dataclasses.replace(SMALL, learned_delays=True, weeks=3)
    sim = OptimizerPolicy(build_scenario(config)).run()
    line = policy_metrics(sim, 0.0)

    assert evaluate_accepted(sim)[1] == "ok"
    assert line["accepted_moved"] == 0 and line["learned_delays"] is True
    assert line["units_made"] > 0
    # deliveries were seen, and some capability learned a delay
    assert sim.category_delays
    assert any(
        sim.learned_slip(factory_id, category_id) != (0, 0)
        for factory_id, category_id in sim.delays
    )
