"""The server-side SVG charts: accessible names, escaped text, and the same numbers as their tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from lp.insights.charts import Chart, bar_chart, column_chart, nice_max, stacked_chart
from tests.lp.insights.conftest import tables

SVG = "{http://www.w3.org/2000/svg}"
PERIOD = "from=2026-01-01&to=2026-06-30"


def svgs(html: str) -> dict[str, ET.Element]:
    """Return every inline chart of a page, parsed as XML, by its id."""
    found = {}
    for markup in re.findall(r"<svg .*?</svg>", html, flags=re.S):
        element = ET.fromstring(markup)
        found[element.get("id")] = element
    return found


def bar_values(svg: ET.Element) -> list[int]:
    return [int(rect.get("data-value")) for rect in svg.iter(f"{SVG}rect") if rect.get("data-value") is not None]


def check_accessible(svg: ET.Element) -> tuple[str, str]:
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text and desc.text
    return title.text, desc.text


@pytest.fixture
def page(viewer):
    response = viewer.get(f"/insights/countries/GN?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, svgs(html), tables(html)


def test_country_page_has_four_accessible_charts(page):
    _html, charts, _tables = page
    assert set(charts) == {"chart-missions", "chart-distribution", "chart-trend", "chart-mix"}
    titles = {key: check_accessible(svg)[0] for key, svg in charts.items()}
    assert titles == {"chart-missions": "Mediane reactietijd per vertegenwoordiging: Guinee",
                      "chart-distribution": "Reactietijden: Guinee",
                      "chart-trend": "Uitkomsten per kwartaal van indiening: Guinee",
                      "chart-mix": "Verdeling van de uitkomsten per kwartaal van indiening: Guinee"}
    assert "De tabel ernaast geeft dezelfde getallen." in check_accessible(charts["chart-trend"])[1]


def test_charts_draw_the_numbers_of_their_tables(page):
    _html, charts, found = page
    distribution = [int(row[1]) for row in found["table-distribution"][1:]]
    assert bar_values(charts["chart-distribution"]) == distribution == [0, 2, 2, 1, 0, 0, 0, 0]
    trend = [int(cell) for row in found["table-trend"][1:] for cell in row[1:]]
    assert bar_values(charts["chart-trend"]) == trend == [2, 2, 0, 0, 0, 0]
    medians = [int(row[2]) for row in found["table-missions"][1:]]
    assert bar_values(charts["chart-missions"]) == medians == [12, 20]
    # The stacked outcome mix draws a segment for every count that is not 0: GN Q1 issued 2,
    # handover by answer 1, refused 2, withdrawn 1; Q2 nothing decided.
    mix = [int(cell) for row in found["table-mix"][1:] for cell in row[1:] if cell != "0"]
    assert bar_values(charts["chart-mix"]) == mix == [2, 1, 2, 1]


def test_chart_labels_are_translated(viewer):
    english = svgs(viewer.get(f"/insights/?{PERIOD}", headers={"Accept-Language": "en"}).get_data(as_text=True))
    legend = [t.text for t in english["chart-trend"].iter(f"{SVG}text")]
    assert {"Issued", "Refused", "No reply", "Requests"} <= set(legend)
    dutch = svgs(viewer.get(f"/insights/?{PERIOD}").get_data(as_text=True))
    labels = {t.text for t in dutch["chart-trend"].iter(f"{SVG}text")}
    assert {"Afgegeven", "Geweigerd", "Geen antwoord", "Aanvragen"} <= labels


def test_every_text_is_escaped():
    chart = Chart('x"><script>', "<b>title</b> & co", "desc </desc><script>alert(1)</script>")
    markup = str(bar_chart(chart, [("<img src=x onerror=alert(1)>", 3), ("no answers", None)], "d&ys", "–"))
    markup += str(column_chart(chart, ["<q>"], ["<s>", "t"], [[1, 2]], "<axis>"))
    markup += str(stacked_chart(chart, ["<q>"], ["<s>", "t"], [[1, 2]], "<axis>"))
    assert "<script" not in markup and "<img" not in markup and "<q>" not in markup and "<b>" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup and "d&amp;ys" in markup
    for part in re.findall(r"<svg .*?</svg>", markup, flags=re.S):
        ET.fromstring(part)  # well-formed XML


def test_a_chart_without_data_still_draws():
    svg = ET.fromstring(str(column_chart(Chart("c", "t", "d"), [], ["a"], [], "n")))
    assert bar_values(svg) == []
    svg = ET.fromstring(str(bar_chart(Chart("c", "t", "d"), [("Embassy", None)], "days", "no answers")))
    assert [t.text for t in svg.iter(f"{SVG}text")][-1] == "no answers"


@pytest.mark.parametrize("value, expected", [(0, (1, 1)), (3, (3, 1)), (7, (8, 2)), (40, (40, 10)),
                                             (101, (150, 50)), (12345, (15000, 5000))])
def test_axis_maximum_is_round(value, expected):
    assert nice_max(value) == expected
