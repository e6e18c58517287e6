"""Issue 14: an embassy that answers after "no reply" was recorded can be recorded, flagged late.

The answer keeps its real response time (from the submission, paused days left out), and
the insights count it as an answer, no longer as "no reply".
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from lp.insights import stats
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db

TODAY = date(2026, 6, 1)
PERIOD = stats.Period(date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def no_reply(app, frozen, make_country, make_request):
    """A request submitted on 5 January and closed as "no reply" on 1 April."""
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade van Guinee"}])
    request_id = make_request("GN", submitted_on="2026-01-05")
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "record_no_reply",
                                  {"decided_on": "2026-04-01"}, user_id=None)
    return request_id


def _gn() -> stats.Figures:
    return next(row for row in stats.country_rows(PERIOD, TODAY, "nl") if row.alpha2 == "GN").figures


def test_an_lp_issued_after_no_reply_is_recorded_late_reopened_and_timed(app, no_reply):
    with app.test_request_context():
        assert (_gn().no_reply, _gn().issued, _gn().answered) == (1, 0, 0)
        request = db.session.get(LpRequest, no_reply)
        services.apply_transition(request, "issue", {"lp_number": "LP-77", "issued_on": "2026-05-10",
                                                     "valid_until": "2026-06-30"}, user_id=None)
        request = db.session.get(LpRequest, no_reply)
        assert (request.status, request.answered_late, request.is_open) == ("issued", True, True)
        assert request.response_days == (date(2026, 5, 10) - date(2026, 1, 5)).days == 125
        gn = _gn()
        assert (gn.no_reply, gn.issued, gn.answered) == (0, 1, 1)
        assert gn.time_to_answer.finished == 1


def test_a_refusal_after_no_reply_is_recorded_late_and_stays_closed(app, no_reply):
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, no_reply), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-04-20"}, user_id=None)
        request = db.session.get(LpRequest, no_reply)
        assert (request.status, request.answered_late, request.is_open) == ("refused", True, False)
        assert request.response_days == 105


def test_a_late_answer_shows_on_the_page_and_in_the_api(client, app, no_reply, login_as, bearer):
    login_as("staff")
    page = client.get(f"/requests/{no_reply}").get_data(as_text=True)
    assert "Afgifte LP vastleggen" in page  # offered after no reply
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, no_reply), "agree_handover",
                                  {"decided_on": "2026-05-02", "basis": "answer"}, user_id=None)
    page = client.get(f"/requests/{no_reply}").get_data(as_text=True)
    assert "ja, nadat geen antwoord was vastgelegd" in page
    body = client.get(f"/api/v1/requests/{no_reply}", headers=bearer("viewer")).get_json()
    assert body["answered_late"] is True and body["status"] == "handover_agreed"


def test_other_closed_requests_take_no_late_answer(app, frozen, make_country, make_request):
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade van Guinee"}])
    request_id = make_request("GN", submitted_on="2026-01-05")
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "withdraw",
                                  {"closure_reason": "other", "decided_on": "2026-02-01"}, user_id=None)
        with pytest.raises(Exception) as refused:
            services.apply_transition(db.session.get(LpRequest, request_id), "issue",
                                      {"lp_number": "LP-1", "issued_on": "2026-03-01", "valid_until": "2026-04-01"},
                                      user_id=None)
        db.session.rollback()
        assert db.session.get(LpRequest, request_id).status == "withdrawn", refused
