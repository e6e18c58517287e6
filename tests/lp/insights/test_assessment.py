"""The yearly cooperation assessment per country and for all countries, as pages and CSV.

On the data set of conftest.py (today 2026-07-01). 2026: the requests of test_stats.py's
period (nothing was submitted after 30 June); GN's figures are worked out there and in
test_time_to_answer.py. Added here: two GN presentations, one held and one not (a no-show),
and R1 marked "identity required".
"""

from __future__ import annotations

import csv
import io

import pytest

from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.lp.insights.conftest import NOW, present, submit, tables


@pytest.fixture
def viewer(app, client, dataset, add_request, login_as):
    for took_place in ("yes", "no"):
        add_request("GN", 0, {}, [submit("2026-03-01"), present("2026-03-10T10:00", "Ambassade, Brussel"),
                                  ("record_presentation", {"occurred_on": "2026-03-10", "took_place": took_place})])
    with app.app_context():
        db.session.get(LpRequest, dataset["R1"]).identity_requested = True
        db.session.commit()
    login_as("viewer")
    return client


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_all_countries_in_one_year(viewer):
    # GN 2026: R1-R6, R8-R10 and the two added = 11 requests. Presentations scheduled: R5, R6 and
    # the two added = 4; held 1, no-show 1 (that one is waiting again). Identity: R1 = 1 of 11.
    # Cooperation (2 issued + 1 handover) / 5 = 60%. MA: R17 scheduled = 1.
    rows = tables(viewer.get("/insights/assessment?year=2026").get_data(as_text=True))["table-assessment"]
    by_country = {row[0]: row for row in rows[1:]}
    assert list(by_country) == ["Guinee", "Marokko"]
    gn = by_country["Guinee"]
    assert gn[1] == "11" and gn[10] == "60% (3/5)" and gn[11] == "4 / 1 / 1" and gn[12] == "9% (1/11)"
    assert "EU-Guinee" in gn[13] and by_country["Marokko"][13] == "geen vastgelegd"
    assert by_country["Marokko"][11] == "1 / 0 / 0"


def test_one_country_page_and_csv(viewer):
    html = viewer.get("/insights/countries/GN/assessment?year=2026").get_data(as_text=True)
    figures = {row[0]: row[1] for row in tables(html)["table-assessment"]}
    assert figures["Ingediende aanvragen"] == "11"
    assert figures["Medewerkingsgraad"] == "60% (3/5)"
    (row,) = _csv(viewer.get("/insights/countries/GN/assessment.csv?year=2026"))
    assert (row["country"], row["year"], row["requests"], row["cooperation_rate"]) == ("GN", "2026", "11", "0.6000")
    assert (row["presentations_requested"], row["presentations_held"], row["presentations_no_show"]) == ("4", "1", "1")
    assert row["agreements_in_force"] == "eu_readmission, EU-Guinee, 2000-01-01, 20 d"
    assert row["handover_agreed_by_answer"] == "1" and row["identity_required"] == "1"


def test_another_year_and_a_bad_year(viewer):
    # 2025: GN R7 (submitted 2025-11-01, still waiting) and R11 (2025-06-01, no reply).
    (gn,) = [r for r in _csv(viewer.get("/insights/assessment.csv?year=2025")) if r["country"] == "GN"]
    assert (gn["requests"], gn["no_reply"], gn["still_waiting"], gn["cooperation_rate"]) == ("2", "1", "1", "0.0000")
    for url in ("/insights/assessment?year=1999", "/insights/assessment?year=2027",
                "/insights/countries/GN/assessment.csv?year=abc"):
        response = viewer.get(url)
        assert response.status_code == 422 and "Kies een jaar van 2000 tot 2026." in response.get_data(as_text=True)
    assert viewer.get("/insights/countries/XX/assessment").status_code == 404


def _presentations_and_identity(app) -> tuple[dict, dict]:
    """({country: (presentations, identity required)} of the all-country assessment, the same of each country's)."""
    from countries.services import get_country
    from lp.insights import assessment

    def figures(a: assessment.Assessment) -> tuple:
        return (a.presentations.requested, a.presentations.held, a.presentations.no_show), a.identity_required

    with app.test_request_context():
        every = {a.alpha2: figures(a) for a in assessment.all_countries(2026, NOW.date(), "nl")}
        each = {alpha2: figures(assessment.one_country(get_country(alpha2), 2026, NOW.date(), "nl"))
                for alpha2 in every}
    return every, each


def test_the_all_country_figures_are_kept_and_equal_each_countrys_also_after_a_presentation(app, dataset, viewer):
    from lp.requests import services

    # As in test_all_countries_in_one_year: GN 4 scheduled, 1 held, 1 no-show, identity R1; MA R17 scheduled.
    expected = {"GN": ((4, 1, 1), 1), "MA": ((1, 0, 0), 0)}
    assert _presentations_and_identity(app) == (expected, expected)
    with app.test_request_context():
        # R5's presentation (GN) held; R17's (MA) moved to another place at the same time: scheduled again.
        services.apply_transition(db.session.get(LpRequest, dataset["R5"]), "record_presentation",
                                  {"occurred_on": "2026-07-01", "took_place": "yes"}, user_id=None)
        services.apply_transition(db.session.get(LpRequest, dataset["R17"]), "schedule_presentation",
                                  {"presentation_at": "2026-07-08T10:00", "place": "Consulaat, Rotterdam",
                                   "staff_admitted": "no"}, user_id=None)
    expected = {"GN": ((4, 2, 1), 1), "MA": ((2, 0, 0), 0)}
    assert _presentations_and_identity(app) == (expected, expected)
