"""Compare greedy, HiGHS and CP-SAT (ours) on a generated marketplace.

``python -m bench market --orders N --factories M --weeks W --seed S`` generates
the instance (``market_generate``), computes the LP bound over every eligible pair, runs
each method in its own forked process (its wall-clock seconds and peak resident memory are
that process's), and checks and scores every answer with the one evaluator
(``market_score``). See docs/benchmarks.md ("Marketplace").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import resource
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.market_bound import streamed_bound
from bench.market_generate import MarketConfig, generate_market
from bench.market_methods import METHODS, Bound, lp_bound
from bench.market_score import (
    InfeasibleAssignment,
    PairSource,
    Placement,
    eligible_pairs,
    evaluate_market,
    placements_to_data,
)
from matching.solver.bound import relative_gap
from matching.solver.candidate_arrays import CAP_CELLS, order_window_cells
from matching.solver.problem import MatchingProblem
from matching.solver.ruin_recreate import warm_up
from matching.solver.serialize import to_data

HELP = "compare greedy, HiGHS and CP-SAT on a generated marketplace"
KEYS = (
    "method",
    "orders",
    "factories",
    "windows",
    "candidate_pairs",
    "matched_orders",
    "matched_units",
    "total_units",
    "production_cost",
    "transport_cost",
    "objective",
    "bound",
    "gap",
    "seconds",
    "peak_rss_mb",
)
# the bound's default time: one LP over every pair; streamed by category (above
# ``candidate_arrays.CAP_CELLS`` order-window cells, ``market_bound.streamed_bound``)
LP_BOUND_SECONDS = 600.0
STREAMED_BOUND_SECONDS = 150.0
# with --plot: these fractions of the given orders and factories
PLOT_FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=10_000, help="orders (default 10000)")
    parser.add_argument("--factories", type=int, default=2_000, help="factories (default 2000)")
    parser.add_argument("--weeks", type=int, default=8, help="weeks of capacity (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--categories",
        type=int,
        default=None,
        help="product categories (default max(20, factories / 10))",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=20.0,
        metavar="S",
        help="time limit of each method's solver in seconds (default 20)",
    )
    parser.add_argument(
        "--bound-time-limit",
        type=float,
        default=None,
        metavar="S",
        help=f"time for the bound (default {LP_BOUND_SECONDS:.0f}; {STREAMED_BOUND_SECONDS:.0f} "
        f"when the market has more than {CAP_CELLS:,} order-window cells and the bound "
        "is streamed by category; stopped early it is still valid, weaker)",
    )
    parser.add_argument(
        "--lagrange-seconds",
        type=float,
        default=20.0,
        metavar="S",
        help="after the LP, up to S seconds (within --bound-time-limit) for the Lagrangian "
        "bound from its duals (default 20; 0: off)",
    )
    parser.add_argument(
        "--exact-bound-seconds",
        type=float,
        default=90.0,
        metavar="S",
        help="then up to S seconds (within --bound-time-limit) for CP-SAT's proven bound on "
        "the blocks of at most 5,000 pairs (default 90; 0: off)",
    )
    parser.add_argument(
        "--mip-bound",
        type=float,
        default=0.0,
        metavar="S",
        help="also spend S seconds in HiGHS branch and cut to tighten the bound per block "
        "(default 0: the LP bound only)",
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument(
        "--methods",
        default="greedy,highs,cpsat",
        help=f"comma-separated, of {', '.join(METHODS)} (default all)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per method and line")
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE.png",
        help="also run 1/8, 1/4 and 1/2 of the size; plot seconds and gap against size",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        metavar="DIR",
        help="write DIR/instance.json, DIR/bound.json and DIR/<method>.json",
    )


def add_market_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The ``market`` subcommand on a ``parser.add_subparsers()`` object."""
    parser = subparsers.add_parser("market", help=HELP, description=__doc__)
    add_arguments(parser)
    parser.set_defaults(run=run_market)
    return parser


# --- one method in its own process -----------------------------------------------------


@dataclass(frozen=True)
class ChildResult:
    value: Any
    seconds: float
    peak_rss_mb: float
    error: str | None


