"""``python -m bench candidates``: one JSON line for the generator and one per method, and
both methods find the same pairs and reasons (no database)."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main


def test_objects_and_arrays_print_the_same_pairs_and_reasons(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["candidates", "--orders", "400", "--factories", "80", "--seed", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["method"] for line in lines] == ["generate", "objects", "arrays"]
    generate, objects, arrays = lines
    assert (generate["orders"], generate["factories"]) == (400, 80)
    assert generate["seconds"] >= 0 and generate["peak_rss_mb"] > 0
    for key in ("pairs", "unmatched", "components", "largest_component", "digest"):
        assert objects[key] == arrays[key]
    assert arrays["pairs"] > 0
    for line in (objects, arrays):
        assert line["seconds"] >= 0 and line["components_seconds"] >= 0
        assert line["peak_rss_mb"] > 0


def test_one_method_only_and_an_unknown_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["candidates", "--orders", "50", "--factories", "20", "--methods", "arrays"]) == 0
    methods = [json.loads(line)["method"] for line in capsys.readouterr().out.splitlines()]
    assert methods == ["generate", "arrays"]
    assert main(["candidates", "--methods", "dicts"]) == 2
