"""What a season gives sellers and factories under one policy: one JSON line per policy
and seed, and the plots (docs/simulation.md explains each figure).

Units made and their cost come from the shared evaluator (``bench.market_score``): every
accepted part of the season is checked against the season's windows (capacity, earliest
deadline first on each window's free days, prices, quantities), so a policy that booked
more than a window holds is rejected rather than scored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.market_score import InfeasibleAssignment, Placement, evaluate_market
from bench.season_model import MATCHING_LEAD_DAYS, Simulation
from matching.solver.problem import MatchingProblem


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values (0: all equal; (n-1)/n: one has all)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(2.0 * (ranks * x).sum() / (n * x.sum()) - (n + 1) / n)


def percentile(values: Sequence[float], q: float) -> float | None:
    return None if not values else float(np.percentile(np.asarray(values, dtype=float), q))


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile by nearest rank (an observed value; works with infinities)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def evaluate_accepted(sim: Simulation) -> tuple[Any, str]:
    """The evaluator's score of every accepted part, against the season's windows; each
    order's quantity is what its accepted parts cover (a split order may be partly made)."""
    scenario = sim.scenario
    accepted = sim.accepted_offers()
    units: dict[int, int] = defaultdict(int)
    for offer in accepted:
        units[offer.order_id] += offer.units
    orders = []
    for oid, made in sorted(units.items()):
        season_order = scenario.orders[oid]
        template = season_order.template
        orders.append(
            dataclasses.replace(
                template,
                quantity=made,
                due_date=season_order.due_date,
                min_lot_quantity=min(template.min_lot_quantity, made),
                age_days=0,
            )
        )
    problem = MatchingProblem(
        first_production_date=scenario.config.start + dt.timedelta(days=MATCHING_LEAD_DAYS),
        orders=tuple(orders),
        factories=tuple(scenario.factories.values()),
        windows=tuple(w.data for w in scenario.windows.values()),
        transport=scenario.transport,
    )
    placements: dict[tuple[int, int], int] = defaultdict(int)
    for offer in accepted:
        placements[(offer.order_id, offer.window_id)] += offer.units
    try:
        # a factory may accept part of a pool (拼单) and decline the rest: the pool's minimum
        # is the runs' rule (checked on their answers), not one on the factories' answers
        score = evaluate_market(
            problem,
            [Placement(o, w, q) for (o, w), q in sorted(placements.items())],
            pool_minimums=False,
        )
    except InfeasibleAssignment as error:
        return None, str(error)
    return score, "ok"


def units_before_arrival(sim: Simulation) -> int:
    """Units of accepted parts planned to start before the first day an online policy could
    have started them: their order's arrival day plus ``MATCHING_LEAD_DAYS``."""
    scenario = sim.scenario
    lead = dt.timedelta(days=MATCHING_LEAD_DAYS)
    return sum(
        offer.units
        for offer in sim.accepted_offers()
        if offer.start < scenario.hour_date(scenario.orders[offer.order_id].arrival_hour) + lead
    )