def _child(connection: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    started = time.perf_counter()
    value, error = None, None
    try:
        value = function(*args)
    except BaseException:  # reported by the parent
        error = traceback.format_exc()
    seconds = time.perf_counter() - started
    # kilobytes on Linux; a method's helper processes (HiGHS) count too
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    connection.send(ChildResult(value, seconds, peak / 1024, error))
    connection.close()


def in_child(function: Callable[..., Any], *args: Any) -> ChildResult:
    """Run ``function(*args)`` in a forked process; its time and peak memory are its own
    (the memory includes the instance, which the process inherits from this one)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args))
    process.start()
    sender.close()
    try:
        result: ChildResult = receiver.recv()
    except EOFError:
        result = ChildResult(None, 0.0, 0.0, f"the process died (exit code {process.exitcode})")
    process.join()
    if process.exitcode not in (0, None) and result.error is None:
        result = dataclasses.replace(result, error=f"exit code {process.exitcode}")
    return result


# --- one size ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeResult:
    lines: list[dict[str, Any]]
    bound: Bound
    failures: int


def _pairs_and_bound(
    problem: MatchingProblem,
    time_limit: float | None,
    mip_seconds: float,
    lagrange_seconds: float = 0.0,
    exact_seconds: float = 0.0,
) -> tuple[int, Bound]:
    source = PairSource.of(problem)
    if order_window_cells(problem) > CAP_CELLS:
        # too large for one LP: the capacity Lagrangian of each batch of categories,
        # streamed (bench/market_bound.py)
        limit = STREAMED_BOUND_SECONDS if time_limit is None else time_limit
        streamed = streamed_bound(problem, limit, source=source)
        return streamed.pairs, Bound(
            streamed.value,
            f"streamed: capacity Lagrangian of {streamed.batches} batches of categories, "
            f"{streamed.steps} steps, pairs built in {streamed.build_seconds:.1f} s",
            None,
            streamed.seconds,
        )
    time_limit = LP_BOUND_SECONDS if time_limit is None else time_limit
    pairs = eligible_pairs(problem, source=source)
    return len(pairs), lp_bound(
        problem,
        time_limit,
        pairs=pairs,
        mip_seconds=mip_seconds,
        lagrange_seconds=lagrange_seconds,
        exact_seconds=exact_seconds,
    )


def bench_size(
    config: MarketConfig,
    methods: list[str],
    time_limit: float,
    dump: Path | None,
    bound_time_limit: float | None = None,
    mip_bound_seconds: float = 0.0,
    lagrange_seconds: float = 0.0,
    exact_bound_seconds: float = 0.0,
) -> SizeResult:
    problem = generate_market(config).problem
    found = in_child(
        _pairs_and_bound,
        problem,
        bound_time_limit,
        mip_bound_seconds,
        lagrange_seconds,
        exact_bound_seconds,
    )
    if found.error is not None:
        raise RuntimeError(f"the LP bound failed:\n{found.error}")
    candidate_pairs, bound = found.value
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
        (dump / "instance.json").write_text(json.dumps(to_data(problem)))
        (dump / "bound.json").write_text(
            json.dumps(
                {
                    "bound": bound.value,
                    "lp_status": bound.lp_status,
                    "lp_objective": bound.lp_objective,
                    "lp_bound": bound.lp_value,
                    "lagrange_bound": bound.lagrange_value,
                    "lagrange_prices": bound.lagrange_prices,
                    "exact_blocks": bound.exact_blocks,
                    "exact_proven": bound.exact_proven,
                    "seconds": round(bound.seconds, 3),
                }
            )
        )
    lines: list[dict[str, Any]] = []
    failures = 0
    for name in methods:
        run = in_child(METHODS[name], problem, time_limit)
        line = {
            "method": name,
            "orders": len(problem.orders),
            "factories": len(problem.factories),
            "windows": len(problem.windows),
            "candidate_pairs": candidate_pairs,
            "matched_orders": None,
            "matched_units": None,
            "total_units": sum(o.quantity for o in problem.orders),
            "production_cost": None,
            "transport_cost": None,
            "objective": None,
            "bound": math.ceil(bound.value),
            "gap": None,
            "seconds": round(run.seconds, 3),
            "peak_rss_mb": round(run.peak_rss_mb, 1),
        }
        if run.error is not None:
            print(f"{name} failed:\n{run.error}", file=sys.stderr)
            failures += 1
        else:
            placements: list[Placement] = run.value
            if dump is not None:
                (dump / f"{name}.json").write_text(json.dumps(placements_to_data(placements)))
            try:
                score = evaluate_market(problem, placements)
            except InfeasibleAssignment as error:
                print(f"{name} returned an infeasible solution: {error}", file=sys.stderr)
                failures += 1
            else:
                line |= {
                    "matched_orders": score.matched_orders,
                    "matched_units": score.matched_units,
                    "production_cost": score.production_cost_fen / 100,
                    "transport_cost": score.transport_cost_fen / 100,
                    "objective": score.objective,
                    "gap": round(relative_gap(bound.value, score.objective), 6),
                }
        lines.append({key: line[key] for key in KEYS})
    return SizeResult(lines, bound, failures)


# --- output ------------------------------------------------------------------------------

HEADER = (
    f"{'method':<7} {'orders':>7} {'factories':>9} {'windows':>7} {'pairs':>9} "
    f"{'matched':>7} {'units %':>7} {'prod CNY':>14} {'transp CNY':>12} "
    f"{'objective':>17} {'gap %':>7} {'seconds':>8} {'RSS MB':>7}"
)


def table_line(line: dict[str, Any]) -> str:
    def number(value: Any, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    units = (
        None if line["matched_units"] is None else 100 * line["matched_units"] / line["total_units"]
    )
    gap = None if line["gap"] is None else 100 * line["gap"]
    return (
        f"{line['method']:<7} {line['orders']:>7} {line['factories']:>9} {line['windows']:>7} "
        f"{line['candidate_pairs']:>9} {number(line['matched_orders'], '>7')} "
        f"{number(units, '>7.1f')} {number(line['production_cost'], '>14,.2f')} "
        f"{number(line['transport_cost'], '>12,.2f')} {number(line['objective'], '>17,')} "
        f"{number(gap, '>7.3f')} {line['seconds']:>8.1f} {line['peak_rss_mb']:>7.0f}"
    )


def plot(lines: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, gap_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for method in dict.fromkeys(line["method"] for line in lines):
        mine = [line for line in lines if line["method"] == method]
        orders = [line["orders"] for line in mine]
        time_axis.plot(orders, [line["seconds"] for line in mine], marker="o", label=method)
        scored = [line for line in mine if line["gap"] is not None]
        gap_axis.plot(
            [line["orders"] for line in scored],
            [100 * line["gap"] for line in scored],
            marker="o",
            label=method,
        )
    time_axis.set(xscale="log", yscale="log", xlabel="orders", ylabel="seconds (wall clock)")
    gap_axis.set(xscale="log", xlabel="orders", ylabel="gap to the LP bound (%)")
    for axis in (time_axis, gap_axis):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    first, last = lines[0], lines[-1]
    figure.suptitle(
        f"market: {first['orders']}..{last['orders']} orders, "
        f"{first['factories']}..{last['factories']} factories"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def run_market(args: argparse.Namespace) -> int:
    methods = [name.strip() for name in args.methods.split(",") if name.strip()]
    unknown = [name for name in methods if name not in METHODS]
    if unknown or not methods:
        print(f"unknown methods {unknown}; choose from {', '.join(METHODS)}", file=sys.stderr)
        return 2
    if args.orders < 1 or args.factories < 1 or args.weeks < 1:
        print("need --orders, --factories and --weeks of at least 1", file=sys.stderr)
        return 2
    fractions = PLOT_FRACTIONS if args.plot is not None else (1,)
    # the solver's numba kernels, compiled (or loaded from numba's cache) before any clock
    # starts, as a worker does when it starts; the forked method processes inherit them
    print(f"numba warm-up: {warm_up():.2f} s", file=sys.stderr, flush=True)
    if not args.json:
        print(HEADER, flush=True)
    all_lines: list[dict[str, Any]] = []
    failures = 0
    for fraction in fractions:
        full = fraction == 1
        config = MarketConfig(
            orders=max(1, round(args.orders * fraction)),
            factories=max(1, round(args.factories * fraction)),
            weeks=args.weeks,
            seed=args.seed,
            categories=args.categories,
            workers=args.workers,
        )
        result = bench_size(
            config,
            methods,
            args.time_limit,
            args.dump if full else None,
            args.bound_time_limit,
            args.mip_bound,
            args.lagrange_seconds,
            args.exact_bound_seconds,
        )
        failures += result.failures
        all_lines.extend(result.lines)
        for line in result.lines:
            print(json.dumps(line) if args.json else table_line(line), flush=True)
        if not args.json:
            bound = result.bound
            kind = "LP relaxation" if args.mip_bound <= 0 else "LP and HiGHS branch and cut"
            how = (
                bound.lp_status
                if bound.lp_status.startswith("streamed")
                else f"{kind} over every eligible pair, HiGHS {bound.lp_status}"
            )
            print(f"  bound {math.ceil(bound.value):,} ({how}, {bound.seconds:.1f} s)", flush=True)
            if bound.lp_value is not None and bound.lp_value != bound.value:
                lagrange = (
                    "-"
                    if bound.lagrange_value is None
                    else f"{math.ceil(bound.lagrange_value):,} ({bound.lagrange_prices} prices)"
                )
                print(
                    f"  of which: LP {math.ceil(bound.lp_value):,}; with the Lagrangian "
                    f"{lagrange}; CP-SAT bounded {bound.exact_blocks} blocks "
                    f"({bound.exact_proven} proven optimal)",
                    flush=True,
                )
    if args.plot is not None:
        plot(all_lines, args.plot)
    return 1 if failures else 0
