"""Read what a client sends about LP requests: a new request, changed details, an action with its values.

Every refusal is reported at once (422); the values are parsed by the lifecycle's
field definitions, as the request page parses them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from countries.models import Country, Mission
from countries.services import find_country
from lp.api.inputs import is_whole_number, read_version
from lp.core.fields import FieldError
from lp.core.validation import ValidationFailed, identifier
from lp.persons.models import Person
from lp.requests.lifecycle import ACTIONS, EVENT_FIELDS
from lp.requests.models import LpRequest
from lp.requests.plausible import CONFIRM_FIELD
from lp.requests.services import DETAIL_FIELDS, OUTCOME_COLUMNS, REPEAT_FIELD
from lp.web.extensions import db

#: The details a PATCH may change, by their API names (the mission by its id).
EDITABLE = tuple("mission_id" if name == "mission" else name for name in DETAIL_FIELDS)
TEXT_DETAILS = tuple(name for name in EDITABLE if name in EVENT_FIELDS)
#: What only the lifecycle changes: a PATCH naming one is sent to the events endpoint.
WORKFLOW_FIELDS = (frozenset(EVENT_FIELDS) | OUTCOME_COLUMNS | {
    "status", "is_open", "paused_since", "paused_days", "reply_due_on", "next_presentation_at",
}) - frozenset(EDITABLE)
NEW_REQUEST_FIELDS = ("person_id", "country", *EDITABLE, REPEAT_FIELD)
EVENT_BODY_FIELDS = ("action", "data", "note", "version", CONFIRM_FIELD)


def _refuse_unknown(body: dict[str, Any], allowed: tuple[str, ...], errors: dict[str, list[Any]], *,
                    workflow: frozenset[str] = WORKFLOW_FIELDS) -> None:
    for name in body:
        if name in allowed:
            continue
        if name in workflow:
            errors[name] = [_l("This changes only with the lifecycle: use the events endpoint.")]
        else:
            errors[name] = [_l("There is no such field, or it cannot be changed.")]


def _mission(value: Any, country: Country | None, errors: dict[str, list[Any]]) -> Mission | None:
    if value is None:
        return None
    mission = db.session.get(Mission, value) if is_whole_number(value) else None
    if mission is None:
        errors["mission_id"] = [_l("Unknown mission.")]
    elif country is not None and mission.country_id != country.id:
        errors["mission_id"] = [_l("This mission does not represent the chosen country.")]
    return mission


def _text(name: str, value: Any, errors: dict[str, list[Any]]) -> str | None:
    """Return a text value parsed by its event field's rules, or None after adding the refusal to ``errors``."""
    if value is not None and not isinstance(value, str):
        errors[name] = [_l("Send text or null.")]
        return None
    try:
        return EVENT_FIELDS[name].parse(value)
    except FieldError as error:
        errors[name] = [error.message]
        return None


def read_details(body: dict[str, Any], country: Country | None, errors: dict[str, list[Any]]) -> dict[str, Any]:
    """Return the details present in ``body`` under the services' names, adding refusals to ``errors``."""
    values: dict[str, Any] = {}
    if "mission_id" in body:
        values["mission"] = _mission(body["mission_id"], country, errors)
    for name in TEXT_DETAILS:
        if name in body:
            values[name] = _text(name, body[name], errors)
    if "identity_requested" in body:
        if isinstance(body["identity_requested"], bool):
            values["identity_requested"] = body["identity_requested"]
        else:
            errors["identity_requested"] = [_l("Send true or false.")]
    return values


def read_new_request(body: dict[str, Any]) -> tuple[Person, Country, Mission | None, dict[str, Any]]:
    """Return the person, country, mission and details of a new request; raise ValidationFailed."""
    errors: dict[str, list[Any]] = {}
    _refuse_unknown(body, NEW_REQUEST_FIELDS, errors)
    person_id = body.get("person_id")
    person = db.session.get(Person, person_id) if is_whole_number(person_id) else None
    if person is None:
        errors["person_id"] = [_l("There is no person with this number.")]
    code = body.get("country")
    country = find_country(identifier(code)) if isinstance(code, str) and code.strip() else None
    if country is None:
        errors["country"] = [_l("Unknown country code.")]
    details = read_details(body, country, errors)
    repeat_reason = body.get(REPEAT_FIELD)
    if repeat_reason is not None and not isinstance(repeat_reason, str):
        errors[REPEAT_FIELD] = [_l("Send text or null.")]
    details[REPEAT_FIELD] = repeat_reason or ""
    if errors:
        raise ValidationFailed(errors)
    assert person is not None and country is not None, "each None added an error above"
    return person, country, details.pop("mission", None), details


def read_patch(body: dict[str, Any], lp: LpRequest) -> tuple[int, dict[str, Any]]:
    """Return the expected version and the changed details; raise ValidationFailed with every problem."""
    errors: dict[str, list[Any]] = {}
    version = read_version(body, errors)
    _refuse_unknown(body, ("version", *EDITABLE), errors)
    values = read_details(body, lp.country, errors)
    if errors:
        raise ValidationFailed(errors)
    assert version is not None, "read_version added an error otherwise"
    return version, values


def read_event(body: dict[str, Any]) -> tuple[str, dict[str, Any], str, int | None, bool]:
    """Return the action, its data, the note, the expected version (or None) and whether an unusual
    value is confirmed; raise ValidationFailed."""
    errors: dict[str, list[Any]] = {}
    confirmed = body.get(CONFIRM_FIELD, False)
    if not isinstance(confirmed, bool):
        errors[CONFIRM_FIELD] = [_l("Send true or false.")]
    _refuse_unknown(body, EVENT_BODY_FIELDS, errors, workflow=frozenset())
    version = read_version(body, errors, required=False)
    name = body.get("action")
    action = ACTIONS.get(name) if isinstance(name, str) else None
    if action is None:
        errors["action"] = [_l("Unknown action.")]
    note = _text("note", body.get("note"), errors)
    data = body.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors["data"] = [_l("Send the action's values as a JSON object.")]
    elif action is not None:
        for value_name, value in data.items():
            if value_name not in action.fields:
                errors[value_name] = [_l("This action does not take this value.")]
            elif value is not None and not isinstance(value, (str, bool)):
                errors[value_name] = [_l("Send text, true, false or null.")]
    if errors or action is None:
        raise ValidationFailed(errors)
    if "note" in action.fields and note and not data.get("note"):
        data = {**data, "note": note}  # the note of a contact is part of its data
    return action.name, data, note or "", version, confirmed
