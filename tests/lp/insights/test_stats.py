"""Every figure of lp.insights.stats on the hand-built data set (conftest.py), worked out by hand.

Today is 2026-07-01; the period is 2026-01-01 .. 2026-06-30 (by submission date).
Limits: GN 20 days (agreement, for R4 in detention too); MA 30 days (default).

Per request (response = answer date - submission - paused days; "in" = in the period):

  GN mission 0 (Ambassade van Guinee, Brussel)
  R1  in   used (issued 01-15)      response 10 (01-05 -> 01-15)         limit 20 -> within
  R2  in   expired (issued 02-14)   response 35 - 16 paused = 19          limit 20 -> within
  R3  in   refused not_recognised   response 40 (02-01 -> 03-13)         limit 20 -> late
  R4  in   refused nat. not est.    response 12 (03-01 -> 03-13)         limit 20 -> within (detained: same limit)
  R5  in   presentation scheduled   due 04-21 -> overdue now
  R6  in   presentation scheduled   due 07-10 -> not overdue
  R7  out  submitted 2025-11-01     due 2025-11-21 -> open and overdue now, not in the period
  GN mission 1 (Consulaat-generaal van Guinee, Parijs)
  R8  in   handover agreed          response 20 (02-10 -> 03-02)         limit 20 -> within
  R9  in   withdrawn absconded
  R10 in   submitted, clock paused  no due date -> open, not overdue
  R11 out  no reply decided 06-01   (submitted 2025-06-01: not in the period)
  MA mission 0 (Ambassade van Marokko, Den Haag)
  R12 in   issued 02-11, valid until 07-10: still open     response 40   limit 30 -> late
  R13 in   issued 02-12 (response 10, within), then withdrawn departed_independently
  R14 in   refused unwilling        response 30 (03-02 -> 04-01)         limit 30 -> within
  R15 in   no reply decided 06-15
  R16      draft: never counts
  R17 in   presentation scheduled   due 07-01, not before today -> not overdue
"""

from datetime import date

import pytest

from lp.insights import stats
from lp.requests.models import LpRequest
from lp.web.extensions import db

PERIOD = stats.Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 1)
NO_REFUSALS = dict.fromkeys(stats.REFUSAL_CODES, 0)
NO_WITHDRAWALS = dict.fromkeys(stats.CLOSURE_CODES, 0)


def figures(**values) -> stats.Figures:
    values["refused_by_reason"] = {**NO_REFUSALS, **values.get("refused_by_reason", {})}
    values["withdrawn_by_reason"] = {**NO_WITHDRAWALS, **values.get("withdrawn_by_reason", {})}
    return stats.Figures(**values)


# GN: in the period R1-R6, R8-R10 = 9 requests. Issued R1, R2 = 2. Refused R3, R4 = 2.
# Handover R8 = 1. No reply 0 (R11 was submitted before the period). Withdrawn R9 = 1.
# Answered R1 10, R2 19, R3 40, R4 12, R8 20 = 5; sorted 10 12 19 20 40:
# median position ceil(0.5 * 5) = 3 -> 19; 90th ceil(0.9 * 5) = ceil(4.5) = 5 -> 40.
# Within: R1, R2, R4, R8 = 4 (4/5 = 80 %). Issuance 2 / (2 + 2 + 1 + 0) = 40 %.
# Open now: R5, R6, R7, R10 = 4. Overdue now: R5, R7 = 2.
GN = figures(requests=9, issued=2, refused=2,
             refused_by_reason={"not_recognised": 1, "nationality_not_established": 1},
             handover=1, no_reply=0, withdrawn=1, withdrawn_by_reason={"absconded": 1},
             answered=5, within_limit=4, open=4, overdue=2, median_days=19, p90_days=40)
# MA: in the period R12-R15, R17 = 5 (R16 is a draft). Issued R12 = 1 (R13 was withdrawn).
# Refused R14 = 1 (unwilling). No reply R15 = 1. Withdrawn R13 = 1 (departed independently).
# Answered R12 40, R13 10, R14 30 = 3; sorted 10 30 40: median ceil(1.5) = 2 -> 30;
# 90th ceil(2.7) = 3 -> 40. Within R13, R14 = 2 (2/3). Issuance 1 / (1 + 1 + 0 + 1) = 1/3.
# Open now: R12 (issued, not yet used), R17 = 2. Overdue: none.
MA = figures(requests=5, issued=1, refused=1, refused_by_reason={"unwilling": 1}, handover=0, no_reply=1,
             withdrawn=1, withdrawn_by_reason={"departed_independently": 1},
             answered=3, within_limit=2, open=2, overdue=0, median_days=30, p90_days=40)
