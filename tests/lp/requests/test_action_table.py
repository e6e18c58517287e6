"""One table of actions: what the request page offers, what the API lists, documents and accepts agree.

``lifecycle.ACTIONS`` is the only list of what staff can record on a request. Written out
by hand here, per status (and with the deadline clock running or paused): the actions a
person is offered. The page, the API's ``actions``, the OpenAPI document and the refusals
must all say the same; an action added to the table shows up on the page and in the API
without touching views, forms or the API.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask_babel import lazy_gettext as _l

from lp.requests import lifecycle, services
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.lp.requests.form_html import form_values
from tests.lp.requests.test_lifecycle import DATA, PATH_TO
from tests.lp.requests.test_views import _page, act, guinea  # noqa: F401  (fixture)

#: What a request waiting for the embassy's answer offers in every such status.
WAITING = {"schedule_presentation", "issue", "refuse", "agree_handover", "record_no_reply", "withdraw", "contact"}
#: (status, clock paused) → the actions its page offers.
OFFERED = {
    ("draft", False): {"submit", "withdraw"},
    ("submitted", False): WAITING | {"pause"},
    ("submitted", True): WAITING | {"resume"},
    ("presentation_scheduled", False): WAITING | {"record_presentation", "pause"},
    ("presentation_scheduled", True): WAITING | {"record_presentation", "resume"},
    ("presented", False): WAITING | {"pause"},
    ("presented", True): WAITING | {"resume"},
    ("issued", False): {"withdraw", "record_departure", "record_expiry", "contact"},
    # Issued while the clock was paused: the pause stays until someone resumes it.
    ("issued", True): {"withdraw", "record_departure", "record_expiry", "contact", "resume"},
    # An embassy may still answer after "no reply" was recorded: that answer is recorded, late.
    ("no_reply", False): {"issue", "refuse", "agree_handover"},
    **{(status, False): set() for status in ("used", "expired", "refused", "handover_agreed", "withdrawn")},
}
#: Closing these cannot be undone: their form asks for a ticked confirmation.
CONFIRMED = {"refuse", "withdraw", "record_no_reply"}
#: Valid values for every action (after the submission in DATA, before the frozen today).
VALUES = {
    **DATA,
    "contact": {"contact_kind": "call", "occurred_on": "2026-01-20", "note": "Gebeld"},
    "pause": {"occurred_on": "2026-01-20", "reason": "wacht op documenten"},
    "resume": {"occurred_on": "2026-01-25", "reason": "ontvangen"},
}
#: Form fields that are not values of the action (the version, the confirmations).
BOOKKEEPING = {"version", "confirm", "confirm_unusual"}
TODAY = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def prepared(app, guinea, make_request):  # noqa: F811
    """Return a function that brings a new request into a status, its clock paused right after submission."""

    def prepare(status: str, paused: bool) -> int:
        request_id = make_request("GN")
        with app.test_request_context():
            request = db.session.get(LpRequest, request_id)
            for step, action in enumerate(PATH_TO[status]):
                services.apply_transition(request, action, DATA[action], user_id=None)
                if paused and step == 0:
                    services.pause_clock(request, VALUES["pause"], user_id=None)
        return request_id

    return prepare


def _offered_on_page(page: str, request_id: int) -> list[str]:
    return re.findall(rf'action="/requests/{request_id}/actions/(\w+)"', page)


def _values_of(action: str, page: str, request_id: int) -> set[str]:
    """Return the names of the values the page's form of ``action`` takes."""
    fields, boxes = form_values(page, f"/requests/{request_id}/actions/{action}")
    names = {name.removeprefix(f"{action}-") for name in {*fields, *boxes} if name.startswith(f"{action}-")}
    return names - BOOKKEEPING


@pytest.mark.parametrize("status,paused", list(OFFERED))
def test_page_api_and_document_offer_exactly_what_the_status_allows(app, client, login_as, bearer, prepared,
                                                                     status, paused):
    request_id = prepared(status, paused)
    login_as("staff")
    token = bearer("staff")
    page = _page(client, f"/requests/{request_id}")
    offered = _offered_on_page(page, request_id)
    assert set(offered) == OFFERED[(status, paused)]
    assert client.get(f"/api/v1/requests/{request_id}", headers=token).json["actions"] == offered

    schemas = client.get("/api/v1/openapi.json", headers=token).json["components"]["schemas"]
    bodies = {body["properties"]["action"]["const"]: body for body in schemas["RequestEventPost"]["oneOf"]}
    for action in offered:
        documented = set(bodies[action]["properties"]["data"]["properties"])
        # A transition's note goes beside its values (a field on the page, ``note`` in the API).
        assert _values_of(action, page, request_id) - {"note"} == documented - {"note"}, action
        _fields, boxes = form_values(page, f"/requests/{request_id}/actions/{action}")
        assert (f"{action}-confirm" in boxes) == (action in CONFIRMED), action

    refused = [action for action in schemas["LpRequestDetail"]["properties"]["actions"]["items"]["enum"]
               if action not in offered]
    version = client.get(f"/api/v1/requests/{request_id}", headers=token).json["version"]
    for action in refused:
        response = client.post(f"/api/v1/requests/{request_id}/events", headers=token,
                               json={"action": action, "data": VALUES[action]})
        assert response.status_code == 409, (action, response.json)
    after = client.get(f"/api/v1/requests/{request_id}", headers=token).json
    assert (after["status"], after["version"]) == (status, version)


def test_the_document_names_every_action_some_status_offers(client, bearer):
    schemas = client.get("/api/v1/openapi.json", headers=bearer("viewer")).json["components"]["schemas"]
    enum = schemas["LpRequestDetail"]["properties"]["actions"]["items"]["enum"]
    assert set(enum) == set().union(*OFFERED.values())
    assert [body["properties"]["action"]["const"] for body in schemas["RequestEventPost"]["oneOf"]] == enum


def test_an_action_added_to_the_table_is_offered_and_recorded(app, client, login_as, bearer, prepared,
                                                              monkeypatch):
    """Declaring a transition is all it takes: the page offers it, the API lists it, recording it works."""
    added = lifecycle.Transition("record_handover_by_letter", _l("Record handover agreed by letter"),
                                 lifecycle.AWAITING_ANSWER, "handover_agreed", ("decided_on",), confirm=True)
    # As declaring it in lifecycle.TRANSITIONS does (ACTIONS starts with the transitions).
    monkeypatch.setitem(lifecycle.TRANSITIONS, added.name, added)
    monkeypatch.setitem(lifecycle.ACTIONS, added.name, added)
    request_id = prepared("submitted", False)
    login_as("staff")
    page = _page(client, f"/requests/{request_id}")
    assert added.name in _offered_on_page(page, request_id)
    assert "Record handover agreed by letter" in page
    assert _values_of(added.name, page, request_id) == {"decided_on", "note"}
    assert added.name in client.get(f"/api/v1/requests/{request_id}", headers=bearer("staff")).json["actions"]

    unconfirmed = act(client, request_id, added.name, {"decided_on": "2026-03-01"})
    assert unconfirmed.status_code == 422
    recorded = act(client, request_id, added.name, {"decided_on": "2026-03-01", "confirm": "y", "note": "Brief"})
    assert recorded.status_code == 302
    page = _page(client, f"/requests/{request_id}")
    assert "Record handover agreed by letter" in page  # the flash names it
    with app.app_context():
        request = db.session.get(LpRequest, request_id)
        assert (request.status, request.is_open, request.events[-1].note) == ("handover_agreed", False, "Brief")
