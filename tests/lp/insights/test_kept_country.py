"""One country's own insights (its missions, distribution, trend, mix, presentations) are kept between
views (lp.insights.kept_country), shown the same as counted, and counted again when its requests change."""

from __future__ import annotations

import csv
import io
import re

from lp.web.extensions import db
from tests.lp.insights.conftest import NOW, refuse, submit, tables
from tests.lp.insights.test_kept_figures import _country_id, _kept, _queries

PERIOD = "from=2026-01-01&to=2026-06-30"
COUNTRY_PAGE = f"/insights/countries/GN?{PERIOD}"
ASSESSMENT = "/insights/countries/GN/assessment?year=2026"


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def test_a_second_view_of_a_country_counts_nothing_again_and_shows_the_same(
        app, dataset, client, login_as, count_queries):
    login_as("viewer")
    first_html = _page(client, COUNTRY_PAGE)
    first = _queries(count_queries, client, f"/insights/countries/MA?{PERIOD}")
    again = _queries(count_queries, client, f"/insights/countries/MA?{PERIOD}")
    # Not run again: the seven queries that count the country's insights and the two that keep them;
    # one more reads the names of its missions.
    assert again == first - 8
    assert _page(client, COUNTRY_PAGE) == first_html
    assert {_country_id(app, "GN"), _country_id(app, "MA")} <= set(_kept(app, "country"))


def test_a_change_to_one_of_its_requests_is_shown_at_once(app, dataset, client, login_as, add_request):
    login_as("viewer")
    figures = tables(_page(client, COUNTRY_PAGE))
    assert {r[0]: r[1] for r in figures["table-figures"]}["Aanvragen"] == "9"
    assert figures["table-trend"][1:] == [["2026 Q1", "2", "2", "0"], ["2026 Q2", "0", "0", "0"]]
    paris = "Consulaat-generaal van Guinee (Parijs)"
    before = {row[0]: row[1:] for row in figures["table-missions"][1:]}
    add_request("GN", 1, {}, [submit("2026-05-04"), refuse("2026-05-20", "nationality_not_established")])
    figures = tables(_page(client, COUNTRY_PAGE))
    assert {r[0]: r[1] for r in figures["table-figures"]}["Aanvragen"] == "10"
    assert figures["table-trend"][1:] == [["2026 Q1", "2", "2", "0"], ["2026 Q2", "0", "1", "0"]]
    after = {row[0]: row[1:] for row in figures["table-missions"][1:]}
    assert after[paris] != before[paris]
    assert {name: cells for name, cells in after.items() if name != paris} == {
        name: cells for name, cells in before.items() if name != paris}


def test_kept_mission_labels_follow_the_readers_language(app, dataset, client, login_as, make_person):
    from countries.services import get_country
    from lp.persons.models import Person
    from lp.requests import services

    person_id = make_person(nationality="GN", name="Zonder Post")
    with app.test_request_context():
        request = services.create_request(db.session.get(Person, person_id), get_country("GN"), None, user_id=None)
        services.apply_transition(request, *submit("2026-03-02"), user_id=None)
    login_as("viewer")
    assert "Geen vertegenwoordiging vastgelegd" in _page(client, COUNTRY_PAGE)
    kept = _kept(app, "country")[_country_id(app, "GN")]
    client.get("/auth/login?lang=en")
    english = _page(client, COUNTRY_PAGE)
    assert _kept(app, "country")[_country_id(app, "GN")] == kept  # read as kept, not counted again
    assert "No mission recorded" in english and "Geen vertegenwoordiging" not in english


def test_the_country_assessment_from_kept_figures_equals_the_one_counted(app, dataset, client, login_as):
    from countries.services import get_country
    from lp.insights import kept_country, stats
    from lp.insights.assessment import year_period

    login_as("viewer")
    counted_html = _page(client, ASSESSMENT)
    assert _page(client, ASSESSMENT) == counted_html
    with app.test_request_context():
        country, period = get_country("GN"), year_period(2026)
        counted = kept_country._count(country, period, NOW.date())
        kept = kept_country.insights(country, period, NOW.date())
        assert kept.figures() == counted.figures()
        assert kept.figures().presentations == counted.figures().presentations
        assert kept.figures().presentations == stats.presentations(period, stats.country_filter(country))[country.id]
        assert [(row.key, row.label, row.figures) for row in kept.missions] == [
            (row.key, row.label, row.figures) for row in counted.missions]
        assert kept.trends(stats.TREND_OUTCOMES, stats.MIX_OUTCOMES) == stats.trends(
            period, stats.country_filter(country), stats.TREND_OUTCOMES, stats.MIX_OUTCOMES)
        assert kept.buckets == stats.distribution(period, stats.country_filter(country))


def _csv(client, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_the_outcome_mix_csv_added_up_from_the_kept_figures_equals_the_mix_counted_at_once(
        app, dataset, client, login_as):
    from datetime import date

    from lp.insights import stats

    login_as("viewer")
    rows = _csv(client, f"/insights/export/mix.csv?{PERIOD}")
    with app.test_request_context():
        counted = stats.trend(stats.Period(date(2026, 1, 1), date(2026, 6, 30)), outcomes=stats.MIX_OUTCOMES)
    assert [row[2:] for row in rows[1:]] == [[str(point.counts[o]) for o in stats.MIX_OUTCOMES] for point in counted]
    assert sum(int(cell) for row in rows[1:] for cell in row[2:]) > 0


def test_a_renamed_mission_is_shown_by_its_new_name_from_the_kept_figures(app, dataset, client, login_as):
    from countries.models import Mission

    login_as("viewer")
    assert "Consulaat-generaal van Guinee (Parijs)" in _page(client, COUNTRY_PAGE)
    kept = _kept(app, "country")[_country_id(app, "GN")]
    with app.app_context():
        mission = db.session.scalar(db.select(Mission).where(Mission.city == "Parijs"))
        mission.name, mission.city = "Consulaat van Guinee", "Lyon"
        db.session.commit()
    missions = [row[0] for row in tables(_page(client, COUNTRY_PAGE))["table-missions"][1:]]
    assert _kept(app, "country")[_country_id(app, "GN")] == kept  # the figures are those kept
    assert missions == ["Ambassade van Guinee (Brussel)", "Consulaat van Guinee (Lyon)"]
