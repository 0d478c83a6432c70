"""The stylesheet's palette: every text colour on its backgrounds reaches WCAG AA contrast
(4.5:1), including colours no page the browser tests visit happens to show (axe-core checks
contrast only on rendered pages). Every page the browser tests reach is checked by axe-core
(tests/browser/conftest.py), as are labels, headings and phone width."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "marketplace/static/marketplace/site.css").read_text()


def colour(name: str) -> str:
    found = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)
    assert found, f"--{name} is not a #rrggbb colour in site.css"
    return found.group(1)


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


PAIRS = [
    ("ink", "paper"),
    ("muted", "paper"),
    ("muted", "tint"),
    ("accent", "paper"),
    ("accent-ink", "accent"),
    ("danger", "paper"),
    ("ok", "paper"),
    ("warn", "paper"),
]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_reach_aa_contrast(text: str, background: str) -> None:
    ratio = contrast(colour(text), colour(background))

    assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("#1d6b35", "#e3f3e8"),
        ("#a4161a", "#fbe4e4"),
        ("#7a4d00", "#fff1d6"),
        ("#ffffff", "#a4161a"),
    ],
)
def test_message_colours_reach_aa_contrast(text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5


def test_the_contrast_formula_is_right() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
