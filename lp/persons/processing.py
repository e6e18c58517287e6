"""Processing records for the changes to a person's data: registered, changed, anonymised, his requests.

One hook for every way in (web form, API, import, command line, retention run): a
person added or changed in a flush is noted as ``create`` or ``change`` (``retention``
when the flush anonymises him, under the V-number he had until then); a change
recorded on a request's timeline (``signals.request_changed``) is noted for the person
the request is about. ``lp.web.processing_log`` writes the records when the
transaction commits. Reading and exporting are noted by ``lp.persons.views_log``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from lp.core import signals
from lp.persons.models import Person
from lp.web import processing_log
from lp.web.extensions import db

CREATED = "created"  # the kind of a request's first timeline event (lp.requests.services)


def _v_number_before(person: Person) -> str:
    """Return the V-number a person had before this flush (retention replaces it)."""
    history = inspect(person).attrs.v_number.history
    return history.deleted[0] if history.deleted else person.v_number


def _after_flush(session: Session, _context: Any) -> None:
    for instance in session.new:
        if isinstance(instance, Person):
            processing_log.note("create", [instance.v_number], session)
    for instance in session.dirty:
        if not isinstance(instance, Person) or not session.is_modified(instance, include_collections=False):
            continue
        if any(moment is not None for moment in inspect(instance).attrs.anonymised_at.history.added):
            processing_log.note("retention", [_v_number_before(instance)], session)
        else:
            processing_log.note("change", [instance.v_number], session)


def _on_request_changed(request: Any, *, event: Any, **_extra: Any) -> None:
    activity = "create" if event.kind == CREATED else "change"
    processing_log.note(activity, [request.person.v_number], db.session())


def init_app(_app: Flask) -> None:
    """Note every change to a person's data or his requests in the processing log."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    signals.request_changed.connect(_on_request_changed)
