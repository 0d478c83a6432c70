"""Server-drawn SVG charts: well-formed, accessible, escaped, deterministic, to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from marketplace.charts import bar_chart_svg, heatmap_svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _child(element: ET.Element, tag: str) -> ET.Element:
    found = element.find(f"{NS}{tag}")
    assert found is not None, tag
    return found


def _text(element: ET.Element) -> str:
    assert element.text is not None
    return element.text


def _number(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute, "nan"))


def _bars(root: ET.Element) -> list[ET.Element]:
    return [_child(g, "rect") for g in root.iter(f"{NS}g") if g.get("class") == "bar"]


def _cells(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "cell"]


def test_a_bar_chart_is_an_accessible_image_with_a_title_and_a_description_of_its_data() -> None:
    root = _parse(
        bar_chart_svg(
            title="Fill rate",
            bars=[("T-shirts", 80), ("Jeans", 25.5)],
            unit="%",
            max_value=100,
            description="Units matched over units ordered.",
        )
    )

    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    title, desc = _child(root, "title"), _child(root, "desc")
    assert title is not None and title.text == "Fill rate"
    assert desc is not None
    assert desc.text == "Units matched over units ordered. T-shirts: 80%; Jeans: 25.5%"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


def test_labels_with_markup_ampersands_quotes_and_chinese_are_escaped_and_kept() -> None:
    label = 'T恤 <script>alert("x")</script> & 卫衣 \x00'
    svg = bar_chart_svg(title="<Fill> & 'rate'", bars=[(label, 1)], unit="件")

    assert "<script>" not in svg
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert texts[0] == "<Fill> & 'rate'"
    assert 'T恤 <script>alert("x")</script> & 卫衣 ' in "".join(root.itertext())
    assert "1 件" in texts


def test_bar_lengths_are_proportional_to_their_values_and_clipped_at_the_maximum() -> None:
    root = _parse(
        bar_chart_svg(
            title="Fill rate",
            bars=[("a", 100), ("b", 50), ("c", 0), ("d", 150), ("e", -10)],
            unit="%",
            max_value=100,
        )
    )

    widths = [_number(rect, "width") for rect in _bars(root)]
    full = widths[0]
    assert full > 100
    assert widths[1] == pytest.approx(full / 2, abs=0.01)
    assert widths[2:] == [0.0, full, 0.0]
    # the value written is the real one, above the maximum too
    assert "150%" in [t.text for t in root.iter(f"{NS}text")]


def test_without_a_maximum_the_largest_bar_fills_the_plot() -> None:
    root = _parse(bar_chart_svg(title="Units", bars=[("a", 30), ("b", 120)], unit="units"))

    small, large = (_number(rect, "width") for rect in _bars(root))
    assert small == pytest.approx(large / 4, abs=0.01)
    assert "120 units" in [t.text for t in root.iter(f"{NS}text")]


def test_long_labels_are_shortened_on_the_chart_but_whole_in_the_tooltip() -> None:
    label = "Very long category name " * 10
    root = _parse(bar_chart_svg(title="t", bars=[(label, 1)], width=400))

    [group] = [g for g in root.iter(f"{NS}g") if g.get("class") == "bar"]
    shown = group.findall(f"{NS}text")[0].text
    assert shown is not None
    assert shown.endswith("…") and len(shown) < len(label)
    assert _text(_child(group, "title")) == f"{label}: 1"


def test_the_same_data_gives_the_same_chart_and_other_data_another_id() -> None:
    def chart(value: float) -> str:
        return bar_chart_svg(title="t", bars=[("a", value), ("b", 2)])

    assert chart(1) == chart(1)
    assert _child(_parse(chart(1)), "title").get("id") != _child(_parse(chart(3)), "title").get(
        "id"
    )


def test_a_chart_without_bars_is_still_a_valid_image() -> None:
    root = _parse(bar_chart_svg(title="Nothing matched", bars=[], unit="%"))

    assert root.get("role") == "img" and _bars(root) == []


def test_a_heatmap_colours_cells_by_value_with_readable_text_and_a_legend() -> None:
    svg = heatmap_svg(
        title="Utilisation",
        rows=["广东", "Zhejiang & <co>"],
        columns=["2026-W48", "2026-W49"],
        values=[[0, 100], [None, 50]],
        unit="%",
        min_value=0,
        max_value=100,
        empty_label="no capacity",
    )

    root = _parse(svg)
    assert root.get("role") == "img"
    cells = _cells(root)
    assert [_text(_child(c, "title")) for c in cells] == [
        "广东, 2026-W48: 0%",
        "广东, 2026-W49: 100%",
        "Zhejiang & <co>, 2026-W48: no capacity",
        "Zhejiang & <co>, 2026-W49: 50%",
    ]
    fills = [_child(c, "rect").get("fill") for c in cells]
    assert fills[0] == "#eff6ff" and fills[1] == "#1e3a8a"  # the two ends of the scale
    assert fills[2] == "#f3f4f6"  # no value: grey
    inks = [_child(c, "text").get("fill") for c in cells]
    assert inks[0] == "#111827" and inks[1] == "#ffffff"  # dark on light, white on dark
    legend = [g for g in root.iter(f"{NS}g") if g.get("class") == "legend"][0]
    assert [t.text for t in legend.iter(f"{NS}text")] == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
        "no capacity",
    ]
    desc = _text(_child(root, "desc"))
    assert desc == (
        "广东: 2026-W48 0%, 2026-W49 100%; Zhejiang & <co>: 2026-W48 no capacity, 2026-W49 50%"
    )


def test_a_heatmap_refuses_values_that_do_not_match_its_rows_and_columns() -> None:
    with pytest.raises(ValueError):
        heatmap_svg(title="t", rows=["a"], columns=["w1", "w2"], values=[[1]])


def test_a_narrow_chart_puts_each_label_whole_above_its_bar() -> None:
    label = "Hoodies and sweatshirts"
    side = _parse(bar_chart_svg(title="t", bars=[(label, 50)], width=340))
    above = _parse(bar_chart_svg(title="t", bars=[(label, 50)], width=340, labels_above=True))

    def label_and_bar(root: ET.Element) -> tuple[ET.Element, ET.Element]:
        [group] = [g for g in root.iter(f"{NS}g") if g.get("class") == "bar"]
        return group.findall(f"{NS}text")[0], _child(group, "rect")

    text, bar = label_and_bar(side)
    assert _text(text).endswith("…")  # beside its bar a long label is cut
    text, bar_above = label_and_bar(above)
    assert text.text == label
    assert _number(text, "y") < _number(bar_above, "y")
    assert _number(bar_above, "x") < _number(bar, "x")  # the bar starts at the margin
    assert _number(bar_above, "width") > _number(bar, "width")


def test_a_title_too_long_for_its_chart_is_shortened_on_it_but_whole_in_its_title() -> None:
    title = "Capacity utilisation by region and week, every province"
    root = _parse(bar_chart_svg(title=title, bars=[("a", 1)], width=200))

    assert _text(_child(root, "title")) == title
    shown = [t.text for t in root.iter(f"{NS}text")][0]
    assert shown is not None
    assert shown.endswith("…") and len(shown) < len(title)
