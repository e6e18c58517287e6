"""The insights pages: what they show, their links, the period filter, CSV downloads, query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from lp.web.extensions import db
from tests.lp.insights.conftest import ANN, tables

PERIOD = "from=2026-01-01&to=2026-06-30"


def test_overview_shows_every_country_with_its_figures_and_links(viewer):
    html = viewer.get(f"/insights/?{PERIOD}").get_data(as_text=True)
    rows = tables(html)["table-countries"]
    header, body, total = [h.rstrip(" \u25be") for h in rows[0]], rows[1:-1], rows[-1]
    assert header[:4] == ["Land", "Aanvragen", "Mediaan, alleen beantwoord (dagen)", "Binnen de termijn"]
    # Sorted by median: GN 19 days, MA 30 days.
    assert [r[0] for r in body] == ["Guinee", "Marokko"]
    # requests median within p90 rate issued refused handover deemed-agreed no-reply withdrawn answered open overdue
    assert body[0][1:15] == ["9", "19", "80%", "40", "40%", "2", "2", "1", "0", "0", "1", "5", "4", "2"]
    assert body[1][1:15] == ["5", "30", "67%", "40", "33%", "1", "1", "0", "0", "1", "1", "3", "2", "0"]
    # 5/8 = 62.5 % and 3/8 = 37.5 %, rounded half to even
    assert total[:15] == ["Alle landen", "14", "19", "75%", "40", "38%", "3", "3", "1", "0", "1", "2", "8", "6",
                          "2"]
    assert f'href="/insights/countries/GN?{PERIOD}"' in html.replace("&amp;", "&")
    assert 'href="/countries/GN"' in html and 'href="/countries/MA"' in html
    assert "Hoe dit wordt berekend" in html and "inzenddatum" in html


@pytest.mark.parametrize("sort, order", [("within", ["Guinee", "Marokko"]), ("requests", ["Guinee", "Marokko"]),
                                         ("name", ["Guinee", "Marokko"]), ("median", ["Guinee", "Marokko"])])
def test_overview_sorts(viewer, sort, order):
    rows = tables(viewer.get(f"/insights/?{PERIOD}&sort={sort}").get_data(as_text=True))["table-countries"]
    assert [r[0] for r in rows[1:-1]] == order


def test_country_page_shows_figures_missions_distribution_and_trend(viewer):
    response = viewer.get(f"/insights/countries/gn?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = tables(html)
    assert {r[0]: r[1] for r in found["table-figures"]}["Aanvragen"] == "9"
    timing = {r[0]: r[1] for r in found["table-timing"]}
    assert timing["Mediaan, alleen beantwoord (dagen)"] == "19"
    assert timing["90e percentiel, alleen beantwoord (dagen)"] == "40"
    assert timing["Binnen de termijn"] == "80% (4/5)" and timing["Achterstallig nu"] == "2"
    missions = found["table-missions"][1:]
    assert [m[0] for m in missions] == ["Ambassade van Guinee (Brussel)", "Consulaat-generaal van Guinee (Parijs)"]
    assert [m[2] for m in missions] == ["12", "20"]  # medians
    assert [r[1] for r in found["table-distribution"][1:]] == ["0", "2", "2", "1", "0", "0", "0", "0"]
    assert found["table-trend"][1:] == [["2026 Q1", "2", "2", "0"], ["2026 Q2", "0", "0", "0"]]
    assert 'href="/countries/GN"' in html


def test_unknown_country_is_404(viewer):
    assert viewer.get("/insights/countries/XX").status_code == 404


@pytest.mark.parametrize("query, message", [
    ("from=2026-02-30", "Vul een datum in als JJJJ-MM-DD."),
    ("from=2026-06-01&to=2026-05-01", "Het begin van de periode ligt na het einde."),
    ("from=2001-01-01&to=2026-01-01", "De periode kan hoogstens 10 jaar lang zijn."),
    ("sort=fastest", "Onbekende sortering."),
])
def test_bad_input_is_refused_with_422(viewer, query, message):
    for url in (f"/insights/?{query}", f"/insights/countries/GN?{query}"):
        if "sort" in query and "countries" in url:
            continue  # the country page has no sort order
        response = viewer.get(url)
        assert response.status_code == 422, url
        assert message in response.get_data(as_text=True)
    if "sort" not in query:
        assert viewer.get(f"/insights/export/countries.csv?{query}").status_code == 422


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode()) and b"\r\n" in body
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\r\n")[0] else ","))


def test_country_table_as_csv(viewer):
    rows = _csv(viewer.get(f"/insights/export/countries.csv?{PERIOD}"))
    header = rows[0]
    assert header[:3] == ["country", "name", "requests"]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_code["GN"]["requests"] == "9" and by_code["GN"]["median_response_days"] == "19"
    assert by_code["GN"]["refused_not_recognised"] == "1" and by_code["GN"]["withdrawn_absconded"] == "1"
    assert by_code["MA"]["share_within_limit"] == "0.6667" and by_code["MA"]["issuance_rate"] == "0.3333"
    assert by_code["GN"]["open_now"] == "4" and by_code["GN"]["overdue_now"] == "2"


def test_trend_distribution_and_missions_as_csv(viewer):
    assert _csv(viewer.get(f"/insights/export/trend.csv?{PERIOD}&delimiter=,")) == [
        ["year", "quarter", "issued", "refused", "no_reply"], ["2026", "1", "3", "3", "0"],
        ["2026", "2", "0", "0", "1"]]
    assert _csv(viewer.get(f"/insights/countries/GN/trend.csv?{PERIOD}"))[1:] == [
        ["2026", "1", "2", "2", "0"], ["2026", "2", "0", "0", "0"]]
    distribution = _csv(viewer.get(f"/insights/countries/GN/distribution.csv?{PERIOD}"))
    assert distribution[0] == ["from_days", "to_days", "answered"]
    assert distribution[1:3] == [["0", "7", "0"], ["8", "14", "2"]] and distribution[-1] == ["366", "", "0"]
    missions = _csv(viewer.get(f"/insights/countries/GN/missions.csv?{PERIOD}"))
    assert [row[1] for row in missions[1:]] == ["Ambassade van Guinee (Brussel)",
                                                 "Consulaat-generaal van Guinee (Parijs)"]
    assert viewer.get(f"/insights/export/trend.csv?{PERIOD}&delimiter=|").status_code == 422


def test_csv_cells_that_look_like_formulas_are_neutralised(client, dataset, login_as, make_country, add_request):
    """Adds a country: this test has its own database, not the shared data set."""
    login_as("viewer")
    make_country("SN", name_nl="=HYPERLINK(\"x\")", missions=[{"name": "@SUM(A1)", "city": ""}])
    add_request("SN", 0, {}, [("submit", {"submitted_on": "2026-03-01", "channel": "email"})])
    rows = _csv(client.get(f"/insights/export/countries.csv?{PERIOD}"))
    assert "'=HYPERLINK(\"x\")" in [row[1] for row in rows]
    missions = _csv(client.get(f"/insights/countries/SN/missions.csv?{PERIOD}"))
    assert missions[1][1] == "'@SUM(A1)"


def test_pages_are_translated_to_english(viewer):
    html = viewer.get(f"/insights/?{PERIOD}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How this is computed" in html and "Guinea" in html and "Median, answered only (days)" in html


def test_no_inline_styles_or_scripts(viewer):
    """The Content-Security-Policy forbids inline code: each page, as it is shown, has none."""
    for url, shown in ((f"/insights/?{PERIOD}", 'id="table-countries"'),
                       (f"/insights/countries/GN?{PERIOD}", 'id="chart-trend"'),
                       ("/", 'id="rank-fastest"'), ("/insights/calendar", 'action="/insights/calendar"')):
        response = viewer.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert shown in html, url  # the page itself, not an error page
        assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html), url


# -- a fixed number of queries ---------------------------------------------------------


PAGES = ("/", "/?scope=all", f"/insights/?{PERIOD}", f"/insights/countries/GN?{PERIOD}",
         f"/insights/export/countries.csv?{PERIOD}", f"/insights/countries/GN/missions.csv?{PERIOD}",
         "/insights/assessment?year=2026", "/insights/assessment.csv?year=2026",
         "/insights/countries/GN/assessment?year=2026")


def _counts(count_queries, client) -> dict[str, int]:
    found = {}
    for url in PAGES:
        with count_queries:
            assert client.get(url).status_code == 200, url
        found[url] = count_queries.count
    return found


def test_pages_cost_the_same_number_of_queries_whatever_the_data(app, client, auth, dataset, make_country,
                                                                  add_request, count_queries):
    from countries.services import get_country
    from lp.reminders.models import Reminder

    auth.login(ANN)  # Ann holds MA and is case officer of R6
    small = _counts(count_queries, client)
    # More than three times the data: new countries and missions with answers, presentations, reminders.
    for code in ("SN", "ML", "NG"):
        make_country(code, missions=[{"name": f"Embassy {code}", "city": "Brussel"},
                                     {"name": f"Consulate {code}", "city": "Paris"}])
        for n in range(8):
            add_request(code, n % 2, {"case_officer": ANN},
                        [("submit", {"submitted_on": f"2026-0{n % 5 + 1}-1{n}", "channel": "post"}),
                         ("refuse", {"refusal_reason": "other", "decided_on": f"2026-06-2{n}"})])
    extra = [add_request("GN", 1, {"case_officer": ANN},
                         [("submit", {"submitted_on": "2026-06-01", "channel": "post"}),
                          ("schedule_presentation", {"presentation_at": "2026-07-10T10:00", "place": "Brussel"})])
             for _ in range(12)]
    with app.app_context():
        gn = get_country("GN").id
        db.session.add_all(Reminder(subject=f"request:{i}", kind="reply_overdue", level=1, request_id=i,
                                    country_id=gn, due_since=date(2026, 6, 1)) for i in extra)
        db.session.commit()
    large = _counts(count_queries, client)
    assert large == small
    print("queries per page:", small)
