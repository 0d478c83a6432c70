"""Time the eligible pairs of a generated marketplace: objects against arrays.

``python -m bench candidates --orders N --factories M`` generates the market instance
(``market_generate``, the one ``python -m bench market`` solves), then builds its eligible
pairs and components in a forked process per method, and prints one JSON object per line:

- ``generate``: the generator (seconds, and the peak memory of this process after it);
- ``objects``: ``candidates.find_candidates`` then ``model.independent_components``;
- ``arrays``: ``candidate_arrays.build_candidate_arrays`` then ``candidate_arrays.components``.

``seconds`` is the build of the pairs, ``components_seconds`` the components after it;
``peak_rss_mb`` is the peak of the method's forked process, ``added_rss_mb`` how far that
peak rose above the process's memory when the method started (what the pairs and components
cost; the instance is inherited from the parent, whose peak is ``instance_rss_mb``).
``digest`` hashes the sorted (order id, window id) pairs and the unmatched reasons, so equal
digests mean the same pairs and reasons (computed for the arrays only when the objects run
too: it sorts every pair).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from typing import Any

import numpy as np

from bench.market import in_child
from bench.market_generate import MarketConfig, generate_market
from matching.solver.candidate_arrays import CandidateArrays, build_candidate_arrays, components
from matching.solver.candidates import find_candidates
from matching.solver.model import independent_components
from matching.solver.problem import MatchingProblem, UnmatchedReason

HELP = "time the eligible pairs of a generated market: objects against numpy arrays"
METHODS = ("objects", "arrays")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=10_000, help="orders (default 10000)")
    parser.add_argument("--factories", type=int, default=2_000, help="factories (default 2000)")
    parser.add_argument("--weeks", type=int, default=8, help="weeks of capacity (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated, of {', '.join(METHODS)} (default both)",
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from /proc (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def digest(keys: np.ndarray, unmatched: dict[int, UnmatchedReason]) -> str:
    """Of the sorted (order id, window id) pairs and the sorted unmatched reasons."""
    pairs = np.asarray(keys, dtype=np.int64).reshape(-1, 2)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    hashed = hashlib.sha256(pairs.tobytes())
    hashed.update(json.dumps(sorted((k, v.value) for k, v in unmatched.items())).encode())
    return hashed.hexdigest()[:16]


def with_objects(problem: MatchingProblem) -> dict[str, Any]:
    rss_before = rss_mb("VmRSS")
    started = time.perf_counter()
    candidates, unmatched = find_candidates(problem)
    built = time.perf_counter()
    groups = independent_components(candidates)
    done = time.perf_counter()
    added = rss_mb("VmHWM") - rss_before
    keys = np.array([c.key for c in candidates], dtype=np.int64)
    return {
        "pairs": len(candidates),
        "unmatched": len(unmatched),
        "components": len(groups),
        "largest_component": len(groups[0]) if groups else 0,
        "seconds": round(built - started, 3),
        "components_seconds": round(done - built, 3),
        "added_rss_mb": round(added, 1),
        "digest": digest(keys, unmatched),
    }


def digest_of_arrays(
    problem: MatchingProblem, arrays: CandidateArrays, unmatched: dict[int, UnmatchedReason]
) -> str:
    order_ids = np.array([o.id for o in problem.orders], dtype=np.int64)
    window_ids = np.array([w.id for w in problem.windows], dtype=np.int64)
    keys = np.stack((order_ids[arrays.order], window_ids[arrays.window]), axis=1)
    return digest(keys, unmatched)


def with_arrays(problem: MatchingProblem, with_digest: bool = True) -> dict[str, Any]:
    rss_before = rss_mb("VmRSS")
    started = time.perf_counter()
    arrays = build_candidate_arrays(problem)
    unmatched = arrays.unmatched(problem)
    built = time.perf_counter()
    labels = components(problem, arrays)
    done = time.perf_counter()
    added = rss_mb("VmHWM") - rss_before
    sizes = np.bincount(labels) if len(labels) else np.zeros(0, dtype=np.int64)
    return {
        "pairs": len(arrays),
        "unmatched": len(unmatched),
        "components": len(sizes),
        "largest_component": int(sizes.max()) if len(sizes) else 0,
        "seconds": round(built - started, 3),
        "components_seconds": round(done - built, 3),
        "added_rss_mb": round(added, 1),
        "digest": digest_of_arrays(problem, arrays, unmatched) if with_digest else None,
    }


def run(args: argparse.Namespace) -> int:
    methods = [name.strip() for name in args.methods.split(",") if name.strip()]
    if not methods or any(name not in METHODS for name in methods):
        print(f"choose --methods from {', '.join(METHODS)}", file=sys.stderr)
        return 2
    config = MarketConfig(
        orders=args.orders, factories=args.factories, weeks=args.weeks, seed=args.seed
    )
    started = time.perf_counter()
    problem = generate_market(config).problem
    size = {
        "orders": len(problem.orders),
        "factories": len(problem.factories),
        "windows": len(problem.windows),
    }
    instance_rss = peak_rss_mb()
    print(
        json.dumps(
            {"method": "generate"}
            | size
            | {
                "seconds": round(time.perf_counter() - started, 3),
                "peak_rss_mb": round(instance_rss, 1),
            }
        ),
        flush=True,
    )
    failures = 0
    digests = set()
    for name in methods:
        if name == "objects":
            result = in_child(with_objects, problem)
        else:  # the digest (sorting every pair) only to compare with the objects
            result = in_child(with_arrays, problem, "objects" in methods)
        if result.error is not None:
            print(f"{name} failed:\n{result.error}", file=sys.stderr)
            failures += 1
            continue
        if result.value["digest"] is not None:
            digests.add(result.value["digest"])
        line = (
            {"method": name}
            | size
            | result.value
            | {
                "peak_rss_mb": round(result.peak_rss_mb, 1),
                "instance_rss_mb": round(instance_rss, 1),
            }
        )
        print(json.dumps(line), flush=True)
    if len(digests) > 1:
        print("the methods found different pairs or reasons", file=sys.stderr)
        failures += 1
    return 1 if failures else 0
