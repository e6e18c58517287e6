"""Defect 2 of issue 11: every action form opens on the request's values and changes only what it names.

For each action of the request page: all columns of the request before and after
posting its form as the browser shows it (only the values it needs filled in); only the
columns the action is about may change, and each change is on the timeline as old → new.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, select

from lp.requests import services
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.lp.requests.form_html import form_values
from tests.lp.requests.test_views import _page, guinea  # noqa: F401  (fixture)

DETAILS = {"embassy_reference": "EMB/2026/77", "documents_enclosed": "Kopie paspoort\nGeboorteakte"}
#: Bookkeeping that changes with every change: the version, and the day the reminder sweep looks again.
ALWAYS = {"version", "next_due_on"}
#: Per action: what the person fills in (the form's other values left as shown), the columns
#: it may change, and the state the request is put in first.
ACTIONS = {
    "submit": ({"submitted_on": "2026-11-02", "channel": "email"},
               {"status", "submitted_on", "channel", "reply_due_on"}, "draft"),
    "schedule_presentation": ({"presentation_at": "2026-12-10T10:00", "place": "Ambassade, Brussel"},
                              {"status", "next_presentation_at"}, "submitted"),
    "record_presentation": ({"occurred_on": "2026-11-20", "took_place": "yes"},
                            {"status", "next_presentation_at"}, "presentation_scheduled"),
    "issue": ({"lp_number": "LP-GN-1", "issued_on": "2026-11-20", "valid_until": "2026-12-20"},
              {"status", "lp_number", "issued_on", "valid_until", "decided_on", "reply_due_on",
               "response_days", "allowed_days"}, "submitted"),
    "refuse": ({"refusal_reason": "other", "decided_on": "2026-11-20", "confirm": "y"},
               {"status", "refusal_reason", "decided_on", "is_open", "reply_due_on", "response_days",
                "allowed_days"}, "submitted"),
    "agree_handover": ({"decided_on": "2026-11-20"},
                       {"status", "decided_on", "is_open", "reply_due_on", "response_days", "allowed_days"},
                       "submitted"),
    "record_no_reply": ({"decided_on": "2026-11-20", "confirm": "y"},
                        {"status", "decided_on", "is_open", "reply_due_on"}, "submitted"),
    "withdraw": ({"closure_reason": "deceased", "decided_on": "2026-11-20", "confirm": "y"},
                 {"status", "closure_reason", "decided_on", "is_open", "reply_due_on"}, "submitted"),
    "record_departure": ({"departed_on": "2026-11-21"}, {"status", "departed_on", "is_open"}, "issued"),
    "record_expiry": ({}, {"status", "is_open", "decided_on"}, "expired_lp"),
    "contact": ({"contact_kind": "call", "occurred_on": "2026-11-20"}, set(), "submitted"),
    "pause": ({"occurred_on": "2026-11-20", "reason": "wacht op documenten"},
              {"paused_since", "reply_due_on"}, "submitted"),
    "resume": ({"occurred_on": "2026-11-22", "reason": "ontvangen"},
               {"paused_since", "paused_days", "reply_due_on"}, "paused"),
}


def _columns(app, request_id: int) -> dict[str, object]:
    with app.app_context():
        request = db.session.get(LpRequest, request_id)
        return {column.key: getattr(request, column.key) for column in inspect(LpRequest).column_attrs}


def _events(app, request_id: int) -> list[RequestEvent]:
    with app.app_context():
        return list(db.session.scalars(select(RequestEvent).where(RequestEvent.request_id == request_id)
                                       .order_by(RequestEvent.id)))


@pytest.fixture
def prepared(app, guinea, make_request):  # noqa: F811
    """Return a function that puts a request with every detail filled in into a state."""

    def prepare(state: str) -> int:
        request_id = make_request("GN", submitted_on=None if state == "draft" else "2026-11-01")
        steps = {
            "presentation_scheduled": [("schedule_presentation", {
                "presentation_at": "2026-11-20T10:00", "place": "Den Haag", "interpreter": "Tolk A",
                "staff_admitted": "yes"})],
            "issued": [("issue", {"lp_number": "LP-1", "issued_on": "2026-11-10", "valid_until": "2027-01-10"})],
            "expired_lp": [("issue", {"lp_number": "LP-1", "issued_on": "2026-11-10",
                                      "valid_until": "2026-11-15"})],
        }.get(state, [])
        with app.test_request_context():
            request = db.session.get(LpRequest, request_id)
            services.update_details(request, {**DETAILS, "identity_requested": True}, user_id=None,
                                    expected_version=request.version)
            for action, raw in steps:
                services.apply_transition(request, action, raw, user_id=None)
            if state == "paused":
                services.pause_clock(request, {"occurred_on": "2026-11-15", "reason": "wacht"}, user_id=None)
        return request_id

    return prepare


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_changes_only_what_it_names_and_shows_each_change(app, client, login_as, prepared, action):
    filled, allowed, state = ACTIONS[action]
    request_id = prepared(state)
    login_as("staff")
    url = f"/requests/{request_id}/actions/{action}"
    page = _page(client, f"/requests/{request_id}")
    shown, _boxes = form_values(page, url)
    before, events_before = _columns(app, request_id), len(_events(app, request_id))
    # Every value the form takes that the request holds is shown filled in.
    for name in DETAILS:
        if f"{action}-{name}" in shown:
            assert shown[f"{action}-{name}"] == before[name], name
    posted = {**shown, **{f"{action}-{name}": value for name, value in filled.items()}}
    response = client.post(url, data=posted)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = _columns(app, request_id)
    changed = {name for name in before if before[name] != after[name]}
    assert changed - ALWAYS <= allowed, changed - ALWAYS - allowed
    assert {name: after[name] for name in DETAILS} == DETAILS and after["identity_requested"] is True
    events = _events(app, request_id)
    assert len(events) == events_before + 1
    recorded = events[-1].data.get("changes", {})
    assert set(recorded) == changed & set(services.TRACKED)
    for old, new in recorded.values():
        assert old != new
    timeline = _page(client, f"/requests/{request_id}")
    assert timeline.count(" → ") >= len(recorded) + (1 if action in services.TRANSITIONS else 0)


def test_recording_the_submission_keeps_the_reference_and_documents(app, client, login_as, guinea,  # noqa: F811
                                                                  make_person):
    """The defect as found: a draft with the embassy's reference and documents, then "Indiening vastleggen"."""
    person_id = make_person(nationality="GN")
    login_as("staff")
    new = _page(client, f"/requests/new?person={person_id}&country=GN")
    values, _boxes = form_values(new, "")  # the form posts to its own page
    values |= {"embassy_reference": "AMB-12", "documents_enclosed": "Kopie paspoort"}
    created = client.post(f"/requests/new?person={person_id}&country=GN", data=values)
    assert created.status_code == 302
    request_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = _page(client, f"/requests/{request_id}")
    shown, _boxes = form_values(page, f"/requests/{request_id}/actions/submit")
    assert shown["submit-embassy_reference"] == "AMB-12"
    assert shown["submit-documents_enclosed"] == "Kopie paspoort"
    response = client.post(f"/requests/{request_id}/actions/submit",
                           data={**shown, "submit-submitted_on": "2026-11-02", "submit-channel": "post"})
    assert response.status_code == 302
    after = _columns(app, request_id)
    assert (after["embassy_reference"], after["documents_enclosed"]) == ("AMB-12", "Kopie paspoort")
    timeline = _page(client, f"/requests/{request_id}")
    assert re.search(r"Ingediend op</dt>\s*<dd[^>]*>— → 2 nov 2026", timeline)
    assert re.search(r"Verzendwijze</dt>\s*<dd[^>]*>— → Post", timeline)


