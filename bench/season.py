"""A season of the marketplace, simulated: the optimizer against a job board, a greedy
batch and hindsight, on the same arrivals, answers and delays.

``python -m bench season --weeks 12 --factories 200 --orders-per-week 1000 --seeds 0,1,2``
prints one JSON line per policy and seed (``--table`` adds a readable summary on stderr;
``--plots DIR`` writes the PNGs of the first seed). No database: the model is
``bench.season_model``, the policies ``bench.season_policies`` and the metrics
``bench.season_metrics``. See docs/simulation.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.season_metrics import add_hindsight_ratios, plot_season, policy_metrics
from bench.season_model import Behaviour, Draws, SeasonConfig, Simulation, build_scenario
from bench.season_policies import POLICIES

# --all-accept: answers always come (Beta(1e6, 1e-6) is 1 to float precision), within about
# an hour, and are yes
ALL_ACCEPT = Behaviour(answer_beta=(1e6, 1e-6), response_mean_hours=(0.5, 1.0), accept_base=50.0)

DEFAULT_POLICIES = ("optimizer", "first-come", "greedy-batch", "hindsight")
HELP = "simulate a season of arrivals, offers, answers and delays under several policies"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weeks", type=int, default=12, help="weeks of arrivals (default 12)")
    parser.add_argument("--factories", type=int, default=200, help="factories (default 200)")
    parser.add_argument(
        "--orders-per-week", type=int, default=1000, help="mean orders a week (default 1000)"
    )
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 5, 4),
        help="first day of the season (default 2026-05-04: the run-up to 618, then the "
        "summer lull)",
    )
    parser.add_argument(
        "--interval-hours",
        type=float,
        default=24.0,
        help="hours between match runs / job-board rounds (default 24)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=2.0, help="solver seconds per run (default 2)"
    )
    parser.add_argument(
        "--hindsight-time-limit",
        type=float,
        default=30.0,
        help="solver seconds of the one hindsight solve (default 30)",
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument(
        "--fairness-percent",
        type=int,
        default=20,
        help="the solver's fairness setting in optimizer-fair and optimizer-pair-fair (default 20)",
    )
    parser.add_argument(
        "--pooling-share",
        type=float,
        default=0.3,
        help="share of orders that allow pooling (拼单) below a factory's minimum (default 0.3)",
    )
    parser.add_argument(
        "--capacity-scale",
        type=float,
        default=1.0,
        help="idle capacity against demand: every published window offers this many times "
        "the units a day, on the same dates (default 1; the JSON lines give the resulting "
        "demand_ratio, units ordered over free window units)",
    )
    parser.add_argument(
        "--event-delay-hours",
        type=float,
        default=None,
        help="batch policies also run this many hours after an arrival, a new window, a "
        "decline, an expiry or a cancellation, as the app's on-change runs (default: off)",
    )
    parser.add_argument(
        "--min-run-gap-hours",
        type=float,
        default=0.0,
        help="with --event-delay-hours: no run sooner than this after the previous one (default 0)",
    )
    parser.add_argument(
        "--accept-rates",
        action="store_true",
        help="every optimizer policy weighs each capability by its acceptance rate learned "
        "from the answers so far (Capability.accept_rate; optimizer-accept always does)",
    )
    parser.add_argument(
        "--learned-delays",
        action="store_true",
        help="every optimizer policy plans each capability's finish against its delay learned "
        "from the deliveries so far, P90 for rush orders and P50 for the others, as the app does",
    )
    parser.add_argument(
        "--policies",
        default=",".join(DEFAULT_POLICIES),
        help=f"comma-separated, of {', '.join(POLICIES)} (default {', '.join(DEFAULT_POLICIES)})",
    )
    parser.add_argument(
        "--all-accept",
        action="store_true",
        help="diagnostic: every factory answers every offer within about an hour and accepts it",
    )
    parser.add_argument("--table", action="store_true", help="also a summary table on stderr")
    parser.add_argument("--plots", type=Path, metavar="DIR", help="PNG plots of the first seed")


def run_season(
    config: SeasonConfig,
    policies: list[str],
    emit: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[dict[str, Any]], list[Simulation]]:
    """Every policy on one seed's scenario; the JSON lines (in the order of ``policies``)
    and the finished simulations. Hindsight runs first, so that each line can be compared
    with it and handed to ``emit`` as soon as its policy is done."""
    scenario = build_scenario(config)
    draws = Draws(scenario)
    done: dict[str, tuple[dict[str, Any], Simulation]] = {}

    def simulate(name: str) -> None:
        started = time.perf_counter()
        sim = POLICIES[name](scenario, draws).run()
        line = policy_metrics(sim, time.perf_counter() - started)
        if "hindsight" in done:
            add_hindsight_ratios([done["hindsight"][0], line])
        done[name] = (line, sim)
        print(f"seed {config.seed}: {name} done in {line['seconds']} s", file=sys.stderr)

    if "hindsight" in policies:
        simulate("hindsight")
        add_hindsight_ratios([done["hindsight"][0]])
    for name in policies:
        if name not in done:
            simulate(name)
        if emit is not None:
            emit(done[name][0])
    return [done[name][0] for name in policies], [done[name][1] for name in policies]


COLUMNS = (
    ("policy", "{:<14}"),
    ("units_made", "{:>11,}"),
    ("units_on_time", "{:>11,}"),
    ("demand_ratio", "{:>6.2f}"),
    ("fill", "{:>6.3f}"),
    ("on_time_vs_hindsight", "{:>6.3f}"),
    ("first_offer_p90_h", "{:>7.1f}"),
    ("acceptance_p90_h", "{:>7.1f}"),
    ("moved_per_offered_order", "{:>6.3f}"),
    ("accepted_moved", "{:>4}"),
    ("gini_work", "{:>6.3f}"),
    ("factories_with_work", "{:>6.3f}"),
    ("pooled_orders_served", "{:>6}"),
    ("evaluator", "{:>4}"),
)


def table_line(line: dict[str, Any]) -> str:
    cells = []
    for key, spec in COLUMNS:
        value = line.get(key)
        cells.append(
            "-".rjust(len(spec.format(0)) if "," not in spec else 11)
            if value is None
            else spec.format(value)
        )
    return " ".join(cells)


def run(args: argparse.Namespace) -> int:
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    unknown = [p for p in policies if p not in POLICIES]
    if unknown or not policies:
        print(f"unknown policies {unknown}; choose from {', '.join(POLICIES)}", file=sys.stderr)
        return 2
    if not args.capacity_scale > 0:
        print("--capacity-scale must be above 0", file=sys.stderr)
        return 2
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    failures = 0
    for index, seed in enumerate(seeds):
        config = SeasonConfig(
            weeks=args.weeks,
            factories=args.factories,
            orders_per_week=args.orders_per_week,
            seed=seed,
            start=args.start,
            interval_hours=args.interval_hours,
            time_limit_seconds=args.time_limit,
            hindsight_time_limit_seconds=args.hindsight_time_limit,
            workers=args.workers,
            fairness_percent=args.fairness_percent,
            pooling_share=args.pooling_share,
            capacity_scale=args.capacity_scale,
            event_delay_hours=args.event_delay_hours,
            min_run_gap_hours=args.min_run_gap_hours,
            accept_rates=args.accept_rates,
            learned_delays=args.learned_delays,
            behaviour=ALL_ACCEPT if args.all_accept else Behaviour(),
        )
        lines, sims = run_season(
            config, policies, emit=lambda line: print(json.dumps(line), flush=True)
        )
        failures += sum(line["evaluator"] != "ok" or line["accepted_moved"] != 0 for line in lines)
        if args.table:
            print(" ".join(key for key, _ in COLUMNS), file=sys.stderr)
            for line in lines:
                print(table_line(line), file=sys.stderr)
        if args.plots is not None and index == 0:
            plot_season(sims, args.plots)
    return 1 if failures else 0
