"""Time to answer with waiting requests counted (Kaplan-Meier), outcome rates, and the ranking bias fixed.

On the hand-built data set of conftest.py (today 2026-07-01, period 2026-01-01 .. 2026-06-30).
Days per request: answered = its response time (an event); otherwise censored at the days
it waited (paused days left out):

  GN  R1 10, R2 19 (35 - 16 paused), R3 40, R4 12, R8 20: answered
      R5 91 (04-01 -> 07-01, still waiting), R6 11 (06-20 -> 07-01, still waiting),
      R9 12 (01-20 -> 02-01, withdrawn before an answer),
      R10 9 (05-01 -> 07-01 = 61, minus 52 paused since 05-10: still waiting, paused now)
      Sorted: 9c 10 11c 12 12c 19 20 40 91c. At risk 8 on day 10 -> S = 7/8; 6 on day 12 ->
      35/48; 4 on day 19 -> 35/64; 3 on day 20 -> 35/96 = 0.36 <= 0.5: median 20 (the
      answered-only median is 19). Day 40: 2 at risk -> 35/192 = 0.18 > 0.1: 90% not reached,
      shown as "> 91" (the longest wait).
  MA  R12 40, R13 10, R14 30: answered; R15 61 (04-15 -> 06-15, no reply), R17 30 (06-01 ->
      07-01, still waiting). Sorted 10 30 30c 40 61c: 4/5, then 4/5 * 3/4 = 3/5, then 3/5 * 1/2
      = 3/10: median 40 (answered only: 30); 90% not reached ("> 61").
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import select

from lp.insights import stats
from lp.requests import answer_times
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.lp.insights.conftest import tables

PERIOD = stats.Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 1)
ARGS = "from=2026-01-01&to=2026-06-30"


@pytest.fixture
def ctx(app, dataset):
    with app.test_request_context():
        yield dataset


def _rows() -> dict[str, stats.Row]:
    return {row.alpha2: row for row in stats.country_rows(PERIOD, TODAY, "nl")}


def test_curves_per_country_as_worked_out_by_hand(ctx):
    rows = _rows()
    gn, ma = rows["GN"].figures.time_to_answer, rows["MA"].figures.time_to_answer
    assert (gn.cases, gn.finished, gn.running, gn.censored - gn.running, gn.longest) == (9, 5, 3, 1, 91)
    assert [(s.day, s.at_risk) for s in gn.steps] == [(10, 8), (12, 6), (19, 4), (20, 3), (40, 2)]
    assert gn.steps[-1].survival == pytest.approx(35 / 192)
    assert (gn.median.day, gn.p90.day, rows["GN"].figures.median_days) == (20, None, 19)
    assert (ma.cases, ma.finished, ma.running, ma.longest) == (5, 3, 1, 61)
    assert ma.steps[-1].survival == pytest.approx(3 / 10)
    assert (ma.median.day, ma.p90.day, rows["MA"].figures.median_days) == (40, None, 30)


def test_missions_and_total(ctx):
    from countries.services import get_country

    country = get_country("GN")
    missions = stats.mission_rows(country, PERIOD, TODAY)
    # Paris: R8 answered on day 20, R9 censored 12, R10 censored 9: the one at risk on day 20 answers.
    paris = missions[1].figures.time_to_answer
    assert (paris.cases, paris.median.day, paris.p90.day) == (3, 20, 20)
    total = stats.total(missions)
    assert (total.time_to_answer.cases, total.time_to_answer.median.day) == (9, 20)


def test_figures_and_intervals_agree_with_lifelines_on_the_stored_requests(ctx):
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import qth_survival_time

    rows = _rows()
    for alpha2 in ("GN", "MA"):
        country_id = rows[alpha2].key
        stored = db.session.execute(
            select(answer_times.days(TODAY), answer_times.answered())
            .where(answer_times.counted(), LpRequest.country_id == country_id,
                   LpRequest.submitted_on.between(PERIOD.start, PERIOD.end))).all()
        fitter = lifelines.KaplanMeierFitter().fit([d for d, _a in stored], [bool(a) for _d, a in stored])
        curve = rows[alpha2].figures.time_to_answer
        for share in (0.5, 0.9):
            expected = [qth_survival_time(1 - share, series) for series in (
                fitter.survival_function_.iloc[:, 0], fitter.confidence_interval_.iloc[:, 0],
                fitter.confidence_interval_.iloc[:, 1])]
            ours = curve.quantile(share)
            assert [ours.day, ours.low, ours.high] == [None if math.isinf(v) else int(v) for v in expected]


def test_outcome_rates(ctx):
    rows = _rows()
    # GN decided: issued 2, refused 2, handover 1, withdrawn 1 -> cooperation (2 + 1) / (6 - 1) = 3/5.
    # MA: issued 1, refused 1, no reply 1, withdrawn 1 -> (1 + 0) / (4 - 1) = 1/3.
    assert rows["GN"].figures.cooperation_rate == pytest.approx(3 / 5)
    assert rows["MA"].figures.cooperation_rate == pytest.approx(1 / 3)
    assert (rows["GN"].figures.handover_answer, rows["GN"].figures.handover_silence) == (1, 0)


def test_outcome_mix_per_quarter_adds_up_to_the_decided_requests(ctx):
    points = stats.trend(PERIOD, outcomes=stats.MIX_OUTCOMES)
    # Q1: issued R1 R2 R12 (R13 withdrawn), handover R8, refused R3 R4 R14, withdrawn R9 R13.
    # Q2: no reply R15 (04-15); R5, R6, R10, R17 are still open and are not drawn.
    assert [(p.label, p.counts) for p in points] == [
        ("2026 Q1", {"issued": 3, "handover_answer": 1, "handover_silence": 0, "refused": 3, "no_reply": 0,
                     "withdrawn": 2}),
        ("2026 Q2", {"issued": 0, "handover_answer": 0, "handover_silence": 0, "refused": 0, "no_reply": 1,
                     "withdrawn": 0})]


def test_a_handover_agreed_by_silence_is_a_handover_but_not_an_answer(ctx):
    request = db.session.get(LpRequest, ctx["R8"])
    # As lp.requests.services records a handover with the basis "silence": no response time.
    request.agreed_by_silence, request.response_days = True, None
    db.session.commit()
    gn = _rows()["GN"].figures
    assert (gn.handover, gn.handover_silence, gn.handover_answer) == (1, 1, 0)
    assert gn.cooperation_rate == pytest.approx(3 / 5)
    assert gn.time_to_answer.finished == 4  # R8 is censored on day 20 now


def test_pages_show_both_medians_labelled_apart(client, dataset, login_as):
    login_as("viewer")
    found = tables(client.get(f"/insights/?{ARGS}").get_data(as_text=True))
    by_time = found["table-time-to-answer"]
    assert by_time[0][5] == "Mediaan, wachtende meegeteld (dagen)"
    assert by_time[0][9] == "Mediaan, alleen beantwoord (dagen)"
    # country, counted, answered, still waiting, closed unanswered, median, interval, p90, interval, answered only
    assert [[*r[:6], r[7], r[9]] for r in by_time[1:3]] == [
        ["Guinee", "9", "5", "3", "1", "20", "> 91", "19"], ["Marokko", "5", "3", "1", "1", "40", "> 61", "30"]]
    outcomes = {r[0]: r for r in found["table-outcomes"][1:]}
    assert outcomes["Guinee"][1] == "6" and outcomes["Guinee"][-1] == "60% (3/5)"
    assert outcomes["Marokko"][-1] == "33% (1/3)"
    country = tables(client.get(f"/insights/countries/GN?{ARGS}").get_data(as_text=True))
    timing = {r[0]: r[1] for r in country["table-timing"]}
    assert timing["Mediaan, wachtende meegeteld (dagen)"].startswith("20 (")
    assert timing["Mediaan, alleen beantwoord (dagen)"] == "19"
    assert [r[1] for r in country["table-mix"][1:]] == ["2", "0"]


def _add_many(add_request, alpha2: str, count: int, submitted: str, answered: str | None) -> None:
    steps = [("submit", {"submitted_on": submitted, "channel": "email"})]
    if answered:
        steps.append(("issue", {"lp_number": "LP", "issued_on": answered, "valid_until": "2026-12-31"}))
    for _ in range(count):
        add_request(alpha2, 0, {}, steps)


def test_silence_no_longer_wins_the_ranking(app, client, frozen, make_country, add_request, login_as):
    # AA answers 3 requests in 40 days and leaves 17 waiting for 200 days (since 2025-12-13);
    # BB answers all 20 in 60 days. Answered only, AA looked faster (40 < 60).
    make_country("AA", name_nl="Stilland", missions=[{"name": "Ambassade AA"}])
    make_country("BB", name_nl="Antwoordland", missions=[{"name": "Ambassade BB"}])
    _add_many(add_request, "AA", 3, "2026-01-01", "2026-02-10")
    _add_many(add_request, "AA", 17, "2025-12-13", None)
    _add_many(add_request, "BB", 20, "2026-01-01", "2026-03-02")
    with app.test_request_context():
        rows = stats.country_rows(stats.Period.default(TODAY), TODAY, "nl")
        assert [r.alpha2 for r in stats.sorted_rows(rows, "median")] == ["AA", "BB"]  # the old bias
        fastest, _slowest = stats.ranking(rows, "time_to_answer")
        assert [r.alpha2 for r in fastest] == ["BB", "AA"]
    login_as("viewer")
    ranked = tables(client.get("/").get_data(as_text=True))["rank-fastest"][1:]
    # rank, country, median waiting counted, interval, answered only, answered, counted
    assert [[*r[1:3], r[4]] for r in ranked] == [["Antwoordland", "60", "60"], ["Stilland", "> 200", "40"]]


def test_a_country_needs_enough_requests_to_be_ranked(app, frozen, make_country, add_request):
    make_country("AA", name_nl="Klein", missions=[{"name": "Ambassade AA"}])
    _add_many(add_request, "AA", stats.MIN_REQUESTS_FOR_RANKING - 1, "2026-01-01", "2026-01-11")
    with app.test_request_context():
        rows = stats.country_rows(stats.Period.default(TODAY), TODAY, "nl")
        assert stats.ranking(rows, "time_to_answer") == ([], [])
        assert [r.alpha2 for r in stats.ranking(rows, "median")[0]] == ["AA"]


def test_the_definitions_state_the_minimum_the_ranking_uses():
    ranking = dict(stats.DEFINITIONS)["Ranking"]
    assert f"at least {stats.MIN_REQUESTS_FOR_RANKING} counted requests" in ranking
    assert f"at least {stats.MIN_ANSWERED_FOR_RANKING} answered requests" in ranking