# GN mission 0: R1-R6 in the period = 6; issued 2, refused 2; answered 10 19 40 12 ->
# sorted 10 12 19 40: median ceil(2) = 2 -> 12; 90th ceil(3.6) = 4 -> 40; within R1, R2, R4 = 3.
# Open R5, R6, R7 = 3; overdue R5, R7 = 2.
GN_BRUSSELS = figures(requests=6, issued=2, refused=2,
                      refused_by_reason={"not_recognised": 1, "nationality_not_established": 1},
                      answered=4, within_limit=3, open=3, overdue=2, median_days=12, p90_days=40)
# GN mission 1: R8, R9, R10 = 3; handover 1, withdrawn 1; answered R8 20 -> median = 90th = 20,
# within 1. Open R10 = 1, overdue 0.
GN_PARIS = figures(requests=3, handover=1, withdrawn=1, withdrawn_by_reason={"absconded": 1},
                   answered=1, within_limit=1, open=1, overdue=0, median_days=20, p90_days=20)


@pytest.fixture
def ctx(module_app, shared_dataset, frozen):
    """A request context on the shared data set (every test here only reads it); yields its ids."""
    with module_app.test_request_context():
        yield shared_dataset


def test_measured_response_and_limits_are_as_worked_out(ctx):
    expected = {"R1": (10, 20), "R2": (19, 20), "R3": (40, 20), "R4": (12, 20), "R8": (20, 20),
                "R12": (40, 30), "R13": (10, 30), "R14": (30, 30)}
    for name, (response, allowed) in expected.items():
        request = db.session.get(LpRequest, ctx[name])
        assert (request.response_days, request.allowed_days) == (response, allowed), name
    assert db.session.get(LpRequest, ctx["R10"]).response_days is None


def test_country_figures(ctx):
    rows = {row.alpha2: row for row in stats.country_rows(PERIOD, TODAY, "nl")}
    assert set(rows) == {"GN", "MA"}
    assert rows["GN"].label == "Guinee" and rows["MA"].label == "Marokko"
    assert rows["GN"].figures == GN
    assert rows["MA"].figures == MA


def test_rates(ctx):
    rows = {row.alpha2: row.figures for row in stats.country_rows(PERIOD, TODAY, "en")}
    assert rows["GN"].issuance_rate == pytest.approx(2 / 5)
    assert rows["GN"].share_within_limit == pytest.approx(4 / 5)
    assert rows["MA"].issuance_rate == pytest.approx(1 / 3)
    assert rows["MA"].share_within_limit == pytest.approx(2 / 3)


def test_mission_figures_and_their_sum(ctx):
    from countries.services import get_country

    country = get_country("GN")
    rows = stats.mission_rows(country, PERIOD, TODAY)
    assert [row.label for row in rows] == ["Ambassade van Guinee (Brussel)", "Consulaat-generaal van Guinee (Parijs)"]
    assert rows[0].figures == GN_BRUSSELS
    assert rows[1].figures == GN_PARIS
    # The country's counts are the sum of its missions'; the percentiles are of all its answers.
    assert stats.total(rows) == GN


def test_total_of_all_countries(ctx):
    # 14 requests; answered 10 10 12 19 20 30 40 40 (n = 8): median ceil(4) = 4 -> 19,
    # 90th ceil(7.2) = 8 -> 40. Issuance 3 / (3 + 3 + 1 + 1) = 3/8.
    total = stats.country_table(PERIOD, TODAY, "nl")[1]
    assert total == figures(
        requests=14, issued=3, refused=3,
        refused_by_reason={"not_recognised": 1, "nationality_not_established": 1, "unwilling": 1},
        handover=1, no_reply=1, withdrawn=2, withdrawn_by_reason={"absconded": 1, "departed_independently": 1},
        answered=8, within_limit=6, open=6, overdue=2, median_days=19, p90_days=40)
    assert total.issuance_rate == pytest.approx(3 / 8)


def test_distribution(ctx):
    from countries.services import get_country

    # GN answers 10, 12 -> 8-14; 19, 20 -> 15-30; 40 -> 31-60.
    gn = stats.distribution(PERIOD, stats.country_filter(get_country("GN")))
    assert [n for _bucket, n in gn] == [0, 2, 2, 1, 0, 0, 0, 0]
    assert [stats.bucket_label(b) for b, _n in gn][:2] == ["0\u20137", "8\u201314"]
    # MA answers 40 -> 31-60, 10 -> 8-14, 30 -> 15-30.
    ma = stats.distribution(PERIOD, stats.country_filter(get_country("MA")))
    assert [n for _bucket, n in ma] == [0, 1, 1, 1, 0, 0, 0, 0]


