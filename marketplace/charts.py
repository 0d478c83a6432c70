"""Small charts drawn on the server as standalone SVG: no JavaScript, no CDN.

Pure functions of their arguments (no models, no settings): the same data gives the same
bytes. Every label is escaped (it may hold ``<``, ``&``, quotes or Chinese) and characters
XML does not allow are dropped, so the result is always well-formed XML that can be
inlined in a page (mark it safe there) or served as ``image/svg+xml``. Each chart has
``role="img"`` with a ``<title>`` and a ``<desc>`` that lists the data for screen readers,
and each bar or cell has its own ``<title>`` as a tooltip.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence

FONT = (
    "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'PingFang SC', "
    "'Microsoft YaHei', sans-serif"
)
TEXT = "#111827"
MUTED = "#4b5563"  # 7:1 on white, 6.6:1 on the empty cell grey
EMPTY_CELL = "#f3f4f6"
BAR = "#2563eb"
LOW = "#eff6ff"
HIGH = "#1e3a8a"

TITLE_SIZE = 15
LABEL_SIZE = 12
PAD = 8
TITLE_HEIGHT = 30

# characters XML 1.0 allows: tab, newline, return, and everything from space up except
# surrogates and U+FFFE/U+FFFF
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ValueFormat = Callable[[float], str]


def bar_chart_svg(
    *,
    title: str,
    bars: Sequence[tuple[str, float]],
    unit: str = "",
    max_value: float | None = None,
    width: int = 640,
    height: int | None = None,
    description: str = "",
    value_format: ValueFormat | None = None,
    colour: str = BAR,
    labels_above: bool = False,
) -> str:
    """Horizontal bars, one per ``(label, value)``, in the given order.

    A bar's length is ``value / max_value`` of the plot width (``max_value`` defaults to
    the largest value), clipped to 0..1; the value is written after the bar as
    ``value_format(value)`` (default: the number, grouped, then ``unit``). ``height``
    defaults to what the bars need (28 px each, 40 with ``labels_above``). Labels are
    left of their bars, or with ``labels_above`` on a line of their own above them, so
    that a narrow chart (fit for a phone screen) keeps its bars long and its labels whole.
    Long labels are shortened with an ellipsis; the full label is in the bar's tooltip
    and in the description.
    """
    fmt = value_format or _formatter(unit)
    values = [_finite(value) for _label, value in bars]
    labels = [_clean(label) for label, _value in bars]
    texts = [fmt(value) for value in values]
    top = max([*values, 0.0]) if max_value is None else _finite(max_value)
    natural_row = 40.0 if labels_above else 28.0
    row = (
        natural_row
        if height is None or not bars
        else max((height - TITLE_HEIGHT - PAD) / len(bars), 8)
    )
    height = height or int(TITLE_HEIGHT + PAD + row * max(len(bars), 1))
    label_width: float
    if labels_above:
        label_width = width - PAD  # the whole line less the margins (see _shorten below)
    else:
        label_width = min(
            max([_text_width(t, LABEL_SIZE) for t in labels] + [0]) + PAD, width * 0.38
        )
    value_width = max([_text_width(t, LABEL_SIZE) for t in texts] + [0]) + PAD
    plot_x = PAD if labels_above else PAD + label_width
    plot_width = max(width - plot_x - value_width - PAD, 1.0)
    chart_id = _chart_id(
        "bar", title, repr((labels, values, top, unit, width, height, labels_above))
    )
    data = "; ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True))
    parts = _open(chart_id, title, _joined(description, data), width, height)
    if not bars:
        parts.append(_text(PAD, TITLE_HEIGHT + 18, "-", fill=MUTED))
    label_line = LABEL_SIZE + 4 if labels_above else 0.0  # the label's own line
    for n, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        top_y = TITLE_HEIGHT + n * row
        y = top_y + label_line
        bar_height = max(row - 10 - label_line, 4.0)
        length = plot_width * min(max(value / top, 0.0), 1.0) if top > 0 else 0.0
        middle = y + bar_height / 2 + LABEL_SIZE * 0.35
        shown = _shorten(label, label_width - PAD, LABEL_SIZE)
        parts += [
            '<g class="bar">',
            f"<title>{_esc(label)}: {_esc(text)}</title>",
            _text(PAD, top_y + LABEL_SIZE, shown)
            if labels_above
            else _text(plot_x - PAD, middle, shown, anchor="end"),
            f'<rect x="{_n(plot_x)}" y="{_n(y)}" width="{_n(length)}" '
            f'height="{_n(bar_height)}" fill="{_esc(colour)}"/>',
            _text(plot_x + length + 4, middle, text),
            "</g>",
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def heatmap_svg(
    *,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    unit: str = "",
    min_value: float | None = None,
    max_value: float | None = None,
    cell_width: int = 72,
    cell_height: int = 28,
    description: str = "",
    value_format: ValueFormat | None = None,
    empty_label: str = "no data",
    low_colour: str = LOW,
    high_colour: str = HIGH,
) -> str:
    """A grid of ``rows`` x ``columns`` cells coloured from ``low_colour`` at
    ``min_value`` to ``high_colour`` at ``max_value`` (defaults: the smallest and largest
    value), each with its value written in it in a colour that contrasts with the fill.
    A None value is an empty (grey) cell. A legend of five steps follows, with the empty
    cell's meaning (``empty_label``) when there is one.
    """
    if len(values) != len(rows) or any(len(line) != len(columns) for line in values):
        raise ValueError("values must have one row per row label and one value per column")
    fmt = value_format or _formatter(unit)
    row_labels = [_clean(label) for label in rows]
    column_labels = [_clean(label) for label in columns]
    grid = [[None if v is None else _finite(v) for v in line] for line in values]
    present = [v for line in grid for v in line if v is not None]
    low = _finite(min_value) if min_value is not None else min(present, default=0.0)
    high = _finite(max_value) if max_value is not None else max(present, default=1.0)
    if high <= low:
        high = low + 1.0
    label_width = max([_text_width(t, LABEL_SIZE) for t in row_labels] + [0]) + PAD
    grid_x = PAD + label_width
    grid_y = TITLE_HEIGHT + 22
    legend_y = grid_y + cell_height * len(row_labels) + 14
    has_empty = any(v is None for line in grid for v in line)
    # the legend: five steps of the scale, then the empty cell, its label written in full
    legend_width: float = cell_width * (5 + has_empty)
    if has_empty:
        legend_width += max(_text_width(_clean(empty_label), LABEL_SIZE) - cell_width, 0)
    width = int(math.ceil(grid_x + max(cell_width * len(column_labels), legend_width) + PAD))
    height = int(legend_y + 44)
    chart_id = _chart_id(
        "heatmap", title, repr((row_labels, column_labels, grid, low, high, unit, cell_width))
    )
    data = "; ".join(
        f"{row}: "
        + ", ".join(
            f"{column} {empty_label if v is None else fmt(v)}"
            for column, v in zip(column_labels, line, strict=True)
        )
        for row, line in zip(row_labels, grid, strict=True)
    )
    parts = _open(chart_id, title, _joined(description, data), width, height)
    for c, column in enumerate(column_labels):
        x = grid_x + c * cell_width + cell_width / 2
        parts.append(
            _text(x, grid_y - 8, _shorten(column, cell_width - 4, LABEL_SIZE), anchor="middle")
        )
    for r, row in enumerate(row_labels):
        y = grid_y + r * cell_height
        parts.append(_text(grid_x - PAD, y + cell_height / 2 + 4, row, anchor="end"))
        for c, value in enumerate(grid[r]):
            x = grid_x + c * cell_width
            if value is None:
                fill, ink, text = EMPTY_CELL, MUTED, "-"
            else:
                fill = _mix(low_colour, high_colour, (value - low) / (high - low))
                ink, text = _ink(fill), fmt(value)
            shown = empty_label if value is None else text
            parts += [
                '<g class="cell">',
                f"<title>{_esc(row)}, {_esc(column_labels[c])}: {_esc(shown)}</title>",
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{cell_width}" height="{cell_height}" '
                f'fill="{fill}" stroke="#ffffff"/>',
                _text(x + cell_width / 2, y + cell_height / 2 + 4, text, anchor="middle", fill=ink),
                "</g>",
            ]
    steps = [low + (high - low) * n / 4 for n in range(5)]
    legend = [(fmt(v), _mix(low_colour, high_colour, n / 4)) for n, v in enumerate(steps)]
    if has_empty:
        legend.append((_clean(empty_label), EMPTY_CELL))
    parts.append('<g class="legend">')
    for n, (text, fill) in enumerate(legend):
        x = grid_x + n * cell_width
        parts += [
            f'<rect x="{_n(x)}" y="{_n(legend_y)}" width="{cell_width - 4}" height="12" '
            f'fill="{fill}" stroke="#d1d5db"/>',
            _text(
                x,
                legend_y + 28,
                text if n == 5 else _shorten(text, cell_width - 4, LABEL_SIZE),
                fill=MUTED,
            ),
        ]
    parts += ["</g>", "</svg>"]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------


def _open(chart_id: str, title: str, desc: str, width: float, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="{_n(width)}" '
        f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'font-family="{_esc(FONT)}" font-size="{LABEL_SIZE}">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
        _text(
            PAD,
            20,
            _shorten(_clean(title), width - 2 * PAD, TITLE_SIZE),
            size=TITLE_SIZE,
            bold=True,
        ),
    ]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = TEXT,
    size: int | None = None,
    bold: bool = False,
) -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if size:
        attrs += f' font-size="{size}"'
    if bold:
        attrs += ' font-weight="bold"'
    return f"<text {attrs}>{_esc(text)}</text>"


def _clean(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _esc(text: object) -> str:
    return html.escape(_clean(text), quote=True)


def _joined(description: str, data: str) -> str:
    description = _clean(description).strip()
    return f"{description} {data}".strip() if data else description


def _finite(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def _n(value: float) -> str:
    """A coordinate, with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _formatter(unit: str) -> ValueFormat:
    unit = _clean(unit)
    suffix = unit if unit in ("%", "‰", "°") or not unit else f" {unit}"

    def fmt(value: float) -> str:
        if abs(value - round(value)) < 0.05 or abs(value) >= 100:
            return f"{round(value):,}{suffix}"
        return f"{value:,.1f}{suffix}"

    return fmt


def _text_width(text: str, size: float) -> float:
    """An estimate: wide (CJK) characters are one em, the others 0.6 em."""
    return sum(
        size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.6 for ch in text
    )


def _shorten(text: str, width: float, size: float) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _chart_id(kind: str, title: str, payload: str) -> str:
    """The same chart gets the same id; two different charts on a page do not clash."""
    digest = hashlib.sha1(f"{kind}\0{title}\0{payload}".encode(), usedforsecurity=False)
    return f"chart-{kind}-{digest.hexdigest()[:10]}"


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _mix(low: str, high: str, share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    mixed = (round(a + (b - a) * share) for a, b in zip(_rgb(low), _rgb(high), strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, 1..21."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _ink(fill: str) -> str:
    """Dark text on light cells, white on dark ones: whichever contrasts more."""
    return TEXT if _contrast(fill, TEXT) >= _contrast(fill, "#ffffff") else "#ffffff"
