"""Reading the OR-Library single-instance GAP format (no Django, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.gap_solver import GapInstance, parse_gap, read_gap

DATA = Path(__file__).resolve().parents[1] / "data" / "gap"


def test_parser_reads_agents_jobs_costs_weights_and_capacities_in_order() -> None:
    text = "2 3\n 1 2 3\n 4 5 6\n 7 8 9 10 11 12\n 20 30\n"
    assert parse_gap(text) == GapInstance(
        cost=((1, 2, 3), (4, 5, 6)),
        weight=((7, 8, 9), (10, 11, 12)),
        capacity=(20, 30),
    )


def test_parser_ignores_line_breaks() -> None:
    assert parse_gap("2 3 1 2 3 4 5 6 7 8 9 10 11 12 20 30") == parse_gap(
        "2\n3\n1 2\n3 4 5 6 7 8 9 10\n11 12\n20\n30\n"
    )


def test_parser_reads_an_or_library_file() -> None:
    instance = read_gap(DATA / "gap12-4")
    assert (instance.agents, instance.jobs) == (10, 60)
    assert len(instance.cost) == 10 and all(len(row) == 60 for row in instance.cost)
    assert len(instance.weight) == 10 and len(instance.capacity) == 10


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "expected 'agents jobs'"),
        ("2 3 1 2 3", "needs 16 numbers, found 5"),
        ("1 1 5 5 5 5", "needs 5 numbers, found 6"),
        ("1 1 5 x 5", "not a GAP instance"),
        ("0 3", "0 agents"),
    ],
)
def test_parser_rejects_malformed_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_gap(text)