def test_trend_by_quarter_of_submission(ctx):
    from countries.services import get_country

    # The table's requests (submitted in the period) by quarter of submission:
    # GN Q1: issued R1 (01-05), R2; refused R3 (02-01), R4 (03-01); R11 was submitted in
    # 2025, so it is in neither the table nor the trend. MA Q1: issued R12 (01-02), refused
    # R14 (03-02); Q2: no reply R15 (submitted 04-15).
    def counts(where=()):
        return [(p.label, p.counts) for p in stats.trend(PERIOD, where)]

    assert counts(stats.country_filter(get_country("GN"))) == [
        ("2026 Q1", {"issued": 2, "refused": 2, "no_reply": 0}),
        ("2026 Q2", {"issued": 0, "refused": 0, "no_reply": 0})]
    assert counts(stats.country_filter(get_country("MA"))) == [
        ("2026 Q1", {"issued": 1, "refused": 1, "no_reply": 0}),
        ("2026 Q2", {"issued": 0, "refused": 0, "no_reply": 1})]
    assert counts() == [("2026 Q1", {"issued": 3, "refused": 3, "no_reply": 0}),
                        ("2026 Q2", {"issued": 0, "refused": 0, "no_reply": 1})]
    # The quarters add up to the table.
    total = stats.country_table(PERIOD, TODAY, "nl")[1]
    assert {o: sum(c[o] for _label, c in counts()) for o in stats.TREND_OUTCOMES} == {
        "issued": total.issued, "refused": total.refused, "no_reply": total.no_reply}


def test_trend_lists_empty_quarters_of_a_longer_period(ctx):
    period = stats.Period(date(2025, 10, 15), date(2026, 6, 30))
    points = stats.trend(period)
    assert [p.label for p in points] == ["2025 Q4", "2026 Q1", "2026 Q2"]
    assert points[0].counts == {"issued": 0, "refused": 0, "no_reply": 0}


def test_a_narrow_period_selects_by_submission_date(ctx):
    # February 2026: R3 (02-01), R8 (02-10), R13 (02-02). R3 refused after 40 days, R8 handover
    # after 20, R13 answered after 10. Open and overdue stay today's whatever the period.
    rows = {row.alpha2: row.figures for row in stats.country_rows(
        stats.Period(date(2026, 2, 1), date(2026, 2, 28)), TODAY, "nl")}
    assert (rows["GN"].requests, rows["GN"].answered, rows["GN"].median_days, rows["GN"].p90_days) == (2, 2, 20, 40)
    assert (rows["GN"].open, rows["GN"].overdue) == (4, 2)
    assert (rows["MA"].requests, rows["MA"].withdrawn, rows["MA"].median_days) == (1, 1, 10)


def test_ranking(ctx):
    rows = stats.country_rows(PERIOD, TODAY, "nl")
    fastest, slowest = stats.ranking(rows, "median")
    assert [r.alpha2 for r in fastest] == ["GN", "MA"] and slowest == []  # medians 19 and 30
    most, _least = stats.ranking(rows, "within")
    assert [r.alpha2 for r in most] == ["GN", "MA"]  # 80 % and 67 %
    assert [r.alpha2 for r in stats.ranking(rows, "median", size=1)[1]] == ["MA"]


def test_too_few_answers_are_not_ranked(ctx):
    rows = stats.country_rows(stats.Period(date(2026, 2, 1), date(2026, 2, 28)), TODAY, "nl")
    assert stats.ranking(rows, "median") == ([], [])  # GN 2 answers, MA 1


@pytest.mark.parametrize("args, field", [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "gisteren"}, "to"),
    ({"from": "2026-06-01", "to": "2026-05-01"}, "from"),
    ({"from": "2010-01-01", "to": "2026-05-01"}, "from"),
])
def test_bad_periods_are_refused(module_app, args, field):
    from lp.core.validation import ValidationFailed

    with module_app.test_request_context(), pytest.raises(ValidationFailed) as raised:
        stats.parse_period(args, TODAY)
    assert list(raised.value.errors) == [field]


def test_default_period_is_the_last_twelve_months():
    assert stats.parse_period({}, TODAY) == stats.Period(date(2025, 7, 2), date(2026, 7, 1))
    assert stats.Period.default(date(2028, 2, 29)) == stats.Period(date(2027, 3, 1), date(2028, 2, 29))


def test_the_definitions_are_the_module_docstring():
    for term, text in stats.DEFINITIONS:
        assert term in stats.__doc__ and text in stats.__doc__
