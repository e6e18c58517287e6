"""LP requests in the JSON API: the list with the UI's filters, create, read, change details, timeline.

The status and the outcome fields change only through ``POST .../events``, which
applies one lifecycle transition (or records a contact, a pause or a resume) with
the same services and rules as the UI. ``PATCH`` changes the other details only.
Dates are ISO (YYYY-MM-DD), moments ISO with offset, unset values null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from countries.models import Country, Mission
from countries.services import find_country
from lp.web.access import api_error, requires
from lp.core.clock import today
from lp.core.fields import FieldError
from lp.api.inputs import (
    BODY_REFUSED,
    PAGING_PARAMETERS,
    VERSION_READ,
    is_whole_number,
    json_object,
    page_schema,
    read_version,
)
from lp.api.openapi import (
    ERROR,
    VALIDATION_ERROR,
    Schema,
    documented,
    field_schema,
    nullable,
    object_schema,
    query_parameter,
)
from lp.auth.roles import Role
from lp.web.extensions import db
from lp.requests.checklist import checklist
from lp.requests.deadlines import deemed_agreed_since
from lp.requests.lifecycle import EVENT_FIELDS, STATUS_LABELS, STATUSES, TRANSITIONS
from lp.requests.models import LpRequest, RequestEvent
from lp.persons.models import Person
from lp.requests.plausible import CONFIRM_FIELD, CONFIRMS_UNUSUAL
from lp.requests.search import SORTS, RequestFilter, page, parse_filters
from lp.requests.services import (
    CLOCK_FIELDS,
    CONTACT_FIELDS,
    DETAIL_FIELDS,
    OUTCOME_COLUMNS,
    REPEAT_FIELD,
    apply_transition,
    available_actions,
    create_request,
    pause_clock,
    record_contact,
    resume_clock,
    update_details,
)
from lp.core.validation import MAX_INT, Conflict, ValidationFailed, identifier

bp = Blueprint("requests", __name__)

#: Actions besides the lifecycle transitions: (service, the values in ``data``, summary).
OTHER_ACTIONS: dict[str, tuple[Callable[..., RequestEvent], tuple[str, ...], str]] = {
    "contact": (record_contact, CONTACT_FIELDS, "Record a contact with the embassy"),
    "pause": (pause_clock, CLOCK_FIELDS, "Pause the deadline clock"),
    "resume": (resume_clock, CLOCK_FIELDS, "Resume the deadline clock"),
}
ACTIONS = (*TRANSITIONS, *OTHER_ACTIONS)
#: The details a PATCH may change, by their API names (the mission by its id).
EDITABLE = tuple("mission_id" if name == "mission" else name for name in DETAIL_FIELDS)
TEXT_DETAILS = tuple(name for name in EDITABLE if name in EVENT_FIELDS)
#: The outcome fields on the request, in the order the lifecycle defines them.
OUTCOME = tuple(name for name in EVENT_FIELDS if name in OUTCOME_COLUMNS and name not in EDITABLE)
#: What only the lifecycle changes: a PATCH naming one is sent to the events endpoint.
WORKFLOW_FIELDS = (frozenset(EVENT_FIELDS) | OUTCOME_COLUMNS | {
    "status", "is_open", "paused_since", "paused_days", "reply_due_on", "next_presentation_at",
}) - frozenset(EDITABLE)
NEW_REQUEST_FIELDS = ("person_id", "country", *EDITABLE, REPEAT_FIELD)
EVENT_BODY_FIELDS = ("action", "data", "note", "version", CONFIRM_FIELD)

# -- Output -------------------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json_value(value: Any) -> Any:
    """Return a stored value for JSON: dates and moments ISO, the rest as they are."""
    return _iso(value) if isinstance(value, date) else value


def request_json(lp: LpRequest) -> dict[str, Any]:
    """Return what the list shows of a request (person, country and mission loaded)."""
    return {
        "id": lp.id,
        "reference": lp.reference,
        "status": lp.status,
        "person": {"id": lp.person.id, "v_number": lp.person.v_number, "name": lp.person.name},
        "country": lp.country.alpha2,
        "mission": {"id": lp.mission.id, "name": lp.mission.name} if lp.mission else None,
        "submitted_on": _iso(lp.submitted_on),
        "reply_due_on": _iso(lp.reply_due_on),
        "decided_on": _iso(lp.decided_on),
        "is_open": lp.is_open,
        "priority": lp.priority,
        "version": lp.version,
    }


def request_detail_json(lp: LpRequest) -> dict[str, Any]:
    """Return every field of a request, what it allows next and the country profile's checklist."""
    return {
        **request_json(lp),
        "status_label": str(STATUS_LABELS[lp.status]),
        "embassy_reference": lp.embassy_reference,
        "documents_enclosed": lp.documents_enclosed,
        "identity_requested": lp.identity_requested,
        **{name: _json_value(getattr(lp, name)) for name in OUTCOME},
        "paused_since": _iso(lp.paused_since),
        "paused_days": lp.paused_days,
        "deemed_agreed_on": _iso(deemed_agreed_since(lp, today())),
        "next_presentation_at": _iso(lp.next_presentation_at),
        "created_at": lp.created_at.isoformat(),
        "actions": available_actions(lp),
        "checklist": [{"level": level, "message": str(message)}
                      for level, message in checklist(lp.country, lp.person, lp.mission)],
    }


