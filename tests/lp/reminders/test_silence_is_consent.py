"""Silence as consent (issue 14): where the agreement in force says so, an unanswered
request counts as agreed the day after its limit, and nobody is told to chase the embassy.

The Albania agreement is created here as the issue describes it (14 calendar days, silence
is consent, in force since 1 May 2006); the reference data may carry it later.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from lp.core.validation import ValidationFailed
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ALBANIA = {"kind": "eu_readmission", "title": "EU-Albania readmission agreement", "reply_time_limit_days": 14,
           "silence_is_acceptance": "yes", "in_force_since": date(2006, 5, 1), "source": "OJ L 124, 17.5.2005"}
SUBMITTED = "2026-01-05"  # day 0; the limit ends on day 14 (19 January); day 15 is 20 January


def _on(day: str):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=10, tzinfo=AMSTERDAM), tick=False)


@pytest.fixture
def albania(make_country):
    return make_country("AL", agreements=[ALBANIA], missions=[{"name": "Ambassade van Albanië"}])


def test_albania_request_is_deemed_agreed_on_day_15_without_escalation(albania, make_request, sweep_on):
    make_request(albania, submitted_on=SUBMITTED)
    assert sweep_on("2026-01-19") == set()
    assert sweep_on("2026-01-20") == {("deemed_agreed", 1)}
    # Months later: still "arrange the handover", never a note verbale, escalation or "no reply".
    assert sweep_on("2026-06-01") == {("deemed_agreed", 1)}
    assert sweep_on("2027-01-06") == {("deemed_agreed", 1)}


def test_the_page_and_the_api_show_since_when(albania, make_request, login_as, client, bearer):
    request_id = make_request(albania, submitted_on=SUBMITTED)
    headers = bearer("viewer", email="api@example.org")
    with _on("2026-01-19"):
        login_as("viewer")
        assert client.get(f"/api/v1/requests/{request_id}", headers=headers).get_json()["deemed_agreed_on"] is None
        assert "Geacht ingestemd" not in client.get(f"/requests/{request_id}").get_data(as_text=True)
    with _on("2026-01-20"):
        assert client.get(f"/api/v1/requests/{request_id}",
                          headers=headers).get_json()["deemed_agreed_on"] == "2026-01-20"
        page = client.get(f"/requests/{request_id}").get_data(as_text=True)
        assert "Geacht ingestemd sinds 20 jan 2026" in page


def test_the_reminder_says_arrange_the_handover(albania, make_request, login_as, client, sweep_on):
    make_request(albania, submitted_on=SUBMITTED)
    sweep_on("2026-01-20")
    with _on("2026-01-20"):
        login_as("staff")
        page = client.get("/reminders/?scope=all").get_data(as_text=True)
    assert "Geacht ingestemd: regel de overdracht en de vlucht" in page
    assert "Antwoord te laat – niveau" not in page


def test_an_agreement_not_yet_in_force_changes_nothing(make_country, make_request, sweep_on):
    make_country("AL", agreements=[{**ALBANIA, "in_force_since": date(2026, 6, 1)}])
    make_request("AL", submitted_on=SUBMITTED)  # the default 30 days: due 4 February
    assert sweep_on("2026-01-20") == set()
    assert sweep_on("2026-02-05") == {("reply_overdue", 1)}


def test_staff_record_the_handover_with_basis_silence(app, albania, make_request):
    request_id = make_request(albania, submitted_on=SUBMITTED)
    with _on("2026-01-25"), app.test_request_context():
        request = db.session.get(LpRequest, request_id)
        with pytest.raises(ValidationFailed) as refused:
            services.apply_transition(request, "agree_handover", {"decided_on": "2026-01-19", "basis": "silence"},
                                      user_id=None)
        assert "basis" in refused.value.errors
        db.session.rollback()
        event = services.apply_transition(request, "agree_handover",
                                          {"decided_on": "2026-01-20", "basis": "silence"}, user_id=None)
        assert event.data["basis"] == "silence"
        assert event.data["agreement"] == "EU-Albania readmission agreement (OJ L 124, 17.5.2005)"
        assert request.status == "handover_agreed"
        assert request.response_days is None  # silence is no answer: not timed as one


def test_the_insights_count_it_as_its_own_outcome(app, albania, make_request):
    from lp.insights import stats

    by_silence = make_request(albania, submitted_on=SUBMITTED)
    by_answer = make_request(albania, submitted_on=SUBMITTED)
    with _on("2026-01-25"), app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, by_silence), "agree_handover",
                                  {"decided_on": "2026-01-20", "basis": "silence"}, user_id=None)
        services.apply_transition(db.session.get(LpRequest, by_answer), "agree_handover",
                                  {"decided_on": "2026-01-12"}, user_id=None)
        period = stats.Period(date(2026, 1, 1), date(2026, 1, 31))
        (row,) = stats.country_rows(period, date(2026, 1, 25), "nl")
    figures = row.figures
    assert (figures.handover, figures.deemed_agreed, figures.answered, figures.within_limit) == (1, 1, 1, 1)
    assert figures.median_days == 7  # the answer's response time only
