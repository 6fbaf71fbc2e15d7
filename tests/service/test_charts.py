"""The SVG charts and CSV tables shared by /nasional and the report: pure functions of data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.charts import bar_chart, line_chart, lines_chart, nice_ceiling
from service.tables import to_csv

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_valid_svg_with_a_title_a_bar_per_item_and_escaped_labels() -> None:
    svg = ET.fromstring(bar_chart("Inovasi <dicari>", [("PSC 119 & <b>", 12), ("SKCK", 3)], unit="daerah"))
    assert svg.find(f"{SVG}title").text == "Inovasi <dicari>"  # type: ignore[union-attr]
    widths = [float(r.get("width", 0)) for r in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] > widths[1] > 0
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "PSC 119 & <b>" in texts and "12 daerah" in texts


def test_a_line_chart_has_a_point_per_week_and_labels() -> None:
    weeks = [(f"03-{d:02d}", n) for d, n in ((3, 0), (10, 5), (17, 2), (24, 1))]
    svg = ET.fromstring(line_chart("Tren", weeks, y_label="pertanyaan"))
    assert len(list(svg.iter(f"{SVG}circle"))) == 4
    points = svg.find(f"{SVG}polyline").get("points", "").split()  # type: ignore[union-attr]
    assert len(points) == 4
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[1] == min(ys) and ys[0] == max(ys)  # the busiest week is highest
    assert "03-10" in [t.text for t in svg.iter(f"{SVG}text")]


def test_empty_charts_still_render_and_say_so() -> None:
    assert "Belum ada data." in bar_chart("Kosong", [])
    ET.fromstring(line_chart("Kosong", []))


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (24, 25), (120, 200)])
def test_axes_end_at_a_round_number(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == ceiling


def test_csv_neutralises_formula_cells_and_keeps_numbers() -> None:
    text = to_csv((["a", "b", "c"], [["=1+1", 3, None], ["-x", 0.5, "ok"]]))
    assert text.splitlines() == ["a,b,c", "'=1+1,3,", "'-x,0.5,ok"]


def test_several_lines_share_the_axis_and_get_a_legend() -> None:
    svg = lines_chart("Tren", ["03-03", "03-10", "03-17"], [("a<b", [0, 2, 1]), ("c", [4, 1, 1])])
    tree = ET.fromstring(svg)
    lines = tree.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2 and lines[0].get("stroke") != lines[1].get("stroke")
    assert "a&lt;b" in svg and "<b" not in svg.replace("<b>", "")
    # One scale for both: up to nice_ceiling(4) = 5 over the 124 px between y 40 and y 164.
    ys = [float(c.get("cy")) for c in tree.findall(".//{http://www.w3.org/2000/svg}circle")]
    assert ys == pytest.approx([164.0, 114.4, 139.2, 64.8, 139.2, 139.2])