def event_json(event: RequestEvent) -> dict[str, Any]:
    """Return one timeline entry."""
    return {
        "id": event.id,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "occurred_on": event.occurred_on.isoformat(),
        "at": event.at.isoformat(),
        "user": event.user.display_name if event.user else None,
        "note": event.note,
        "data": event.data,
    }


def _created(body: dict[str, Any], location: str):
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def _conflict(lp: LpRequest, conflict: Conflict):
    """Answer 409 with the request's current status and version; nothing was saved."""
    db.session.rollback()
    return api_error(409, str(conflict.message), current_status=lp.status, current_version=lp.version)


def load_request(request_id: int) -> LpRequest:
    """Return a request, or answer 404."""
    lp = db.session.get(LpRequest, request_id)
    if lp is None:
        abort(api_error(404, _("There is no LP request with number %(id)d.", id=request_id)))
    return lp


# -- Input --------------------------------------------------------------------------


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
    return person, country, details.pop("mission", None), details


def read_patch(body: dict[str, Any], lp: LpRequest) -> tuple[int, dict[str, Any]]:
    """Return the expected version and the changed details; raise ValidationFailed with every problem."""
    errors: dict[str, list[Any]] = {}
    version = read_version(body, errors)
    _refuse_unknown(body, ("version", *EDITABLE), errors)
    values = read_details(body, lp.country, errors)
    if errors:
        raise ValidationFailed(errors)
    return version, values


def _data_names(action: str) -> tuple[str, ...]:
    return TRANSITIONS[action].fields if action in TRANSITIONS else OTHER_ACTIONS[action][1]


def read_event(body: dict[str, Any]) -> tuple[str, dict[str, Any], str, int | None, bool]:
    """Return the action, its data, the note, the expected version (or None) and whether an unusual
    value is confirmed; raise ValidationFailed."""
    errors: dict[str, list[Any]] = {}
    confirmed = body.get(CONFIRM_FIELD, False)
    if not isinstance(confirmed, bool):
        errors[CONFIRM_FIELD] = [_l("Send true or false.")]
    _refuse_unknown(body, EVENT_BODY_FIELDS, errors, workflow=frozenset())
    version = read_version(body, errors, required=False)
    action = body.get("action")
    if action not in ACTIONS:
        errors["action"] = [_l("Unknown action.")]
    note = _text("note", body.get("note"), errors)
    data = body.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors["data"] = [_l("Send the action's values as a JSON object.")]
    elif action in ACTIONS:
        names = _data_names(action)
        for name, value in data.items():
            if name not in names:
                errors[name] = [_l("This action does not take this value.")]
            elif value is not None and not isinstance(value, (str, bool)):
                errors[name] = [_l("Send text, true, false or null.")]
    if errors:
        raise ValidationFailed(errors)
    if action == "contact" and note and not data.get("note"):
        data = {**data, "note": note}  # the note of a contact is part of its data
    return action, data, note or "", version, confirmed


# -- OpenAPI description ------------------------------------------------------------

