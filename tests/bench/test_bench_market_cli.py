"""``python -m bench market``: JSON lines with exactly the documented keys, the
table, the dump and the plot (run through ``run_market``; no database)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bench.market import KEYS, add_market_parser, run_market
from bench.market_score import score_dump


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    add_market_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["market", *argv])


def test_json_prints_one_line_per_method_with_exactly_the_keys_and_dumps_what_it_scored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = parse(
        "--orders", "300", "--factories", "60", "--weeks", "6", "--seed", "3",
        "--time-limit", "2", "--json", "--dump", str(tmp_path),
    )  # fmt: skip
    assert args.run is run_market
    assert run_market(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["method"] for line in lines] == ["greedy", "highs", "cpsat"]
    for line in lines:
        assert list(line) == list(KEYS)
        assert (line["orders"], line["factories"]) == (300, 60)
        assert line["candidate_pairs"] > 0
        assert 0 < line["matched_units"] <= line["total_units"]
        assert line["objective"] <= line["bound"]
        assert line["gap"] == pytest.approx(
            (line["bound"] - line["objective"]) / line["bound"], abs=1e-6
        )
        assert line["seconds"] >= 0 and line["peak_rss_mb"] > 0
    by_method = {line["method"]: line for line in lines}
    assert by_method["cpsat"]["objective"] >= by_method["greedy"]["objective"]

    assert {p.name for p in tmp_path.iterdir()} == {
        "instance.json", "bound.json", "greedy.json", "highs.json", "cpsat.json",
    }  # fmt: skip
    assert json.loads((tmp_path / "bound.json").read_text())["bound"] <= lines[0]["bound"]
    for row in score_dump(tmp_path):
        line = by_method[str(row["method"])]
        assert row["feasible"] is True
        assert (row["matched_orders"], row["objective"]) == (
            line["matched_orders"],
            line["objective"],
        )


def test_without_json_it_prints_a_table_with_the_bound(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse("--orders", "80", "--factories", "20", "--methods", "greedy", "--seed", "1")
    assert run_market(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["method", "orders", "factories"]
    assert out[1].split()[:3] == ["greedy", "80", "20"]
    assert out[2].strip().startswith("bound ")


def test_plot_runs_four_sizes_and_writes_a_png(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png = tmp_path / "market.png"
    args = parse(
        "--orders", "160", "--factories", "40", "--methods", "greedy", "--json",
        "--plot", str(png),
    )  # fmt: skip
    assert run_market(args) == 0
    sizes = [json.loads(line)["orders"] for line in capsys.readouterr().out.splitlines()]
    assert sizes == [20, 40, 80, 160]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unknown_method_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_market(parse("--methods", "greedy,magic")) == 2
    assert "magic" in capsys.readouterr().err
