"""Matching optimizer: assign seller orders to factory capacity windows with CP-SAT.

Pure Python (no Django). Build a ``MatchingProblem``, call ``solve``, read the
``MatchingSolution``. See docs/matching.md for the model.
"""

from matching.solver.geo import haversine_km, transport_for
from matching.solver.model import solve
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    PlannedAssignment,
    Priority,
    SolverParams,
    TransportParams,
    UnmatchedReason,
    WindowData,
)

__all__ = [
    "Capability",
    "Commitment",
    "FactoryData",
    "MatchingProblem",
    "MatchingSolution",
    "OrderData",
    "PlannedAssignment",
    "Priority",
    "SolverParams",
    "TransportParams",
    "UnmatchedReason",
    "WindowData",
    "haversine_km",
    "solve",
    "transport_for",
]
