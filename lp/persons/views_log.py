"""The view log: who was shown or given which person's data, and when (an audit event per person).

Every answer that shows or exports a person's data logs it, one event per person:
``person.viewed`` for pages and API answers, ``person.exported`` for downloads.
Nobody has to remember it per page: every Person record read from the database
(or created) while a request is handled is noted, and before the answer leaves, the
noted persons are logged (``init_app``). An answer that carries no data (a redirect,
an error of ours) logs nothing; when the log cannot be written, the answer is not
sent either (503). Answers streamed after the view has returned (the CSV export) log
each part before it is sent (``record_persons_shown``). A page that selects person
columns without reading Person records must log them itself;
tests/lp/privacy/test_every_route_logs_person_data.py walks every route to find one
that forgets.

The events carry ids only, never the person's name or V-number, so the audit trail
itself holds no personal data beyond what the ids point to. Each view or export is also
noted in the processing log (``lp.web.processing_log``: one record per person, without
the user), and the audit event carries the trace id of those records (``details["trace_id"]``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, has_app_context, has_request_context, make_response, request
from flask_login import current_user
from sqlalchemy import Select, event, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lp.core.types import utcnow
from lp.persons.models import Person
from lp.web import audit, processing_log
from lp.web.access import is_api_request
from lp.web.audit import AuditEvent
from lp.web.errors import render_error
from lp.web.extensions import db

log = logging.getLogger(__name__)

VIEWED = "person.viewed"
EXPORTED = "person.exported"
PERSON = "person"
#: The processing activity of each action, unless the caller names a narrower one.
ACTIVITIES = {VIEWED: "view", EXPORTED: "export"}
#: ``g`` attributes: persons read in this request and not yet logged; persons logged already.
_SHOWN = "_lp_persons_shown"
_LOGGED = "_lp_persons_logged"


def record_person_view(person_id: int, *, commit: bool = True, action: str = VIEWED,
                       actor_id: int | None = None, activity: str | None = None) -> AuditEvent:
    """Log that the current user (or ``actor_id``) viewed, or with ``action`` exported, one person.

    ``activity`` names the processing activity (default: that of ``action``). Commits
    unless ``commit`` is False (then the caller's commit saves it along with whatever
    else the request writes).
    """
    trace = _note_processing([person_id], activity or ACTIVITIES[action])
    event_ = audit.record(action, PERSON, person_id, actor_id=actor_id, **_how(trace))
    _logged().add(person_id)
    if commit:
        db.session.commit()
    return event_


def record_persons_shown(person_ids: Iterable[int], *, action: str = VIEWED, activity: str | None = None,
                         actor_id: int | None = None) -> int:
    """Log one event per person not logged yet in this request; return how many. The caller commits.

    The actor is ``actor_id``, else the current user (if any).
    """
    logged = _logged()
    new = sorted(set(person_ids) - logged)
    if not new:
        return 0
    if actor_id is None:
        actor_id = current_user.id if has_request_context() and current_user.is_authenticated else None
    trace = _note_processing(new, activity or ACTIVITIES[action])
    moment, how = utcnow(), _how(trace)
    # Inserted together, each with its place in the audit chain, when the caller commits.
    audit.add_events([audit.new_event(action, PERSON, person_id, actor_id=actor_id, details=dict(how), at=moment)
                      for person_id in new])
    logged.update(new)
    return len(new)


def _note_processing(person_ids: list[int], activity: str) -> str | None:
    """Note the processing of these persons for the processing log; return its trace id."""
    v_numbers = db.session.scalars(select(Person.v_number).where(Person.id.in_(person_ids)))
    return processing_log.note(activity, v_numbers, db.session())


def _how(trace_id: str | None = None) -> dict[str, Any]:
    """Return how the data was shown: through the API or the web pages (and which path), or the CLI.

    With the trace id of the processing records, which link the audit event to them.
    """
    linked = {"trace_id": trace_id} if trace_id else {}
    if not has_request_context():
        return {"via": "cli", **linked}
    # The path holds ids only (a test walks the URL map); the query string may hold search terms.
    return {"via": "api" if is_api_request() else "web", "path": request.path, **linked}


def _logged() -> set[int]:
    if not has_app_context():
        return set()
    return g.setdefault(_LOGGED, set())


# --- every answer logs the persons it read ------------------------------------------------


def _note(person: Person) -> None:
    if has_request_context():
        g.setdefault(_SHOWN, set()).add(person.id)


def _on_load(person: Person, _context: Any, *_attrs: Any) -> None:
    _note(person)


def _on_created(_session: Session, instance: Any) -> None:
    if isinstance(instance, Person):
        _note(instance)


def _carries_data(response: Response) -> bool:
    """Tell whether an answer may show what the view read: not a redirect, not a server error."""
    return response.status_code < 300 or 400 <= response.status_code < 500


def _log_persons_shown(response: Response) -> Response:
    """Log the persons this request read before the answer leaves; 503 when that fails."""
    shown = g.pop(_SHOWN, None)
    if not shown or not _carries_data(response) or shown <= _logged():
        return response
    try:
        actor_id = _actor_id()
        # What the view left uncommitted is discarded at the end of the request anyway:
        # discard it now, so that committing the log cannot save it.
        db.session.rollback()
        record_persons_shown(shown, actor_id=actor_id)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("person views could not be logged; answer withheld: %s", type(error).__name__)
        return make_response(render_error(503))
    return response


def _actor_id() -> int | None:
    """Return the signed-in user's id when it is known without reading the database, else None.

    The rollback that follows expires the user: its id would cost a query. The database is not
    asked here (the view may have left the transaction failed); with None, ``record_persons_shown``
    reads the current user after the rollback.
    """
    user = current_user._get_current_object()
    state = inspect(user, raiseerr=False)
    if state is None or state.identity is None or "active" in state.unloaded:
        return None
    return state.identity[0] if user.is_authenticated else None


def init_app(app: Flask) -> None:
    """Log, for every answer of ``app``, the persons it read (see the module's docstring)."""
    if not event.contains(Person, "load", _on_load):
        event.listen(Person, "load", _on_load)
        event.listen(Person, "refresh", _on_load)
        event.listen(Session, "pending_to_persistent", _on_created)
    app.after_request(_log_persons_shown)


# --- reading the log ----------------------------------------------------------------------


def views_query(person_id: int | None = None) -> Select:
    """Return the view and export events, newest first; of one person when given."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.action.in_((VIEWED, EXPORTED)), AuditEvent.subject_type == PERSON)
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