_ALPHA2 = {"type": "string", "pattern": "^[A-Z]{2}$"}
_DATE = {"type": ["string", "null"], "format": "date"}
_VERSION = {"type": "integer", "minimum": 1, "description": "Bumped by every change; send it back to change."}
_ACTION = {"type": "string", "enum": list(ACTIONS)}
_REQUEST_PROPERTIES = {
    "id": {"type": "integer"},
    "reference": {"type": "string", "description": "Our reference, e.g. LP-2026-000123."},
    "status": {"type": "string", "enum": list(STATUSES)},
    "person": object_schema({"id": {"type": "integer"}, "v_number": {"type": "string"}, "name": {"type": "string"}}),
    "country": _ALPHA2,
    "mission": {"oneOf": [object_schema({"id": {"type": "integer"}, "name": {"type": "string"}}),
                          {"type": "null"}]},
    "submitted_on": _DATE,
    "reply_due_on": {**_DATE, "description": "When the embassy's answer is due (paused days excluded)."},
    "decided_on": _DATE,
    "is_open": {"type": "boolean"},
    "priority": {"type": "boolean", "description": "The person is in detention: the request comes first."},
    "version": _VERSION,
}
_DETAILS_SCHEMA = {
    "mission_id": {"type": ["integer", "null"], "description": "A mission of the request's country."},
    **{name: field_schema(EVENT_FIELDS[name]) for name in TEXT_DETAILS},
    "identity_requested": {"type": "boolean", "description": "The embassy asked for the identity to be established."},
}
LP_REQUEST = Schema("LpRequest", object_schema(_REQUEST_PROPERTIES))
CHECKLIST_ITEM = Schema("ChecklistItem", object_schema({
    "level": {"type": "string", "enum": ["warning", "info"]},
    "message": {"type": "string", "description": "In the caller's language."},
}))
LP_REQUEST_DETAIL = Schema("LpRequestDetail", object_schema({
    **_REQUEST_PROPERTIES,
    "status_label": {"type": "string", "description": "The status in the caller's language."},
    **{name: schema for name, schema in _DETAILS_SCHEMA.items() if name != "mission_id"},
    **{name: nullable(field_schema(EVENT_FIELDS[name])) if EVENT_FIELDS[name].kind != "text"
       else field_schema(EVENT_FIELDS[name]) for name in OUTCOME},
    "paused_since": {**_DATE, "description": "Set while the deadline clock is paused."},
    "paused_days": {"type": "integer", "minimum": 0, "description": "Days the clock was paused in all."},
    "deemed_agreed_on": {**_DATE, "description": "Since when the transfer counts as agreed: the reply limit "
                                                 "passed without an answer where the agreement says silence "
                                                 "is consent. Null otherwise."},
    "next_presentation_at": {"type": ["string", "null"], "format": "date-time"},
    "created_at": {"type": "string", "format": "date-time"},
    "actions": {"type": "array", "items": _ACTION, "description": "What the current state allows."},
    "checklist": {"type": "array", "items": CHECKLIST_ITEM,
                  "description": "Warnings and notes from the country profile for this person."},
}))
LP_REQUEST_LIST = page_schema("LpRequestList", LP_REQUEST)
NEW_LP_REQUEST = Schema("NewLpRequest", object_schema(
    {"person_id": {"type": "integer"}, "country": _ALPHA2, **_DETAILS_SCHEMA,
     REPEAT_FIELD: {"type": ["string", "null"], "maxLength": 500,
                    "description": "Required while the person has an open request to the country: why another."}},
    required=["person_id", "country"],
))
LP_REQUEST_PATCH = Schema("LpRequestPatch", object_schema(
    {"version": {**VERSION_READ, "description": "The version you read."}, **_DETAILS_SCHEMA},
    required=["version"],
))
REQUEST_CONFLICT = Schema("LpRequestConflict", object_schema({
    "error": {"type": "string"},
    "current_status": {"type": "string", "enum": list(STATUSES)},
    "current_version": {"type": "integer"},
}))
EVENT = Schema("RequestEvent", object_schema({
    "id": {"type": "integer"},
    "kind": {"type": "string", "description": ("created, status, contact, pause, resume, details, or due_date "
                                                "(the country profile changed the reply-due date).")},
    "from_status": {"type": ["string", "null"], "enum": [*STATUSES, None]},
    "to_status": {"type": ["string", "null"], "enum": [*STATUSES, None]},
    "occurred_on": {"type": "string", "format": "date"},
    "at": {"type": "string", "format": "date-time", "description": "When it was recorded."},
    "user": {"type": ["string", "null"], "description": "Display name of who recorded it."},
    "note": {"type": "string"},
    "data": {"type": "object", "description": ("The action's values as text (dates ISO, yes/no); under "
                                                "`changes`, each value of the request it changed as [old, new].")},
}))
EVENT_LIST = Schema("RequestEventList", object_schema({
    "items": {"type": "array", "items": EVENT}, "count": {"type": "integer", "minimum": 0}}))
