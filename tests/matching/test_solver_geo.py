import math

import pytest

from matching.solver import TransportParams, haversine_km, transport_for


def test_haversine_gives_zero_for_the_same_point() -> None:
    assert haversine_km(31.2304, 121.4737, 31.2304, 121.4737) == 0.0


def test_haversine_matches_the_known_beijing_to_shanghai_distance() -> None:
    assert haversine_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1067.3, abs=0.5)


def test_haversine_of_one_degree_of_latitude_is_one_ninetieth_of_a_quarter_meridian() -> None:
    assert haversine_km(30.0, 120.0, 31.0, 120.0) == pytest.approx(6371 * math.pi / 180)


def test_transport_for_zero_distance_is_handling_time_and_base_cost() -> None:
    assert transport_for(0.0, TransportParams()) == (1, 20)


def test_transport_for_rounds_days_and_cost_up() -> None:
    params = TransportParams(
        km_per_day=500, handling_days=1, cost_base_fen_per_unit=20, cost_fen_per_unit_per_100km=10
    )
    assert transport_for(1000.0, params) == (3, 120)
    assert transport_for(1000.5, params) == (4, 121)
    assert transport_for(1.0, params) == (2, 21)
