from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from web import charts, i18n

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    token = i18n.LANGUAGE.set("en")
    yield
    i18n.LANGUAGE.reset(token)


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own drawing: it must be well-formed)


def test_bars_are_an_accessible_image_with_every_value():
    svg = parsed(charts.bars("Calls by queue", ["sales", "support"], [12, 3]))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text == "Calls by queue"
    assert desc is not None and desc.text == "sales: 12; support: 3"
    ids = svg.get("aria-labelledby", "").split()
    assert ids == [title.get("id"), desc.get("id")]
    tips = [t.text for t in svg.iter(f"{SVG}title")][1:]
    assert tips == ["sales: 12", "support: 3"]
    widths = [float(r.get("width", 0)) for r in svg.iter(f"{SVG}rect")]
    assert widths[0] == 4 * widths[1]


def test_labels_are_escaped():
    markup = str(charts.bars('<script>alert("x")</script>', ["a&b <i>"], [1]))
    assert "<script>" not in markup and "<i>" not in markup
    assert "a&amp;b &lt;i&gt;" in markup
    parsed(markup)


def test_numbers_follow_the_users_language():
    token = i18n.LANGUAGE.set("ru")
    try:
        markup = str(charts.bars("Время", ["a"], [1234.5]))
    finally:
        i18n.LANGUAGE.reset(token)
    assert "1\xa0234,5" in markup
    assert "1,234.5" in str(charts.bars("Time", ["a"], [1234.5]))


def test_no_data_says_so():
    svg = parsed(charts.bars("Calls", [], []))
    assert "No data for this period" in ET.tostring(svg, encoding="unicode")
    assert "No data" in str(charts.heat_map("Heat", ["Mon"], ["0"], [[0]]))


def test_stacked_bars_sum_their_parts_and_have_a_legend():
    svg = parsed(charts.stacked_bars("Outcome", ["sales"], [("answered", [6]), ("abandoned", [2])]))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "8" in texts and "answered" in texts and "abandoned" in texts
    tips = [t.text for t in svg.iter(f"{SVG}title")]
    assert "sales, abandoned: 2" in tips


def test_lines_break_where_a_value_is_missing():
    svg = parsed(charts.lines("SL", ["1", "2", "3", "4", "5"], [("sales", [1, 2, None, 4, 5])]))
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2
    assert len(list(svg.iter(f"{SVG}circle"))) == 4


def test_heat_map_has_a_cell_per_hour_and_day_shaded_by_value():
    days, hours = ["Mon", "Tue"], [str(h) for h in range(24)]
    values = [[0] * 24, [0] * 24]
    values[1][10] = 8
    values[0][9] = 2
    svg = parsed(charts.heat_map("Calls by hour", days, hours, values))
    cells = list(svg.iter(f"{SVG}rect"))
    assert len(cells) == 48
    shades = {c.find(f"{SVG}title").text: float(c.get("fill-opacity")) for c in cells}  # type: ignore[union-attr]
    assert shades["Tue, 10: 8"] == 1.0
    assert 0 < shades["Mon, 9: 2"] < 0.5
    assert shades["Mon, 0: 0"] == 0
    assert svg.find(f"{SVG}desc").text == "Mon: 9 2; Tue: 10 8"  # type: ignore[union-attr]


def test_heat_map_leaves_room_for_long_row_labels():
    svg = parsed(charts.heat_map("Calls", ["Wednesday", "Sun"], ["0", "1"], [[1, 0], [0, 2]]))
    first_cell = next(svg.iter(f"{SVG}rect"))
    assert float(first_cell.get("x")) >= 7 * len("Wednesday")  # type: ignore[arg-type]
    desc = svg.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == "Wednesday: 0 1; Sun: 1 2"


def test_hours_read_as_hours_and_minutes_so_minutes_do_not_round_to_nothing():
    assert [charts.hours(h) for h in (0.0, 0.02, 1.5, 7.999)] == ["0:00", "0:01", "1:30", "8:00"]
    svg = charts.stacked_bars("Agents", ["Ann"], [("talking", [0.07])], fmt=charts.hours)
    assert "talking 0:04" in svg
