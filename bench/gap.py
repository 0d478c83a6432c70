"""Solve min-cost Generalized Assignment instances (OR-Library single-instance format).

Every solution is checked and scored by ``bench.evaluate.evaluate_gap``; the solver's
own objective is never printed. When a ``best_known.csv`` (columns ``instance`` and
``best_known_value``) sits in an instance's directory or any parent, the table shows the best
known value and how far above it the objective is.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench import gap_branch, gap_tabu
from bench.evaluate import InfeasibleSolution, evaluate_gap
from bench.gap_solver import GapInstance, read_gap, solve_gap, solve_gap_cpsat

HELP = "solve Generalized Assignment instances (OR-Library format)"
METHODS = ("solver", "cpsat")
# Files met while walking a directory that are certainly not instances.
NOT_INSTANCES = {".csv", ".md", ".txt", ".json", ".jsonl", ".py", ".sol", ".bound"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        type=Path,
        help="instance files or directories (searched recursively)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="S",
        help="wall-clock seconds per instance (default 60)",
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="solver",
        help="solver: solve_gap (default); cpsat: plain CP-SAT on the full model (reference)",
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--certificates",
        type=Path,
        metavar="DIR",
        help="write DIR/<instance>.txt: the 0-based agent of each job",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per instance and line"
    )


@dataclass(frozen=True)
class Row:
    instance: str
    agents: int
    jobs: int
    objective: int | None
    bound: int | None
    status: str
    seconds: float
    best_known: int | None

    def as_json(self) -> str:
        return json.dumps(
            {
                "instance": self.instance,
                "agents": self.agents,
                "jobs": self.jobs,
                "objective": self.objective,
                "bound": self.bound,
                "status": self.status,
                "seconds": round(self.seconds, 3),
            }
        )


def instance_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Explicit files as given; directories walked recursively in name order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix not in NOT_INSTANCES
                    and not (child.name.startswith("."))
                ):
                    yield child
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")


@cache
def best_known_table(csv_path: Path) -> dict[str, int]:
    with csv_path.open(newline="") as handle:
        return {
            row["instance"].strip(): int(row["best_known_value"])
            for row in csv.DictReader(handle, skipinitialspace=True)
            if row.get("instance") and row.get("best_known_value")
        }


def best_known(path: Path) -> int | None:
    """The best known value of the instance named like ``path``, from the nearest CSV above."""
    for directory in path.resolve().parents:
        candidate = directory / "best_known.csv"
        if candidate.is_file():
            value = best_known_table(candidate).get(path.name)
            if value is not None:
                return value
    return None


def solve_one(path: Path, instance: GapInstance, args: argparse.Namespace) -> Row:
    solve = solve_gap_cpsat if args.method == "cpsat" else solve_gap
    solution = solve(
        instance, time_limit_seconds=args.time_limit, workers=args.workers, seed=args.seed
    )
    objective: int | None = None
    status = solution.status
    if solution.assignment:
        try:
            objective = evaluate_gap(instance, solution.assignment)
        except InfeasibleSolution as error:
            print(f"{path.name}: solver returned an infeasible solution: {error}", file=sys.stderr)
            status = "INVALID"
        else:
            if args.certificates is not None:
                args.certificates.mkdir(parents=True, exist_ok=True)
                text = " ".join(str(agent) for agent in solution.assignment)
                (args.certificates / f"{path.name}.txt").write_text(text + "\n")
    return Row(
        path.name,
        instance.agents,
        instance.jobs,
        objective,
        solution.bound,
        status,
        solution.seconds,
        best_known(path),
    )


def percent(numerator: float, denominator: float) -> str:
    return f"{100.0 * numerator / abs(denominator):.3f}" if denominator else "-"


def table_line(row: Row) -> str:
    objective = "-" if row.objective is None else str(row.objective)
    bound = "-" if row.bound is None else str(row.bound)
    gap = (
        percent(row.objective - row.bound, row.objective)
        if row.objective is not None and row.bound is not None
        else "-"
    )
    known = "-" if row.best_known is None else str(row.best_known)
    above = (
        percent(row.objective - row.best_known, row.best_known)
        if row.objective is not None and row.best_known is not None
        else "-"
    )
    return (
        f"{row.instance:<12} {row.agents:>6} {row.jobs:>5} {objective:>9} {bound:>9} "
        f"{gap:>7} {known:>10} {above:>7} {row.status:<9} {row.seconds:>7.1f}"
    )


HEADER = (
    f"{'instance':<12} {'agents':>6} {'jobs':>5} {'objective':>9} {'bound':>9} "
    f"{'gap%':>7} {'best_known':>10} {'above%':>7} {'status':<9} {'seconds':>7}"
)


def run(args: argparse.Namespace) -> int:
    try:
        files = list(instance_files(args.paths))
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    explicit = {path.resolve() for path in args.paths if path.is_file()}
    if args.method == "solver":
        # Compile (first run) or load the cached machine code of the tabu search and the
        # branch and bound once, before any instance's clock starts; its seconds are printed,
        # not counted in any instance.
        seconds = gap_tabu.warm_up() + gap_branch.warm_up()
        print(f"numba warm-up: {seconds:.2f} s", file=sys.stderr, flush=True)
    if not args.json:
        print(HEADER, flush=True)
    failures = 0
    for path in files:
        try:
            instance = read_gap(path)
        except ValueError as error:
            if path.resolve() in explicit:
                print(f"{path}: {error}", file=sys.stderr)
                failures += 1
            continue  # a file met while walking a directory that is not an instance
        row = solve_one(path, instance, args)
        failures += row.status == "INVALID"
        print(row.as_json() if args.json else table_line(row), flush=True)
    return 1 if failures else 0
