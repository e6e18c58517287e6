"""Every request action, before and after: the form opens with the request's current values, and
recording it changes only what the person filled in, with the status, version and deadline (and
what the lifecycle says the action moves: ALSO, CLOSING); every other field stays as it was.

Each action is walked on its own request, in a state that allows it, with the demo data.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lp.requests.lifecycle import ACTIONS, CLOSED, TRANSITIONS
from lp.requests.services import OUTCOME_COLUMNS
from lp.web.extensions import db
from tests.e2e import playwright_expect
from tests.e2e.walks import as_text, form_fields, history_rows, messages, set_value

pytestmark = pytest.mark.e2e
expect = playwright_expect()

TODAY = date.today()
#: What the API derives for display; not fields of the request.
SHOWN_ONLY = ("actions", "status_label", "checklist")
#: What every recorded action may move besides its own fields: the state and the deadline clock.
STATE = ("status", "is_open", "version", "reply_due_on")
#: What a closing action may move besides: the clock and the planned presentation end with it.
CLOSING = ("paused_since", "next_presentation_at", "decided_on")
#: What each action changes besides the fields it takes, as the lifecycle (DESIGN.md) says.
ALSO = {
    "schedule_presentation": ("next_presentation_at",),
    "record_presentation": ("next_presentation_at",),
    "issue": ("decided_on",),
    "record_expiry": ("decided_on",),
    "pause": ("paused_since",),
    "resume": ("paused_since", "paused_days"),
}
#: A valid value for each input an action requires, typed when the form opens without one.
VALUES = {
    "submitted_on": (TODAY - timedelta(days=5)).isoformat(), "channel": "post",
    "embassy_reference": "WALK/1", "documents_enclosed": "Paspoortkopie (walk)",
    "presentation_at": f"{TODAY + timedelta(days=7)}T10:30", "place": "Ambassade (walk)",
    "interpreter": "Tolk (walk)", "staff_admitted": "yes", "took_place": "yes",
    "lp_number": "WALK-LP-1", "issued_on": TODAY.isoformat(), "valid_until": (TODAY + timedelta(days=30)).isoformat(),
    "refusal_reason": "other", "closure_reason": "other", "decided_on": TODAY.isoformat(),
    "departed_on": TODAY.isoformat(), "occurred_on": TODAY.isoformat(), "contact_kind": "call",
    "reason": "Wacht op documenten (walk)", "note": "Notitie (walk)", "confirm": "yes",
}


def _record(api, request_id: int) -> dict[str, str]:
    """Return every field of a request as the API shows it, as text."""
    record = api(f"/requests/{request_id}")
    return {name: as_text(value) for name, value in record.items() if name not in SHOWN_ONLY}


def _request_allowing(app, api, action: str, taken: set[int]) -> int:
    """Return an open request whose state allows ``action``, preferring rich ones.

    Each action gets a request not walked yet; "resume" takes the one "pause" paused.
    """
    from lp.requests.models import LpRequest

    with app.app_context():
        ids = db.session.scalars(select(LpRequest.id).where(LpRequest.is_open.is_(True))
                                 .order_by(LpRequest.embassy_reference == "", LpRequest.id)).all()
        db.session.remove()
    for request_id in ids:
        if (action == "resume" or request_id not in taken) and action in api(f"/requests/{request_id}")["actions"]:
            taken.add(request_id)
            return request_id
    raise AssertionError(f"the demo data has no open request that allows {action}")


@pytest.fixture(scope="module")
def taken() -> set[int]:
    return set()


def _issued_and_expired(api, app, taken) -> int:
    """Return a request whose LP was issued and is no longer valid (issued through the API)."""
    request_id = _request_allowing(app, api, "issue", taken)
    submitted = date.fromisoformat(api(f"/requests/{request_id}")["submitted_on"])
    issued = max(submitted, TODAY - timedelta(days=20))
    api.post(f"/requests/{request_id}/events", {"action": "issue", "data": {
        "lp_number": "WALK-LP-OLD", "issued_on": issued.isoformat(),
        "valid_until": (TODAY - timedelta(days=1)).isoformat()}})
    return request_id


def _draft_with_details(app, api, taken: set[int]) -> int:
    """Return a draft that already holds the embassy's reference and the enclosed documents."""
    request_id = _request_allowing(app, api, "submit", taken)
    record = api(f"/requests/{request_id}")
    if not (record["embassy_reference"] and record["documents_enclosed"]):
        api.patch(f"/requests/{request_id}", {"version": record["version"], "embassy_reference": "GN/2026/17",
                                              "documents_enclosed": "Kopie geboorteakte"})
    return request_id


def _paused(app, api, taken: set[int]) -> int:
    """Return a paused request: the one the "pause" walk paused, or one paused through the API."""
    try:
        return _request_allowing(app, api, "resume", taken)
    except AssertionError:
        request_id = _request_allowing(app, api, "pause", taken)
        api.post(f"/requests/{request_id}/events", {"action": "pause", "data": {
            "occurred_on": TODAY.isoformat(), "reason": "Wacht op documenten"}})
        return request_id


def _request_for(app, api, taken: set[int], action: str) -> int:
    """Return a request to walk ``action`` on, brought into a state that shows what the walk checks."""
    if action == "record_expiry":
        return _issued_and_expired(api, app, taken)
    if action == "submit":
        return _draft_with_details(app, api, taken)
    if action == "resume":
        return _paused(app, api, taken)
    return _request_allowing(app, api, action, taken)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_action_changes_only_its_own_fields(admin_page, seeded_app, api, taken, action):
    """Open the action as a person does, fill in only what it requires, record it; compare all fields."""
    page = admin_page
    request_id = _request_for(seeded_app, api, taken, action)
    before, rows = _record(api, request_id), history_rows(seeded_app)

    page.goto(f"/requests/{request_id}")
    card = page.locator("details").filter(has=page.locator(f"form[action$='/actions/{action}']"))
    card.locator("summary").click()
    form = card.locator("form")
    shown = {name.removeprefix(f"{action}-"): entry for name, entry in form_fields(form).items()}
    problems = [f"{name} opens as {entry['value']!r}, the request holds {before[name]!r}"
                for name, entry in shown.items() if name in OUTCOME_COLUMNS and entry["value"] != before[name]]
    typed = {}
    for name, entry in shown.items():
        if entry["value"] in ("", "no") and (entry["required"] or name == "confirm"):
            typed[name] = VALUES[name]
            set_value(form, entry, typed[name])
    with page.expect_navigation():
        form.get_by_role("button", name="Vastleggen").click()
    assert not messages(page), (action, request_id, typed, messages(page))
    expect(page.get_by_role("alert").first).to_contain_text("Vastgelegd")

    after = _record(api, request_id)
    closing = action in TRANSITIONS and TRANSITIONS[action].target in CLOSED
    may_move = {*typed, *STATE, *ALSO.get(action, ()), *(CLOSING if closing else ())}
    moved = {name: (before.get(name), after.get(name)) for name in before.keys() | after.keys()
             if before.get(name) != after.get(name) and name not in may_move}
    if moved:
        problems.append(f"fields the person did not change moved: {moved}")
    problems += [f"{name} was recorded as {after[name]!r}, typed {value!r}"
                 for name, value in typed.items() if name in after and after[name] != value]
    if history_rows(seeded_app)["request_events"] != rows["request_events"] + 1:
        problems.append("the action did not add exactly one event to the timeline")
    assert not problems, f"{action} on request {request_id}:\n" + "\n".join(problems)