EVENT_RECORDED = Schema("RequestEventRecorded", object_schema({"event": EVENT, "request": LP_REQUEST_DETAIL}))


def _action_body(action: str, summary: Any) -> dict[str, Any]:
    """Describe the body of one action: its name and the values its data takes."""
    specs = [EVENT_FIELDS[name] for name in _data_names(action)]
    data = object_schema({spec.name: field_schema(spec) for spec in specs},
                         required=[spec.name for spec in specs if spec.required])
    return object_schema({
        "action": {"const": action, "description": summary},
        "data": data,
        "note": {"type": "string", "maxLength": EVENT_FIELDS["note"].max_length,
                 "description": "A note for the timeline (a contact's note may also go in data)."},
        "version": {**VERSION_READ, "description": "The version you read; optional."},
        **({CONFIRM_FIELD: {"type": "boolean", "default": False, "description": (
            "Save an unusual value as it is, e.g. an LP valid more than twice as long as the country "
            "usually issues. Without it such a value is refused (422) with the warning under this name.")}}
           if action in CONFIRMS_UNUSUAL else {}),
    }, required=["action", "data"] if data["required"] else ["action"])


EVENT_POST = Schema("RequestEventPost", {"oneOf": [
    *(_action_body(name, transition.label) for name, transition in TRANSITIONS.items()),
    *(_action_body(name, summary) for name, (_service, _names, summary) in OTHER_ACTIONS.items()),
]})

_FILTER_SCHEMAS: dict[str, tuple[dict[str, Any], str]] = {
    "q": ({"type": "string", "maxLength": 100},
          "A V-number, part of the name, our reference or the embassy's reference."),
    "country": ({"type": "string", "pattern": "^[A-Za-z]{2}$"}, "Alpha-2 code of the country."),
    "mission": ({"type": "integer", "minimum": 1, "maximum": MAX_INT}, "Id of the mission."),
    "status": ({"type": "string", "enum": list(STATUSES)}, "Only requests in this status."),
    "state": ({"type": "string", "enum": ["open", "closed"]}, "Only open or only closed requests."),
    "overdue": ({"type": "boolean"}, "Only requests whose answer is overdue."),
    "detention": ({"type": "boolean"}, "Only requests for persons in detention."),
    "case_officer": ({"type": "integer", "minimum": 1, "maximum": MAX_INT}, "User id of the person's case officer."),
    "submitted_from": ({"type": "string", "format": "date"}, "Submitted on or after this day."),
    "submitted_to": ({"type": "string", "format": "date"}, "Submitted on or before this day."),
    "sort": ({"type": "string", "enum": list(SORTS), "default": RequestFilter.sort}, "Sort order."),
    "desc": ({"type": "boolean", "default": RequestFilter.desc}, "Sort descending."),
}


#: Filter fields that only the browser uses (the session key of a search term).
BROWSER_ONLY = {"search"}


def _filter_parameters() -> list[dict[str, Any]]:
    """Describe every field of RequestFilter as a query parameter (KeyError at import if one is missing)."""
    paging = {parameter["name"]: parameter for parameter in PAGING_PARAMETERS}
    return [paging[f.name] if f.name in paging else query_parameter(f.name, *_FILTER_SCHEMAS[f.name])
            for f in dataclass_fields(RequestFilter) if f.name not in BROWSER_ONLY]


# -- Routes -------------------------------------------------------------------------


@bp.get("/requests")
@requires(Role.VIEWER)
@documented(
    "List LP requests",
    description="The same search, filters, sort orders and pages as the request list in the application.",
    parameters=_filter_parameters(),
    responses={200: LP_REQUEST_LIST, 422: VALIDATION_ERROR},
)
def list_requests():
    """List one page of the requests matching the filters."""
    found = page(parse_filters(request.args), today())
    return jsonify({"items": [request_json(lp) for lp in found.items], "total": found.total,
                    "page": found.filter.page, "pages": found.pages})


