"""Season metrics on a hand-made history (``bench.season_metrics``), and the CLI's JSON
lines (``python -m bench season``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.season_metrics import gini, nearest_rank, policy_metrics
from bench.season_model import (
    FactoryTraits,
    Scenario,
    SeasonConfig,
    SeasonOrder,
    SeasonWindow,
    Simulation,
)
from matching.solver.problem import (
    Capability,
    FactoryData,
    OrderData,
    TransportParams,
    WindowData,
)

START = dt.date(2026, 5, 4)


def test_gini_of_known_loads() -> None:
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([0, 300]) == pytest.approx(0.5)
    assert gini([1, 2, 3]) == pytest.approx(2 / 9)
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0


def test_nearest_rank_takes_an_observed_value_and_infinity() -> None:
    assert nearest_rank([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90) == 9.0
    assert nearest_rank([1.0, math.inf], 90) == math.inf
    assert nearest_rank([], 50) is None


def tiny_scenario() -> Scenario:
    factories = {
        fid: FactoryData(
            id=fid,
            latitude=23.0,
            longitude=113.0 + fid,
            min_order_quantity=10,
            max_order_quantity=10_000,
            capabilities=(Capability(1, 1_000, 100),),
        )
        for fid in (1, 2)
    }
    windows = {
        wid: SeasonWindow(
            WindowData(wid, wid, 1, START, START + dt.timedelta(days=9), 100, 1_000), 0.0
        )
        for wid in (1, 2)
    }
    orders = {
        oid: SeasonOrder(
            OrderData(oid, 1, 100 * oid, 2_000, START + dt.timedelta(days=40), 31.2, 121.5),
            arrival_hour=10.0 * oid,
            due_date=START + dt.timedelta(days=40),
            cancel_hour=None,
        )
        for oid in (1, 2, 3)
    }
    traits = {fid: FactoryTraits(1.0, 1.0, 1.0, 1.0) for fid in (1, 2)}
    return Scenario(
        config=SeasonConfig(weeks=1, factories=2, orders_per_week=3, start=START),
        factories=factories,
        traits=traits,
        orders=orders,
        windows=windows,
        market_price_fen={1: 1_000},
        transport=TransportParams(),
    )


def test_metrics_of_a_hand_made_history() -> None:
    sim = Simulation(tiny_scenario())
    for state in sim.orders.values():
        state.status = "open"
    # order 1 (100 units) offered 5 h after arrival, accepted 10 h later; order 2 (200
    # units) offered after 15 h and accepted at once; order 3 never offered
    day = START + dt.timedelta(days=2)
    first = sim.make_offer(15.0, 1, 1, 100, day, day, answer=False)
    second = sim.make_offer(35.0, 2, 1, 200, day, day + dt.timedelta(days=1), answer=False)
    for offer, hour in ((first, 25.0), (second, 35.0)):
        offer.status = "accepted"
        offer.frozen = (offer.window_id, offer.start, offer.finish, offer.units)
        sim.orders[offer.order_id].accepted_hour = hour
    sim.makeable.update({1, 2, 3})
    line = policy_metrics(sim, 0.0)
    assert line["evaluator"] == "ok"
    assert (line["orders"], line["units_ordered"], line["window_units"]) == (3, 600, 2_000)
    assert line["units_made"] == 300 and line["units_on_time"] == 300
    assert line["fill"] == pytest.approx(0.15)
    assert line["late_deliveries"] == 0
    assert line["units_before_arrival"] == 0  # both start two days after the season's first
    assert line["orders_offered"] == 2 and line["orders_accepted"] == 2
    # waits to the first offer: 5 and 15 hours (linear percentiles)
    assert line["first_offer_p50_h"] == pytest.approx(10.0)
    assert line["first_offer_p90_h"] == pytest.approx(14.0)
    assert line["acceptance_p50_h"] == pytest.approx(15.0)
    # makeable: 5, 15 and never (infinite): P90 is infinite (null), one of three in a day
    assert line["makeable_orders"] == 3
    assert line["makeable_first_offer_p90_h"] is None
    assert line["makeable_offered_within_interval"] == pytest.approx(2 / 3, abs=1e-4)
    # all the work went to factory 1 of the two with windows
    assert line["gini_work"] == pytest.approx(0.5)
    assert line["factories_with_work"] == pytest.approx(0.5)
    assert line["accepted_moved"] == 0
    assert line["transport_fen_per_unit"] > 0


def test_parts_planned_before_their_order_arrived_count_as_before_arrival() -> None:
    # order 3 (300 units) arrives at hour 30, on day 1: an online policy could start it on
    # day 2 at the earliest; a plan (as hindsight's) may start it on day 1 or before
    for start_day, early in ((0, 300), (1, 300), (2, 0)):
        sim = Simulation(tiny_scenario())
        day = START + dt.timedelta(days=start_day)
        offer = sim.make_offer(0.0, 3, 1, 300, day, day + dt.timedelta(days=2), answer=False)
        offer.status = "accepted"
        offer.frozen = (offer.window_id, offer.start, offer.finish, offer.units)
        assert policy_metrics(sim, 0.0)["units_before_arrival"] == early, start_day


def test_a_makeable_order_whose_wait_was_cut_short_within_an_interval_is_left_out() -> None:
    base = tiny_scenario()
    template = base.orders[1]
    extra = {
        # arrives 18 h before the season's end, never offered: unknown, left out
        4: dataclasses.replace(template, arrival_hour=150.0, cancel_hour=None),
        # cancelled 10 h after arriving, before any offer: left out
        5: dataclasses.replace(template, arrival_hour=40.0, cancel_hour=50.0),
        # cancelled 60 h after arriving, never offered: waited longer than an interval
        6: dataclasses.replace(template, arrival_hour=40.0, cancel_hour=100.0),
    }
    scenario = dataclasses.replace(
        base,
        orders={
            **base.orders,
            **{oid: dataclasses.replace(o, template=dataclasses.replace(o.template, id=oid))
               for oid, o in extra.items()},
        },
    )  # fmt: skip
    sim = Simulation(scenario)
    for state in sim.orders.values():
        state.status = "open"
    sim.orders[5].status = sim.orders[6].status = "cancelled"
    day = START + dt.timedelta(days=2)
    sim.make_offer(15.0, 1, 1, 100, day, day, answer=False)
    sim.makeable.update({1, 3, 4, 5, 6})
    line = policy_metrics(sim, 0.0)
    # kept: order 1 (5 h), order 3 and order 6 (never offered); left out: 4 and 5
    assert line["makeable_censored"] == 2
    assert line["makeable_orders"] == 3
    assert line["makeable_offered_within_interval"] == pytest.approx(1 / 3, abs=1e-4)


def test_cli_prints_one_json_line_per_policy_and_writes_the_plots(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "season", "--weeks", "1", "--factories", "20", "--orders-per-week", "60",
            "--time-limit", "1", "--hindsight-time-limit", "2", "--workers", "1",
            "--plots", str(tmp_path),
        ]
    )  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["policy"] for line in lines] == [
        "optimizer",
        "first-come",
        "greedy-batch",
        "hindsight",
    ]
    assert all(line["evaluator"] == "ok" and line["accepted_moved"] == 0 for line in lines)
    assert all("fill_vs_hindsight" in line for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cumulative_units.png",
        "time_to_acceptance.png",
        "utilisation_by_size.png",
    ]
