"""Seconds and peak memory against orders, on log-log axes, from ``market --json`` lines.

``python -m bench market-curve --out docs/market-scale.png before=a.json,b.json
after=c.json,d.json``: each ``LABEL=FILES`` is one line of the plot, made of the JSON
lines (one per method and size) that ``python -m bench market --json`` printed into those
files; a line per method when the files hold several.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HELP = "plot seconds and peak memory against orders (log-log) from market --json output"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.png")
    parser.add_argument("--title", default="market: seconds and peak memory against orders")
    parser.add_argument("series", nargs="+", metavar="LABEL=FILE[,FILE...]")


def read_series(spec: str) -> dict[str, list[dict[str, Any]]]:
    """``LABEL=FILES`` -> {line name: its points by orders}."""
    label, _, files = spec.partition("=")
    lines: dict[str, list[dict[str, Any]]] = {}
    for name in files.split(","):
        for text in Path(name).read_text().splitlines():
            if text.strip():
                point = json.loads(text)
                lines.setdefault(f"{label} {point['method']}", []).append(point)
    return {name: sorted(points, key=lambda p: p["orders"]) for name, points in lines.items()}


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for spec in args.series:
        for name, points in read_series(spec).items():
            orders = [p["orders"] for p in points]
            time_axis.plot(orders, [p["seconds"] for p in points], marker="o", label=name)
            memory_axis.plot(orders, [p["peak_rss_mb"] for p in points], marker="o", label=name)
    time_axis.set(xscale="log", yscale="log", xlabel="orders", ylabel="seconds (wall clock)")
    memory_axis.set(xscale="log", yscale="log", xlabel="orders", ylabel="peak RSS (MB)")
    for axis in (time_axis, memory_axis):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle(args.title)
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)
    plt.close(figure)
    return 0
