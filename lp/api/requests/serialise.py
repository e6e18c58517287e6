"""LP requests as the API returns them: the list's row, every field with the actions allowed, the timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

from lp.core.clock import today
from lp.requests.answer_times import expected_answer
from lp.requests.checklist import checklist
from lp.requests.deadlines import deemed_agreed_since
from lp.requests.lifecycle import EVENT_FIELDS, STATUS_LABELS, available
from lp.requests.models import LpRequest, RequestEvent
from lp.requests.services import DETAIL_FIELDS, OUTCOME_COLUMNS

#: The outcome fields on the request (the details aside), in the order the lifecycle defines them.
OUTCOME = tuple(name for name in EVENT_FIELDS if name in OUTCOME_COLUMNS and name not in DETAIL_FIELDS)


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
        "owner": {"id": lp.owner.id, "name": lp.owner.display_name or lp.owner.email} if lp.owner else None,
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
        "answered_late": lp.answered_late,
        "deemed_agreed_on": _iso(deemed_agreed_since(lp, today())),
        "next_presentation_at": _iso(lp.next_presentation_at),
        "created_at": lp.created_at.isoformat(),
        "actions": [action.name for action in available(lp.status, lp.paused_since is not None)],
        "checklist": [{"level": level, "message": str(message)}
                      for level, message in checklist(lp.country, lp.person, lp.mission)],
        "expected_answer": expected_answer_json(lp),
    }



def expected_answer_json(lp: LpRequest) -> dict[str, Any] | None:
    """Return when a waiting request can expect its answer (lp.requests.answer_times), or None."""
    expected = expected_answer(lp, today())
    if expected is None:
        return None
    return {"basis": expected.basis, "requests": expected.requests, "since": _iso(expected.since),
            "median_days": expected.median_days, "p90_days": expected.p90_days,
            "median_on": _iso(expected.median_on), "p90_on": _iso(expected.p90_on),
            "longest_wait_days": expected.longest, "detention_ends_on": _iso(expected.detention_ends_on)}

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
