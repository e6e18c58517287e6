"""The OpenAPI schemas of LP requests: a request, its details, its timeline, the actions and the list's filters."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from lp.api.inputs import PAGING_PARAMETERS, VERSION_READ
from lp.api.requests.inputs import TEXT_DETAILS
from lp.api.requests.serialise import OUTCOME
from lp.api.schemas import (
    Schema,
    field_schema,
    internal_name,
    object_schema,
    page_schema,
    problem_schema,
    query_parameter,
)
from lp.core.validation import MAX_INT
from lp.requests.lifecycle import ACTIONS, EVENT_FIELDS, STATUSES
from lp.requests.plausible import CONFIRM_FIELD, CONFIRMS_UNUSUAL
from lp.requests.search import SORTS, RequestFilter
from lp.requests.services import REPEAT_FIELD

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
    "owner": {"oneOf": [object_schema({"id": {"type": "integer"}, "name": {"type": "string"}}), {"type": "null"}],
              "description": "The staff member who owns the request."},
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
_DAYS = {"type": ["integer", "null"], "minimum": 0}
EXPECTED_ANSWER = Schema("ExpectedAnswer", object_schema({
    "basis": {"type": "string", "enum": ["mission", "country"],
              "description": "Whose time to answer (waiting requests counted, Kaplan-Meier) it is read from."},
    "requests": {"type": "integer", "minimum": 0, "description": "The requests of that history."},
    "since": {**_DATE, "description": "The first submission date of that history."},
    "median_days": {**_DAYS, "description": "Half were answered by this day; null: not reached."},
    "p90_days": {**_DAYS, "description": "Nine in ten were answered by this day; null: not reached."},
    "median_on": {**_DATE, "description": "Submission + median_days + the days paused so far."},
    "p90_on": {**_DATE, "description": "Submission + p90_days + the days paused so far."},
    "longest_wait_days": {**_DAYS, "description": "The longest wait seen: not reached means longer."},
    "detention_ends_on": {**_DATE, "description": "End of the detention term (6 months), if detained."},
}))
LP_REQUEST_DETAIL = Schema("LpRequestDetail", object_schema({
    **_REQUEST_PROPERTIES,
    "status_label": {"type": "string", "description": "The status in the caller's language."},
    **{name: schema for name, schema in _DETAILS_SCHEMA.items() if name != "mission_id"},
    **{name: field_schema(EVENT_FIELDS[name], unset_null=True) for name in OUTCOME},
    "paused_since": {**_DATE, "description": "Set while the deadline clock is paused."},
    "paused_days": {"type": "integer", "minimum": 0, "description": "Days the clock was paused in all."},
    "answered_late": {"type": "boolean", "description": "The embassy answered after no reply was recorded."},
    "deemed_agreed_on": {**_DATE, "description": "Since when the transfer counts as agreed: the reply limit "
                                                 "passed without an answer where the agreement says silence "
                                                 "is consent. Null otherwise."},
    "next_presentation_at": {"type": ["string", "null"], "format": "date-time"},
    "created_at": {"type": "string", "format": "date-time"},
    "actions": {"type": "array", "items": _ACTION, "description": "What the current state allows."},
    "checklist": {"type": "array", "items": CHECKLIST_ITEM,
                  "description": "Warnings and notes from the country profile for this person."},
    "expected_answer": {"oneOf": [EXPECTED_ANSWER, {"type": "null"}]},
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
OWNER_PUT = Schema("LpRequestOwner", object_schema(
    {"owner_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT,
                  "description": "User id of the new owner: an active staff member."},
     "version": {**VERSION_READ, "description": "The version you read."}},
    required=["owner_id", "version"],
))
REQUEST_CONFLICT = problem_schema("LpRequestConflict", {
    "current_status": {"type": "string", "enum": list(STATUSES)},
    "current_version": {"type": "integer"},
})
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
    specs = [EVENT_FIELDS[name] for name in ACTIONS[action].fields]
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


EVENT_POST = Schema("RequestEventPost", {
    "oneOf": [_action_body(name, action.label) for name, action in ACTIONS.items()],
})

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
    "owner": ({"type": "string", "pattern": "^(me|[1-9][0-9]{0,8})$"},  # ids below 10**9 < MAX_INT
              "User id of the request's owner, or `me` for the requests you own."),
    "submitted_from": ({"type": "string", "format": "date"}, "Submitted on or after this day."),
    "submitted_to": ({"type": "string", "format": "date"}, "Submitted on or before this day."),
    "sort": ({"type": "string", "enum": list(SORTS), "default": RequestFilter.sort}, "Sort order."),
    "desc": ({"type": "boolean", "default": RequestFilter.desc}, "Sort descending."),
}


#: Filter fields that only the browser uses (the session key of a search term).
BROWSER_ONLY = {"search", "me"}


def filter_parameters() -> list[dict[str, Any]]:
    """Describe every field of RequestFilter as a query parameter (KeyError at import if one is missing)."""
    paging = {internal_name(parameter["name"]): parameter for parameter in PAGING_PARAMETERS}
    return [paging[f.name] if f.name in paging else query_parameter(f.name, *_FILTER_SCHEMAS[f.name])
            for f in dataclass_fields(RequestFilter) if f.name not in BROWSER_ONLY]


#: Every named schema of this resource, for the OpenAPI document's components.
SCHEMAS = (LP_REQUEST, LP_REQUEST_DETAIL, LP_REQUEST_LIST, NEW_LP_REQUEST, LP_REQUEST_PATCH, OWNER_PUT,
           REQUEST_CONFLICT,
           CHECKLIST_ITEM, EXPECTED_ANSWER, EVENT, EVENT_LIST, EVENT_RECORDED, EVENT_POST)
