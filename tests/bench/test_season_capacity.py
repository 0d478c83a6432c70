"""The supply of idle capacity against demand (``SeasonConfig.capacity_scale``,
``--capacity-scale``): the default leaves the scenario as it was, a larger scale publishes
proportionally more free units on the same windows, and every JSON line reports the demand
ratio. No database."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bench.__main__ import main
from bench.season_metrics import policy_metrics
from bench.season_model import SeasonConfig, build_scenario
from bench.season_policies import FirstComePolicy

SMALL = SeasonConfig(weeks=2, factories=30, orders_per_week=120, seed=5)


def test_the_default_scale_leaves_the_scenario_as_it_was() -> None:
    scenario = build_scenario(SMALL)
    assert SMALL.capacity_scale == 1.0
    windows = scenario.windows.values()
    # the figures of this seed before the setting existed (commit 20a5701)
    assert len(scenario.windows) == 32
    assert sum(w.free_units for w in windows) == 197_813
    assert sum(w.data.units_per_day for w in windows) == 13_930
    assert sum(c.units for w in windows for c in w.data.commitments) == 10_867
    assert len(scenario.orders) == 187
    assert sum(o.template.quantity for o in scenario.orders.values()) == 401_570
    assert build_scenario(dataclasses.replace(SMALL, capacity_scale=1.0)) == scenario


@pytest.mark.parametrize("scale", [0.5, 2.0, 4.0, 8.0])
def test_a_scale_multiplies_the_free_units_of_the_same_windows(scale: float) -> None:
    base = build_scenario(SMALL)
    scaled = build_scenario(dataclasses.replace(SMALL, capacity_scale=scale))
    # the same orders, factories and answers; the same windows on the same dates
    assert scaled.orders == base.orders
    assert scaled.traits == base.traits
    assert scaled.windows.keys() == base.windows.keys()
    for wid, window in base.windows.items():
        other = scaled.windows[wid]
        assert other.publish_hour == window.publish_hour
        assert (other.data.factory_id, other.data.category_id) == (
            window.data.factory_id,
            window.data.category_id,
        )
        assert (other.data.start_date, other.data.end_date) == (
            window.data.start_date,
            window.data.end_date,
        )
        assert other.data.units_per_day == pytest.approx(window.data.units_per_day * scale, abs=1)
        # work booked outside the marketplace scales with the window, on the same days
        assert [(c.start, c.finish) for c in other.data.commitments] == [
            (c.start, c.finish) for c in window.data.commitments
        ]
        assert (
            0
            < other.free_units
            <= other.data.units_per_day * ((other.data.end_date - other.data.start_date).days + 1)
        )
    base_free = sum(w.free_units for w in base.windows.values())
    scaled_free = sum(w.free_units for w in scaled.windows.values())
    assert scaled_free == pytest.approx(scale * base_free, rel=0.005)


def test_every_line_reports_the_demand_ratio() -> None:
    for scale in (1.0, 3.0):
        config = dataclasses.replace(SMALL, capacity_scale=scale, weeks=1)
        line = policy_metrics(FirstComePolicy(build_scenario(config)).run(), 0.0)
        assert line["capacity_scale"] == scale
        assert line["demand_ratio"] == round(line["units_ordered"] / line["window_units"], 4)
        if scale == 1.0:
            base_ratio = line["demand_ratio"]
    assert line["demand_ratio"] == pytest.approx(base_ratio / 3.0, rel=0.01)


def test_cli_capacity_scale(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "season", "--weeks", "1", "--factories", "20", "--orders-per-week", "60",
        "--policies", "first-come", "--workers", "1",
    ]  # fmt: skip
    assert main(args) == 0
    (default,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main([*args, "--capacity-scale", "2"]) == 0
    (doubled,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (default["capacity_scale"], doubled["capacity_scale"]) == (1.0, 2.0)
    assert doubled["units_ordered"] == default["units_ordered"]
    assert doubled["window_units"] == pytest.approx(2 * default["window_units"], rel=0.01)
    assert doubled["demand_ratio"] == pytest.approx(default["demand_ratio"] / 2, rel=0.01)
    assert main([*args, "--capacity-scale", "0"]) == 2
