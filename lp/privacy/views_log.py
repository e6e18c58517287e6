"""The view log: who opened which person's record, and when (an audit event per view).

The events carry ids only, never the person's name or V-number, so the audit trail
itself holds no personal data beyond what the ids point to.
"""

from __future__ import annotations

from flask import has_request_context
from sqlalchemy import Select, select

from lp import audit
from lp.audit import AuditEvent
from lp.extensions import db
from lp.requests.models import Person

VIEWED = "person.viewed"
EXPORTED = "person.exported"
PERSON = "person"


def record_person_view(person_id: int, *, commit: bool = True) -> AuditEvent:
    """Log that the current user viewed the person with ``person_id``.

    Commits unless ``commit`` is False (then the caller's commit saves it along with
    whatever else the request writes).
    """
    event = audit.record(VIEWED, PERSON, person_id, via=_channel())
    if commit:
        db.session.commit()
    return event


def _channel() -> str:
    """Return how the record was opened: through the API or the web pages (or the CLI)."""
    if not has_request_context():
        return "cli"
    from lp.access import is_api_request

    return "api" if is_api_request() else "web"


def views_query(person_id: int | None = None) -> Select:
    """Return (view event, V-number) rows, newest first; of one person when given."""
    query = (
        select(AuditEvent, Person.v_number)
        .outerjoin(Person, Person.id == AuditEvent.subject_id)
        .where(AuditEvent.action == VIEWED, AuditEvent.subject_type == PERSON)
        .order_by(AuditEvent.id.desc())
    )
    if person_id is not None:
        query = query.where(AuditEvent.subject_id == person_id)
    return query


def person_audit_events(person_id: int) -> list[AuditEvent]:
    """Return every audit event about one person (views, exports), oldest first."""
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == PERSON, AuditEvent.subject_id == person_id)
        .order_by(AuditEvent.id)
    ))
