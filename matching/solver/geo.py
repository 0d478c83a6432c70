"""Great-circle distance and the transport time/cost it implies."""

from __future__ import annotations

import math

from matching.solver.problem import TransportParams

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def transport_for(distance_km: float, params: TransportParams) -> tuple[int, int]:
    """Return (transport days, transport cost in fen per unit) for a distance."""
    days = params.handling_days + math.ceil(distance_km / params.km_per_day)
    cost = params.cost_base_fen_per_unit + math.ceil(
        distance_km * params.cost_fen_per_unit_per_100km / 100
    )
    return days, cost
