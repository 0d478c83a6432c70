"""``python -m bench gap``: JSON lines, the table and certificates (no database)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.evaluate import evaluate_gap
from bench.gap_solver import read_gap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "gap"
KEYS = {"instance", "agents", "jobs", "objective", "bound", "status", "seconds"}


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", "gap", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_prints_one_json_line_per_instance_and_writes_accepted_certificates(
    tmp_path: Path,
) -> None:
    certificates = tmp_path / "certs"
    done = bench(
        str(DATA / "gap1-0"),
        str(DATA / "gap4-1"),
        "--time-limit",
        "3",
        "--json",
        "--certificates",
        str(certificates),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2
    for line, name in zip(lines, ("gap1-0", "gap4-1"), strict=True):
        record = json.loads(line)
        assert set(record) == KEYS
        assert record["instance"] == name
        instance = read_gap(DATA / name)
        assert (record["agents"], record["jobs"]) == (instance.agents, instance.jobs)
        assert record["bound"] <= record["objective"]
        assert record["status"] in ("OPTIMAL", "FEASIBLE")
        assert record["seconds"] >= 0
        agents = [int(token) for token in (certificates / f"{name}.txt").read_text().split()]
        assert evaluate_gap(instance, agents) == record["objective"]


def test_cli_walks_directories_skips_non_instances_and_shows_best_known_in_the_table() -> None:
    done = bench(str(DATA), "--time-limit", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].split()[:4] == ["instance", "agents", "jobs", "objective"]
    assert "best_known" in lines[0] and "above%" in lines[0]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    # best_known.csv itself is not an instance; each instance shows its best known value.
    assert set(rows) == {"gap1-0", "gap4-1", "gap8-3", "gap12-4"}
    assert rows["gap1-0"][6] == "261"


def test_cli_fails_on_a_missing_path(tmp_path: Path) -> None:
    done = bench(str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "no such file or directory" in done.stderr
