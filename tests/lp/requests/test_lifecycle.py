"""The LP request lifecycle: every allowed path, every illegal transition, impossible data."""

from datetime import date

import pytest

from lp.core.validation import Conflict, ValidationFailed
from lp.requests import services
from lp.requests.lifecycle import CLOSURE_REASONS, REFUSAL_REASONS, STATUSES, TRANSITIONS
from lp.requests.models import LpRequest
from lp.web.extensions import db

SUBMITTED = "2026-01-05"
#: Valid data for every transition (dates after SUBMITTED and in the past).
DATA = {
    "submit": {"submitted_on": SUBMITTED, "channel": "post"},
    "schedule_presentation": {"presentation_at": "2026-02-10T10:30", "place": "Embassy, Brussels",
                              "interpreter": "Susu", "staff_admitted": "no"},
    "record_presentation": {"occurred_on": "2026-02-10", "took_place": "yes"},
    "issue": {"lp_number": "LP123456", "issued_on": "2026-03-01", "valid_until": "2026-03-31"},
    "refuse": {"refusal_reason": "not_recognised", "decided_on": "2026-03-01"},
    "agree_handover": {"decided_on": "2026-03-01"},
    "record_no_reply": {"decided_on": "2026-11-01"},
    "withdraw": {"closure_reason": "absconded", "decided_on": "2026-03-01"},
    "record_departure": {"departed_on": "2026-03-20"},
    "record_expiry": {},
}
#: A shortest way to bring a fresh draft into each status.
PATH_TO = {
    "draft": [],
    "submitted": ["submit"],
    "presentation_scheduled": ["submit", "schedule_presentation"],
    "presented": ["submit", "schedule_presentation", "record_presentation"],
    "issued": ["submit", "issue"],
    "used": ["submit", "issue", "record_departure"],
    "expired": ["submit", "issue", "record_expiry"],
    "refused": ["submit", "refuse"],
    "handover_agreed": ["submit", "agree_handover"],
    "no_reply": ["submit", "record_no_reply"],
    "withdrawn": ["submit", "withdraw"],
}


@pytest.fixture
def country(make_country):
    return make_country("GN", missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}])


@pytest.fixture
def walk(app, make_request, country):
    """Create a request and apply actions; returns (status, [event to_status...])."""

    def run(actions, overrides=None):
        request_id = make_request(country)
        with app.test_request_context():
            for action in actions:
                data = {**DATA[action], **(overrides or {}).get(action, {})}
                services.apply_transition(db.session.get(LpRequest, request_id), action, data, user_id=None)
            request = db.session.get(LpRequest, request_id)
            return request_id, request.status, [e.to_status for e in request.events]

    return run


def test_every_status_is_reachable(walk):
    assert set(PATH_TO) == set(STATUSES)
    for status, path in PATH_TO.items():
        assert walk(path)[1] == status


def test_issued_then_used(app, walk):
    request_id, status, timeline = walk(["submit", "issue", "record_departure"])
    assert status == "used"
    assert timeline == ["draft", "submitted", "issued", "used"]
    with app.app_context():
        request = db.session.get(LpRequest, request_id)
        assert (request.lp_number, request.issued_on, request.valid_until, request.departed_on) == (
            "LP123456", date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 20))
        assert not request.is_open


def test_issued_then_expired(walk):
    assert walk(["submit", "issue", "record_expiry"])[1:] == ("expired", ["draft", "submitted", "issued", "expired"])


@pytest.mark.parametrize("reason", [value for value, _label in REFUSAL_REASONS])
def test_each_refusal_reason(app, walk, reason):
    request_id, status, _ = walk(["submit", "refuse"], {"refuse": {"refusal_reason": reason}})
    with app.app_context():
        assert (status, db.session.get(LpRequest, request_id).refusal_reason) == ("refused", reason)


@pytest.mark.parametrize("reason", [value for value, _label in CLOSURE_REASONS])
def test_each_withdrawal_reason(app, walk, reason):
    request_id, status, _ = walk(["submit", "withdraw"], {"withdraw": {"closure_reason": reason}})
    with app.app_context():
        assert (status, db.session.get(LpRequest, request_id).closure_reason) == ("withdrawn", reason)