def policy_metrics(sim: Simulation, seconds: float) -> dict[str, Any]:
    scenario = sim.scenario
    config = scenario.config
    end = scenario.end_hour
    arrived = [oid for oid, o in scenario.orders.items() if o.arrival_hour < end]
    accepted = sim.accepted_offers()
    score, verdict = evaluate_accepted(sim)
    units_made = sum(o.units for o in accepted)
    on_time_units = late_units = late_parts = 0
    work: dict[int, int] = defaultdict(int)
    for offer in accepted:
        _, on_time = sim.outcome(offer)
        work[offer.factory_id] += offer.units
        if on_time:
            on_time_units += offer.units
        else:
            late_units += offer.units
            late_parts += 1
    early_units = units_before_arrival(sim)
    supply_factories = sorted({w.data.factory_id for w in scenario.windows.values()})
    loads = [work.get(fid, 0) for fid in supply_factories]
    window_units = sum(w.free_units for w in scenario.windows.values())
    units_ordered = sum(scenario.orders[oid].template.quantity for oid in arrived)
    first_offer = [
        sim.orders[oid].first_offer_hour - scenario.orders[oid].arrival_hour  # type: ignore[operator]
        for oid in arrived
        if sim.orders[oid].first_offer_hour is not None
    ]
    to_accept = [
        sim.orders[oid].accepted_hour - scenario.orders[oid].arrival_hour  # type: ignore[operator]
        for oid in arrived
        if sim.orders[oid].accepted_hour is not None
    ]
    offered_orders = len(first_offer)
    # orders a factory could make when first looked at: waits to the first offer, never
    # offered counting as infinitely long, except where the wait was cut short before one
    # interval had passed (cancelled by the seller, or the season ended): whether such an
    # order would have been offered within the interval is unknown, so it is left out
    waits: list[float] = []
    censored = 0
    for oid in arrived:
        if oid not in sim.makeable:
            continue
        arrival = scenario.orders[oid].arrival_hour
        first = sim.orders[oid].first_offer_hour
        if first is not None:
            waits.append(first - arrival)
            continue
        cancel = scenario.orders[oid].cancel_hour
        cut = min(end, cancel) if sim.orders[oid].status == "cancelled" and cancel else end
        if cut - arrival < config.interval_hours:
            censored += 1
        else:
            waits.append(math.inf)
    within = sum(1 for w in waits if w <= config.interval_hours)
    p90 = nearest_rank(waits, 90)
    counters = sim.counters
    online = sim.name != "hindsight"
    transport = score.transport_cost_fen if score is not None else None
    return {
        "policy": sim.name,
        "seed": config.seed,
        "weeks": config.weeks,
        "factories": config.factories,
        "orders_per_week": config.orders_per_week,
        "interval_hours": config.interval_hours,
        "time_limit": config.time_limit_seconds,
        "event_delay_hours": config.event_delay_hours,
        "min_run_gap_hours": config.min_run_gap_hours,
        "accept_rates": config.accept_rates or getattr(sim, "learns_accept_rates", False),
        "pair_estimates": getattr(sim, "learns_pair_estimates", False),
        "learned_delays": config.learned_delays,
        "event_runs": sim.event_runs_done,
        "orders": len(arrived),
        "units_ordered": units_ordered,
        "window_units": window_units,
        # demand against idle capacity: units ordered over the free units published
        "capacity_scale": config.capacity_scale,
        "demand_ratio": round(units_ordered / max(1, window_units), 4),
        "units_made": units_made,
        "units_on_time": on_time_units,
        "units_late": late_units,
        "late_deliveries": late_parts,
        # planned to start before their order arrived (plus the lead day): only hindsight,
        # which knows every order on the first day, can; no online policy ever does
        "units_before_arrival": early_units,
        "fill": round(units_made / max(1, window_units), 5),
        "orders_offered": offered_orders if online else None,
        "orders_accepted": len({o.order_id for o in accepted}),
        # orders made only through a pool (拼单): a part below its factory's minimum
        "pooled_orders_served": len(
            {
                o.order_id
                for o in accepted
                if o.units < scenario.factories[o.factory_id].min_order_quantity
            }
        ),
        "first_offer_p50_h": _rounded(percentile(first_offer, 50)) if online else None,
        "first_offer_p90_h": _rounded(percentile(first_offer, 90)) if online else None,
        "makeable_orders": len(waits) if online else None,
        "makeable_censored": censored if online else None,
        "makeable_first_offer_p90_h": _rounded(p90) if online and p90 != math.inf else None,
        "makeable_offered_within_interval": round(within / max(1, len(waits)), 4)
        if online
        else None,
        "acceptance_p50_h": _rounded(percentile(to_accept, 50)) if online else None,
        "acceptance_p90_h": _rounded(percentile(to_accept, 90)) if online else None,
        "offers": counters.offers if online else None,
        "moved_orders": counters.moved,
        "moved_per_offered_order": round(counters.moved / max(1, offered_orders), 4),
        "dropped_offers": counters.dropped,
        "accepted_moved": counters.accepted_moved,
        "declines": counters.declines,
        "expiries": counters.expiries,
        "auto_pauses": counters.pauses,
        "cancelled": counters.cancelled,
        "withdrawn_accepted": counters.withdrawn_accepted,
        "transport_fen_per_unit": round(transport / units_made, 2)
        if transport is not None and units_made
        else None,
        "gini_work": round(gini(loads), 4),
        "factories_with_work": round(sum(1 for x in loads if x > 0) / max(1, len(loads)), 4),
        "runs": len(sim.runs),
        "solver_seconds": round(sum(r.seconds for r in sim.runs), 2),
        "max_run_seconds": round(max((r.seconds for r in sim.runs), default=0.0), 2),
        "evaluator": verdict,
        "seconds": round(seconds, 1),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def add_hindsight_ratios(lines: list[dict[str, Any]]) -> None:
    """fill_vs_hindsight and on_time_vs_hindsight, per seed (when hindsight ran)."""
    reference = {line["seed"]: line for line in lines if line["policy"] == "hindsight"}
    for line in lines:
        best = reference.get(line["seed"])
        if best is None:
            continue
        line["fill_vs_hindsight"] = round(line["units_made"] / max(1, best["units_made"]), 4)
        line["on_time_vs_hindsight"] = round(
            line["units_on_time"] / max(1, best["units_on_time"]), 4
        )


# --- plots -------------------------------------------------------------------------------


def cumulative_made(sim: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """Days from the season's start and the units finished by each (delays included)."""
    start = sim.config.start
    days = [(sim.outcome(o)[0] - start).days for o in sim.accepted_offers()]
    units = [o.units for o in sim.accepted_offers()]
    if not days:
        return np.zeros(1), np.zeros(1)
    horizon = max(days) + 1
    made = np.zeros(horizon + 1)
    for day, unit in zip(days, units, strict=True):
        made[max(0, day)] += unit
    return np.arange(horizon + 1), np.cumsum(made)


def utilisation_by_size(sim: Simulation, bins: int = 5) -> list[float]:
    """Units made over free window units, by factory size quintile (total daily output)."""
    scenario = sim.scenario
    supply: dict[int, int] = defaultdict(int)
    for w in scenario.windows.values():
        supply[w.data.factory_id] += w.free_units
    made: dict[int, int] = defaultdict(int)
    for offer in sim.accepted_offers():
        made[offer.factory_id] += offer.units
    ids = sorted(
        supply, key=lambda f: sum(c.daily_output for c in scenario.factories[f].capabilities)
    )
    groups = np.array_split(np.array(ids, dtype=int), bins)
    return [
        sum(made.get(int(f), 0) for f in g) / max(1, sum(supply[int(f)] for f in g)) for g in groups
    ]


def plot_season(sims: list[Simulation], directory: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    config = sims[0].config
    title = (
        f"{config.weeks} weeks, {config.factories} factories, "
        f"{config.orders_per_week} orders/week, seed {config.seed}"
    )
    paths = []

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for sim in sims:
        days, made = cumulative_made(sim)
        axis.plot(days, made / 1e6, label=sim.name)
    axis.axvline(config.days, color="grey", linestyle=":", label="season end")
    axis.set(xlabel="day of the season", ylabel="units made (millions)", title=title)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    paths.append(directory / "cumulative_units.png")
    figure.savefig(paths[-1], dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for sim in sims:
        if sim.name == "hindsight":
            continue
        waits = sorted(
            (s.accepted_hour - sim.scenario.orders[oid].arrival_hour)
            for oid, s in sim.orders.items()
            if s.accepted_hour is not None
        )
        if waits:
            axis.plot(
                waits, np.arange(1, len(waits) + 1) / len(waits), label=sim.name, drawstyle="steps"
            )
    axis.set(
        xlabel="hours from arrival to acceptance",
        ylabel="share of accepted orders",
        title=title,
        xscale="symlog",
    )
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    paths.append(directory / "time_to_acceptance.png")
    figure.savefig(paths[-1], dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(sims)
    for index, sim in enumerate(sims):
        shares = utilisation_by_size(sim)
        x = np.arange(len(shares)) + index * width
        axis.bar(x, [100 * s for s in shares], width=width, label=sim.name)
    axis.set_xticks(np.arange(5) + 0.4 - width / 2)
    axis.set_xticklabels(["smallest fifth", "2nd", "3rd", "4th", "largest fifth"])
    axis.set(ylabel="idle capacity filled (%)", xlabel="factories by daily output", title=title)
    axis.grid(alpha=0.3, axis="y")
    axis.legend()
    figure.tight_layout()
    paths.append(directory / "utilisation_by_size.png")
    figure.savefig(paths[-1], dpi=110)
    plt.close(figure)
    return paths
