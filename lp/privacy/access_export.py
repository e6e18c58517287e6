"""Right of access: everything held on one person, as one JSON document.

Every column of every record is written (read from the table definitions), so a
column added later is exported without anyone having to remember this module; a table
added later that refers to a person or a request is caught by
tests/lp/privacy/test_access_export.py. Uploaded files are listed with every column
(name, kind, size, SHA-256, versions, removal); their content is downloaded from the
person's page, each download logged.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from lp.core.types import utcnow
from lp.files.models import Attachment
from lp.persons.models import Person
from lp.persons.views_log import EXPORTED, person_audit_events, record_person_view
from lp.presentations.models import PresentationItem
from lp.reminders.models import Reminder
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db

FORMAT = "lp-tracker/person-export/1"


def columns_of(record: Any) -> dict[str, Any]:
    """Return every column value of a database record, by attribute name."""
    attributes = inspect(record).mapper.column_attrs
    return {attribute.key: getattr(record, attribute.key) for attribute in attributes}


def _user(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.display_name, "email": user.email}


def person_export(person: Person) -> dict[str, Any]:
    """Collect everything held on ``person``: data, documents, requests, events, reminders, log."""
    requests = list(db.session.scalars(
        select(LpRequest).where(LpRequest.person_id == person.id).order_by(LpRequest.id)
        .options(selectinload(LpRequest.events).selectinload(RequestEvent.user),
                 selectinload(LpRequest.country), selectinload(LpRequest.mission))
    ))
    request_ids = [r.id for r in requests]
    reminders = list(db.session.scalars(
        select(Reminder).where(Reminder.request_id.in_(request_ids)).order_by(Reminder.id)
    )) if requests else []
    presentations = list(db.session.scalars(
        select(PresentationItem).where(PresentationItem.request_id.in_(request_ids)).order_by(PresentationItem.id)
        .options(selectinload(PresentationItem.day))
    )) if requests else []
    files = db.session.scalars(select(Attachment).where(Attachment.person_id == person.id).order_by(Attachment.id)
                               .options(selectinload(Attachment.uploaded_by)))
    return {
        "format": FORMAT,
        "exported_at": utcnow(),
        "person": {
            **columns_of(person),
            "nationality": person.nationality.alpha2 if person.nationality else None,
            "case_officer": _user(person.case_officer),
        },
        "identity_documents": [columns_of(document) for document in person.documents],
        "requests": [_request(request) for request in requests],
        "reminders": [columns_of(reminder) for reminder in reminders],
        "files": [{**columns_of(file), "uploaded_by": _user(file.uploaded_by)} for file in files],
        "presentations": [{**columns_of(item), "day": columns_of(item.day)} for item in presentations],
        "access_log": [
            {**columns_of(event), "actor": _user(event.actor)} for event in person_audit_events(person.id)
        ],
    }


def _request(request: LpRequest) -> dict[str, Any]:
    return {
        **columns_of(request),
        "country": request.country.alpha2,
        "mission": request.mission.name if request.mission else None,
        "events": [{**columns_of(event), "user": _user(event.user)} for event in request.events],
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def export_person_json(person: Person, *, actor_id: int | None = None) -> str:
    """Return the export of ``person`` as JSON text and record in the audit trail that it was made."""
    document = json.dumps(person_export(person), default=_json_value, ensure_ascii=False, indent=2)
    record_person_view(person.id, action=EXPORTED, actor_id=actor_id, activity="access_export")
    return document