@bp.post("/requests")
@requires(Role.STAFF)
@documented(
    "Create an LP request (a draft)",
    description=("The answer carries our reference and the country profile's checklist for this person. "
                 "Record the submission to the embassy with the `submit` action on its events."),
    request_body=NEW_LP_REQUEST,
    responses={201: ("The draft request.", LP_REQUEST_DETAIL), 400: BODY_REFUSED,
               422: ("Refused values or unknown fields; nothing was saved.", VALIDATION_ERROR)},
)
def create():
    """Create a draft request for a person to a country."""
    person, country, mission, details = read_new_request(json_object())
    lp = create_request(person, country, mission, user_id=current_user.id, details=details,
                        repeat_reason=details.pop(REPEAT_FIELD, ""))
    return _created(request_detail_json(lp), url_for(".get_request", request_id=lp.id))


@bp.get("/requests/<int:request_id>")
@requires(Role.VIEWER)
@documented("Read one LP request", responses={200: LP_REQUEST_DETAIL, 404: ERROR})
def get_request(request_id: int):
    """Show every field of a request, the actions its state allows and its checklist."""
    lp_request = load_request(request_id)
    return jsonify(request_detail_json(lp_request))


@bp.patch("/requests/<int:request_id>")
@requires(Role.STAFF)
@documented(
    "Change the details of an LP request",
    description=("Send the `version` you read and any of the details. The status and outcome fields "
                 "change only with the lifecycle: post an action to the request's events."),
    request_body=LP_REQUEST_PATCH,
    responses={
        200: ("The request as saved.", LP_REQUEST_DETAIL),
        400: BODY_REFUSED,
        404: ERROR,
        409: ("Someone changed the request since the version sent; nothing was saved.", REQUEST_CONFLICT),
        422: ("Refused values, unknown or workflow fields; nothing was saved.", VALIDATION_ERROR),
    },
)
def update(request_id: int):
    """Change a request's details if nobody saved in between."""
    lp = load_request(request_id)
    version, values = read_patch(json_object(), lp)
    try:
        update_details(lp, values, user_id=current_user.id, expected_version=version)
    except Conflict as conflict:
        return _conflict(lp, conflict)
    return jsonify(request_detail_json(lp))


@bp.get("/requests/<int:request_id>/events")
@requires(Role.VIEWER)
@documented("List the timeline of an LP request", description="Oldest first.",
            responses={200: EVENT_LIST, 404: ERROR})
def list_events(request_id: int):
    """List every event of a request, oldest first."""
    load_request(request_id)
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id)
        .options(joinedload(RequestEvent.user)).order_by(RequestEvent.id)
    ).all()
    return jsonify({"items": [event_json(event) for event in events], "count": len(events)})


@bp.post("/requests/<int:request_id>/events")
@requires(Role.STAFF)
@documented(
    "Apply a lifecycle action to an LP request, or record a contact, pause or resume",
    description=("`action` is a transition the request's state allows (see `actions` on the request), or "
                 "`contact`, `pause` or `resume`; `data` holds its values in text form (dates YYYY-MM-DD, "
                 "times YYYY-MM-DDTHH:MM in Dutch time unless an offset is given, yes/no or true/false). "
                 "With `version`, nothing is saved if someone changed the request since."),
    request_body=EVENT_POST,
    responses={
        201: ("The recorded event and the request as it is now.", EVENT_RECORDED),
        400: BODY_REFUSED,
        404: ERROR,
        409: ("The request's state does not allow this action, or it changed since the version sent: "
              + "nothing was saved.", REQUEST_CONFLICT),
        422: ("Refused or impossible values; nothing was saved.", VALIDATION_ERROR),
    },
)
def record_event(request_id: int):
    """Apply one action to a request and record it on its timeline."""
    lp = load_request(request_id)
    action, data, note, version, confirmed = read_event(json_object())
    try:
        if action in TRANSITIONS:
            event = apply_transition(lp, action, data, user_id=current_user.id, note=note,
                                     expected_version=version, unusual_confirmed=confirmed)
        else:
            record = OTHER_ACTIONS[action][0]
            event = record(lp, data, user_id=current_user.id, expected_version=version)
    except Conflict as conflict:  # IllegalTransition included
        return _conflict(lp, conflict)
    except ValidationFailed:
        db.session.rollback()
        raise
    return _created({"event": event_json(event), "request": request_detail_json(lp)},
                    url_for(".list_events", request_id=lp.id))
