"""``python -m bench market-curve`` plots the points ``market --json`` printed."""

import json
from pathlib import Path

from bench.__main__ import main
from bench.market_curve import read_series


def point(orders: int, seconds: float, method: str = "cpsat") -> str:
    return json.dumps(
        {"method": method, "orders": orders, "seconds": seconds, "peak_rss_mb": orders / 40}
    )


def test_it_draws_one_line_per_label_and_method_sorted_by_orders(tmp_path: Path) -> None:
    big, small = tmp_path / "big.json", tmp_path / "small.json"
    big.write_text(point(100_000, 61.0) + "\n" + point(100_000, 70.0, "greedy") + "\n")
    small.write_text(point(10_000, 29.5) + "\n")
    out = tmp_path / "curve.png"

    assert main(["market-curve", "--out", str(out), f"after={big},{small}"]) == 0

    assert out.read_bytes()[:4] == b"\x89PNG"
    lines = read_series(f"after={big},{small}")
    assert sorted(lines) == ["after cpsat", "after greedy"]
    assert [p["orders"] for p in lines["after cpsat"]] == [10_000, 100_000]
