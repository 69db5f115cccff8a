"""The SVG charts of the reports: valid SVG, values placed proportionally, text escaped, same input same output."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from filiera.monitoring import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def points(root: ET.Element) -> list[tuple[float, float, float]]:
    return [(float(c.get("cx")), float(c.get("cy")), float(c.get("data-value"))) for c in root.iter(f"{SVG}circle")]


def test_scale_starts_at_zero_and_ends_on_a_round_number():
    assert charts.scale([3, 7, 12]) == (0, 15, 5)
    assert charts.scale([0.2, 0.9]) == (0, 1.0, 0.5)
    assert charts.scale([]) == (0, 1, 1)
    assert charts.scale([None, None]) == (0, 1, 1)
    low, high, step = charts.scale([-40, 90])
    assert low <= -40 and high >= 90 and low % step == 0 and high % step == 0


def test_line_chart_places_values_proportionally():
    root = parse(charts.line_chart("Members", ["2021", "2022", "2023"], [0, 50, 100], width=400, height=200))
    (x0, y0, v0), (x1, y1, v1), (x2, y2, v2) = points(root)
    assert (v0, v1, v2) == (0, 50, 100)
    assert x0 < x1 < x2 and x1 - x0 == pytest.approx(x2 - x1, abs=0.1)  # years evenly spaced
    # Higher values are higher on the page (smaller y), and the distances are proportional to the values.
    assert y0 > y1 > y2
    assert (y0 - y1) / (y0 - y2) == pytest.approx(0.5, abs=0.01)
    # The baseline (0) is the bottom grid line; the top value sits on or below the top of the axis.
    grid_ys = sorted(float(line.get("y1")) for line in root.iter(f"{SVG}line"))
    assert y0 == pytest.approx(grid_ys[-1], abs=0.1)
    assert y2 >= grid_ys[0] - 0.1


def test_line_chart_labels_years_and_values_and_leaves_gaps():
    svg = charts.line_chart("Funding", ["2022", "2023", "2024", "2025"], [1000, None, 3000, 4500],
                            format_value=lambda v: f"{v:,.0f} €")
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "Funding"
    for year in ("2022", "2023", "2024", "2025"):
        assert year in texts
    assert "1,000 €" in texts and "4,500 €" in texts
    assert [v for _x, _y, v in points(root)] == [1000, 3000, 4500]
    # The unknown year breaks the line: two pieces, the first a single point.
    path = next(root.iter(f"{SVG}path")).get("d")
    assert path.count("M") == 2 and path.count("L") == 1


def test_line_chart_needs_one_value_per_year():
    with pytest.raises(ValueError):
        charts.line_chart("Members", ["2024", "2025"], [1])


def test_bar_chart_lengths_proportional_to_values():
    root = parse(charts.bar_chart("Members by kind", [("SME", 40), ("University", 10), ("Hospital", 20),
                                                      ("Other", 0)]))
    bars = [(float(r.get("width")), float(r.get("data-value")), r.find(f"{SVG}title").text)
            for r in root.iter(f"{SVG}rect")]
    assert [title for _w, _v, title in bars] == ["SME", "University", "Hospital", "Other"]
    longest = bars[0][0]
    assert longest > 0
    for width, value, _title in bars:
        assert width == pytest.approx(longest * value / 40, abs=0.1)
    ys = [float(r.get("y")) for r in root.iter(f"{SVG}rect")]
    assert ys == sorted(ys)  # in the order given, top to bottom
    assert float(root.get("height")) > ys[-1]


def test_bar_chart_of_nothing_is_still_valid():
    root = parse(charts.bar_chart("Members by country", []))
    assert list(root.iter(f"{SVG}rect")) == []
    root = parse(charts.bar_chart("Members by country", [("Italy", 0)]))
    assert float(next(root.iter(f"{SVG}rect")).get("width")) == 0


def test_text_is_escaped():
    nasty = 'R&D <script>alert("x")</script>'
    for svg in (charts.line_chart(nasty, [nasty], [1], format_value=lambda v: "<b>"),
                charts.bar_chart(nasty, [(nasty, 3)], format_value=lambda v: "<b>")):
        assert "<script>" not in svg and "<b>" not in svg
        root = parse(svg)  # still well-formed XML
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert nasty in texts
        assert root.get("aria-label") == nasty


def test_output_is_deterministic():
    args = ("Events", ["2021", "2022", "2023"], [1 / 3, 2 / 3, 1.0])
    assert charts.line_chart(*args) == charts.line_chart(*args)
    items = [("A", 1 / 7), ("B", 2 / 7)]
    assert charts.bar_chart("Kinds", items) == charts.bar_chart("Kinds", items)
    # Coordinates are rounded to a tenth of a pixel.
    root = parse(charts.line_chart(*args))
    for circle in root.iter(f"{SVG}circle"):
        for attribute in ("cx", "cy"):
            assert len(circle.get(attribute).partition(".")[2]) <= 1