def test_the_api_leaves_what_it_does_not_send(app, client, bearer, prepared):
    request_id = prepared("draft")
    before = _columns(app, request_id)
    response = client.post(f"/api/v1/requests/{request_id}/events", headers=bearer("staff"),
                           json={"action": "submit", "data": {"submitted_on": "2026-11-02", "channel": "post"}})
    assert response.status_code == 201
    assert response.get_json()["event"]["data"]["changes"]["submitted_on"] == ["", "2026-11-02"]
    after = _columns(app, request_id)
    assert {name: after[name] for name in DETAILS} == {name: before[name] for name in DETAILS} == DETAILS


def test_clearing_a_value_on_purpose_is_recorded(app, client, login_as, prepared):
    request_id = prepared("draft")
    login_as("staff")
    url = f"/requests/{request_id}/actions/submit"
    shown, _boxes = form_values(_page(client, f"/requests/{request_id}"), url)
    posted = {**shown, "submit-submitted_on": "2026-11-02", "submit-channel": "post", "submit-embassy_reference": ""}
    assert client.post(url, data=posted).status_code == 302
    assert _columns(app, request_id)["embassy_reference"] == ""
    assert _events(app, request_id)[-1].data["changes"]["embassy_reference"] == ["EMB/2026/77", ""]


def test_an_unchanged_edit_records_nothing(app, client, login_as, prepared):
    request_id = prepared("submitted")
    login_as("staff")
    url = f"/requests/{request_id}/edit"
    shown, _boxes = form_values(_page(client, url), "")
    assert shown["embassy_reference"] == DETAILS["embassy_reference"]
    assert shown["documents_enclosed"] == DETAILS["documents_enclosed"]
    before, events = _columns(app, request_id), len(_events(app, request_id))
    assert client.post(url, data=shown).status_code == 302
    assert _columns(app, request_id) == before and len(_events(app, request_id)) == events
    # One change: only that column moves, and the timeline says old → new.
    assert client.post(url, data={**shown, "embassy_reference": "EMB/78"}).status_code == 302
    after = _columns(app, request_id)
    assert {name for name in before if before[name] != after[name]} == {"embassy_reference", "version"}
    assert "EMB/2026/77 → EMB/78" in _page(client, f"/requests/{request_id}")
