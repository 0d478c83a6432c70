"""Shrunk quantiles: a factory's own figures mixed with the marketplace's, so that a factory
with little history starts at the marketplace's figures (``production/track_record.py``, which
learns lead times and delays from milestones, and the season simulation, which mirrors it).
"""

from __future__ import annotations

from collections.abc import Sequence


def shrunk_quantile(own: Sequence[float], prior: Sequence[float], q: float, weight: float) -> float:
    """The ``q`` quantile of ``own`` (one weight each) mixed with ``prior`` (``weight`` in all):
    the smallest value whose cumulative weight reaches ``q`` of the total. Empty ``own``: the
    prior's quantile; empty ``prior``: the factory's own."""
    if not own and not prior:
        raise ValueError("no values to take a quantile of")
    items = [(value, 1.0) for value in own]
    if prior:
        share = (weight if own else 1.0) / len(prior)
        items += [(value, share) for value in prior]
    items.sort()
    total = sum(w for _value, w in items)
    reached = 0.0
    for value, w in items:
        reached += w
        if reached >= q * total - 1e-9:
            return value
    return items[-1][0]
