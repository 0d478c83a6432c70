"""Price guidance after a run: for each window with idle room, the unit prices at which more
of it would have been filled and the orders its factory lost on price
(``matching/solver/guidance.py``; docs/matching.md, "Price guidance").

The run's write calls ``price_guidance_record`` in its transaction with the capacity it left
(the problem read back after its offers are written, as what to relax does), within
``MATCHING_PRICE_GUIDANCE_SECONDS``. Only the latest run's rows are kept: the owner reads
those (``matching/selectors.py``, ``price_guidance_list``).
"""

from __future__ import annotations

import time

from django.conf import settings

from marketplace.money import from_fen
from matching.models import MatchRun, PriceGuidance
from matching.solver.guidance import price_guidance
from matching.solver.problem import MatchingProblem, MatchingSolution


def price_guidance_record(
    *, run: MatchRun, problem: MatchingProblem | None, solution: MatchingSolution
) -> int:
    """Replace the stored guidance with this run's; returns the rows written. ``problem`` is
    the capacity the run left with the open orders (None: nothing left unmatched)."""
    PriceGuidance.objects.exclude(run=run).delete()
    seconds = settings.MATCHING_PRICE_GUIDANCE_SECONDS
    if problem is None or seconds <= 0:
        return 0
    guidance = price_guidance(problem, solution, deadline=time.perf_counter() + seconds)
    rows = [
        PriceGuidance(
            run=run,
            factory_id=advice.factory_id,
            window_id=advice.window_id,
            current_unit_price=from_fen(advice.unit_price_fen),
            idle_units=advice.idle_units,
            unit_price=from_fen(level.unit_price_fen),
            orders=len(level.order_ids),
            units=level.units,
            order_ids=list(level.order_ids),
        )
        for advice in guidance
        for level in advice.levels
    ]
    PriceGuidance.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
