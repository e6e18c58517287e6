"""Each country's figures are kept between page views (lp.requests.snapshots), shared by every worker,
and counted again for a country when one of its requests changes, on a new day, or for another period."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from lp.web.extensions import db
from tests.lp.insights.conftest import NOW, submit, tables

PERIOD = "from=2026-01-01&to=2026-06-30"


def _requests_per_country(client, period: str = PERIOD) -> dict[str, str]:
    rows = tables(client.get(f"/insights/?{period}").get_data(as_text=True))["table-countries"]
    return {row[0]: row[1] for row in rows[1:]}


def _queries(count_queries, client, path: str) -> int:
    with count_queries:
        assert client.get(path).status_code == 200
    return count_queries.count


def _kept(app, kind: str = "countries") -> dict[int, tuple]:
    from lp.requests.models import FigureSnapshot as S

    with app.app_context():
        return {row.country_id: (row.id, row.day, row.version, row.body) for row in db.session.execute(
            select(S.id, S.country_id, S.day, S.version, S.body).where(S.kind == kind))}


def _country_id(app, alpha2: str) -> int:
    from countries.services import get_country

    with app.app_context():
        return get_country(alpha2).id


def test_a_second_view_counts_nothing_again(dataset, client, login_as, count_queries):
    login_as("viewer")
    first = _queries(count_queries, client, f"/insights/?{PERIOD}")
    again = _queries(count_queries, client, f"/insights/?{PERIOD}")
    # Not run again: the six queries that count the countries' requests and the two that keep them;
    # the total's: the kept rows read again with their life tables, the countries, the two that keep it.
    assert again == first - 12
    assert _requests_per_country(client) == {"Guinee": "9", "Marokko": "5", "Alle landen": "14"}


def test_a_change_to_one_request_is_shown_at_once_and_recounts_only_its_country(
        app, dataset, client, login_as, add_request):
    login_as("viewer")
    assert _requests_per_country(client)["Guinee"] == "9"
    before = _kept(app)
    gn, ma = _country_id(app, "GN"), _country_id(app, "MA")
    add_request("GN", 0, {}, [submit("2026-05-04")])
    assert _requests_per_country(client) == {"Guinee": "10", "Marokko": "5", "Alle landen": "15"}
    after = _kept(app)
    assert after[ma] == before[ma]  # Morocco's figures were used again, not counted
    assert after[gn][2] > before[gn][2] and after[gn][3] != before[gn][3]


def test_a_transition_through_the_app_is_shown_at_once(
        app, dataset, client, login_as):
    from lp.requests import services
    from lp.requests.models import LpRequest

    login_as("viewer")
    assert _requests_per_country(client)["Marokko"] == "5"
    with app.test_request_context():
        request = db.session.get(LpRequest, dataset["R17"])  # Morocco, waiting for its presentation
        services.apply_transition(request, "withdraw", {"closure_reason": "absconded", "decided_on": "2026-06-30"},
                                  user_id=None, unusual_confirmed=True)
    rows = tables(client.get(f"/insights/?{PERIOD}").get_data(as_text=True))["table-countries"]
    withdrawn = rows[0].index("Ingetrokken")
    assert {row[0]: row[withdrawn] for row in rows[1:]}["Marokko"] == "2"


def test_a_new_day_counts_again_and_drops_what_earlier_days_kept(app, dataset, client, login_as):
    login_as("viewer")
    _requests_per_country(client)
    assert {day for _id, day, _version, _body in _kept(app).values()} == {NOW.date()}
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert _requests_per_country(client)["Alle landen"] == "14"
        assert {day for _id, day, _version, _body in _kept(app).values()} == {NOW.date() + timedelta(days=1)}


def test_the_midnight_job_counts_the_last_twelve_months_and_their_total_before_the_first_view(app, dataset):
    from lp.insights import stats
    from lp.requests.models import FigureSnapshot
    from lp.scheduler import JOBS, run_job

    run_job(app, next(job for job in JOBS if job.name == "figures"))
    period = stats.Period.default(NOW.date())
    with app.app_context():
        kept = db.session.execute(select(FigureSnapshot.country_id, FigureSnapshot.period_start,
                                         FigureSnapshot.period_end, FigureSnapshot.day)).all()
    assert {(start, end, day) for _country, start, end, day in kept} == {(period.start, period.end, NOW.date())}
    assert {country for country, *_rest in kept} == {_country_id(app, "GN"), _country_id(app, "MA"),
                                                     stats.ALL_COUNTRIES}


def test_the_overview_trend_added_up_from_the_countries_equals_the_trend_counted_at_once(app, dataset):
    from datetime import date

    from lp.insights import stats

    kinds = (stats.TREND_OUTCOMES, stats.MIX_OUTCOMES)
    with app.test_request_context():
        for period in (stats.Period(date(2026, 1, 1), date(2026, 6, 30)), stats.Period.default(NOW.date()),
                       stats.Period(date(2026, 2, 15), date(2026, 4, 20))):
            rows, whole = stats.country_table(period, NOW.date(), "nl")
            added = stats.trends_of(rows, period, *kinds)
            assert added == stats.trends(period, (), *kinds)
            assert sum(sum(point.counts.values()) for point in added[1]) > 0
            # The total kept equals the total put together from the rows.
            assert whole == stats.total(stats._kept_rows(period, NOW.date(), "nl", {}, detail=True)[0])


def test_an_edit_through_the_app_counts_its_country_again_before_the_next_view(
        app, dataset, client, login_as, count_queries):
    from tests.lp.requests.form_html import form_values

    login_as("staff")
    _queries(count_queries, client, "/insights/")  # the default period, counted and kept
    unchanged = _queries(count_queries, client, "/insights/")
    before = _kept(app)
    gn, ma = _country_id(app, "GN"), _country_id(app, "MA")
    url = f"/requests/{dataset['R1']}/edit"  # Guinea
    shown, _boxes = form_values(client.get(url).get_data(as_text=True), "")
    assert client.post(url, data={**shown, "embassy_reference": "EMB/NEW"}).status_code == 302
    after = _kept(app)
    # Counted again by the page that saved the edit: Guinea and the total, not Morocco.
    assert after[gn][2] > before[gn][2] and after[ma] == before[ma]
    assert after[0][2] > before[0][2]
    # So the next overview counts nothing: as many queries as a view with nothing changed.
    assert _queries(count_queries, client, "/insights/") == unchanged


def test_a_page_that_writes_no_requests_counts_nothing_again(app, dataset, client, login_as):
    login_as("staff")
    client.get("/insights/")
    before = _kept(app)
    assert client.get(f"/requests/{dataset['R1']}").status_code == 200
    assert _kept(app) == before


def test_the_midnight_job_also_counts_the_periods_viewed_the_day_before(app, dataset, client, login_as):
    from datetime import date

    from lp.insights import stats
    from lp.requests.models import FigureSnapshot
    from lp.scheduler import JOBS, run_job

    login_as("viewer")
    assert client.get("/insights/assessment?year=2025").status_code == 200  # 1 January .. 31 December 2025
    assert client.get("/insights/?from=2026-01-01").status_code == 200  # 1 January up to today
    tomorrow = NOW + timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        run_job(app, next(job for job in JOBS if job.name == "figures"))
    with app.app_context():
        kept = set(db.session.execute(select(FigureSnapshot.period_start, FigureSnapshot.period_end,
                                             FigureSnapshot.day)).all())
    default = stats.Period.default(tomorrow.date())
    assert kept == {(default.start, default.end, tomorrow.date()),
                    (date(2025, 1, 1), date(2025, 12, 31), tomorrow.date()),
                    (date(2026, 1, 1), tomorrow.date(), tomorrow.date())}  # "up to today" moves with the day