def test_handover_agreed_and_no_reply(walk):
    assert walk(["submit", "agree_handover"])[1] == "handover_agreed"
    assert walk(["submit", "record_no_reply"])[1] == "no_reply"


def test_presentation_then_issue(walk):
    _, _, timeline = walk(["submit", "schedule_presentation", "record_presentation", "issue"])
    assert timeline == ["draft", "submitted", "presentation_scheduled", "presented", "issued"]


def test_presentation_that_did_not_take_place_returns_to_submitted(walk):
    _, status, _ = walk(["submit", "schedule_presentation", "record_presentation"],
                        {"record_presentation": {"took_place": "no"}})
    assert status == "submitted"


def test_withdrawal_from_draft_and_from_issued(walk):
    assert walk(["withdraw"], {"withdraw": {"decided_on": "2026-01-01"}})[1] == "withdrawn"
    assert walk(["submit", "issue", "withdraw"], {"withdraw": {"decided_on": "2026-03-02"}})[1] == "withdrawn"


def _illegal_pairs():
    for status in PATH_TO:
        for action, transition in TRANSITIONS.items():
            if not transition.allowed_from(status):
                yield status, action


@pytest.mark.parametrize("status,action", list(_illegal_pairs()))
def test_illegal_transition_is_refused_and_changes_nothing(app, walk, status, action):
    request_id, _, _ = walk(PATH_TO[status])
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        request = db.session.get(LpRequest, request_id)
        before = (request.status, request.version, len(request.events))
        with pytest.raises(services.IllegalTransition) as refused:
            services.apply_transition(request, action, DATA[action], user_id=None)
        assert "niet mogelijk" in str(refused.value.message)
        db.session.rollback()
        request = db.session.get(LpRequest, request_id)
        assert (request.status, request.version, len(request.events)) == before


@pytest.mark.parametrize("action,data,field,message", [
    ("submit", {"submitted_on": "2999-01-01", "channel": "post"}, "submitted_on", "This date lies in the future."),
    ("issue", {"lp_number": "X1", "issued_on": "2025-12-01", "valid_until": "2026-01-31"}, "issued_on",
     "This date lies before the submission (2026-01-05)."),
    ("issue", {"lp_number": "X1", "issued_on": "2026-03-01", "valid_until": "2026-02-01"}, "valid_until",
     "Valid until lies before the date of issue."),
    ("issue", {"issued_on": "2026-03-01", "valid_until": "2026-03-31"}, "lp_number", "This field is required."),
    ("refuse", {"decided_on": "2026-03-01"}, "refusal_reason", "This field is required."),
    ("refuse", {"refusal_reason": "because", "decided_on": "2026-03-01"}, "refusal_reason",
     "Not one of the allowed values"),
    ("withdraw", {"closure_reason": "deceased"}, "decided_on", "This field is required."),
    ("refuse", {"refusal_reason": "other", "decided_on": "01-03-2026"}, "decided_on", "Enter a date as YYYY-MM-DD."),
])
def test_impossible_data_is_refused_and_changes_nothing(app, walk, action, data, field, message):
    request_id, _, _ = walk([] if action == "submit" else ["submit"])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        request = db.session.get(LpRequest, request_id)
        before = (request.status, request.version, len(request.events))
        with pytest.raises(ValidationFailed) as refused:
            services.apply_transition(request, action, data, user_id=None)
        assert str(refused.value.errors[field][0]).startswith(message)
        db.session.rollback()
        request = db.session.get(LpRequest, request_id)
        assert (request.status, request.version, len(request.events)) == before


def test_departure_after_the_lp_expired_is_refused(walk):
    with pytest.raises(ValidationFailed):
        walk(["submit", "issue", "record_departure"], {"record_departure": {"departed_on": "2026-04-15"}})


def test_a_stale_version_is_refused(app, walk):
    request_id, _, _ = walk(["submit"])
    with app.test_request_context():
        request = db.session.get(LpRequest, request_id)
        with pytest.raises(Conflict):
            services.apply_transition(request, "refuse", DATA["refuse"], user_id=None,
                                      expected_version=request.version - 1)


def test_reference_is_readable_and_unique(app, make_request, country):
    first, second = make_request(country), make_request(country)
    with app.app_context():
        references = [db.session.get(LpRequest, i).reference for i in (first, second)]
    assert references[0].startswith("LP-20") and references[0] != references[1]
