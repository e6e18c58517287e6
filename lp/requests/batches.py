"""One note verbale recorded on several requests at once, and its undo on the same day.

A batch is confirmed against the requests as the person saw them (id and version), its
contacts carry the batch's key (``data["letter"]``) and the audit trail holds the batch
with its requests. So the whole batch can be undone on the day it was recorded: each
request's timeline then shows a reversal and nothing is deleted. The request list's bulk
note verbale and the reminder letters both use these pieces.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from countries.models import Mission
from lp.core.clock import today
from lp.core.validation import Conflict, ValidationFailed, whole_number
from lp.requests import services
from lp.requests.models import LpRequest, RequestEvent
from lp.web import audit
from lp.web.extensions import db

#: The audit actions of the request list's bulk note verbale and of its undo.
BULK_RECORDED = "request.bulk_note_verbale"
BULK_UNDONE = "request.bulk_note_verbale_undone"


# --- what the person saw ---------------------------------------------------------------------


def shown_token(requests: Iterable[LpRequest]) -> list[str]:
    """Return what identifies the requests as shown: each one's id and version."""
    return [f"{request.id}:{request.version}" for request in requests]


def parse_shown(values: list[str], damaged: Any) -> set[tuple[int, int]]:
    """Read the posted id:version pairs back; raise ValidationFailed with ``damaged`` for anything else."""
    pairs = set()
    for value in values:
        id_text, _sep, version_text = (value or "").partition(":")
        request_id, version = whole_number(id_text), whole_number(version_text)
        if request_id is None or version is None:
            raise ValidationFailed.single("_", damaged)
        pairs.add((request_id, version))
    return pairs


def same_as_shown(requests: Iterable[LpRequest], shown: set[tuple[int, int]]) -> bool:
    """Tell whether ``requests`` are exactly those shown, none changed since."""
    return bool(shown) and {(request.id, request.version) for request in requests} == shown


def mark_changed(requests: Iterable[LpRequest]) -> None:
    """Bump the requests' versions: their timelines change, so a second confirmation is refused."""
    for request in requests:
        flag_modified(request, "reply_due_on")


# --- recorded today, and undone ----------------------------------------------------------


def start_of_today() -> datetime:
    """Return the start of today in the service's time zone: the limit for undoing."""
    return datetime.combine(today(), time(0), tzinfo=ZoneInfo(current_app.config["LP_TIMEZONE"]))


def recorded_today(recorded: str, undone: str, subject_id: int | None = None
                   ) -> tuple[list[audit.AuditEvent], set[int]]:
    """Return today's batches of one kind (newest first) and the ids of those undone (two bounded queries)."""
    conditions = [audit.AuditEvent.at >= start_of_today(), audit.AuditEvent.subject_type == "mission"]
    if subject_id is not None:
        conditions.append(audit.AuditEvent.subject_id == subject_id)
    events = list(db.session.scalars(
        select(audit.AuditEvent).where(*conditions, audit.AuditEvent.action.in_((recorded, undone)))
        .options(joinedload(audit.AuditEvent.actor)).order_by(audit.AuditEvent.id.desc()).limit(500)))
    undone_ids = {event.details["letter_event"] for event in events
                  if event.action == undone and "letter_event" in event.details}
    return [event for event in events if event.action == recorded], undone_ids


@dataclass(frozen=True)
class Undoable:
    """A batch recorded today and not undone: what the "Recorded today" list shows."""

    id: int  # its audit event
    mission: Mission
    at: datetime
    who: str
    count: int


def undoable_today(recorded: str, undone: str, subject_id: int | None = None) -> list[Undoable]:
    """Return the batches of one kind recorded today and not undone, newest first."""
    sent, undone_ids = recorded_today(recorded, undone, subject_id)
    missions = {m.id: m for m in db.session.scalars(
        select(Mission).where(Mission.id.in_({event.subject_id for event in sent}))
        .options(joinedload(Mission.country)))}
    return [Undoable(event.id, missions[event.subject_id], event.at,
                     (event.actor.display_name or event.actor.email) if event.actor else "",
                     len(event.details.get("requests", [])))
            for event in sent if event.id not in undone_ids and event.subject_id in missions]


@dataclass(frozen=True)
class Refusals:
    """The messages of an undo that is refused."""

    unknown: Any
    another_day: Any
    twice: Any
    busy: Any


def undo(event_id: int, recorded: str, undone: str, *, user_id: int, note: str, refusals: Refusals,
         restore=None) -> int:
    """Undo a batch recorded today, in one transaction; return how many requests it had.

    Each request's timeline gets a reversal of the batch's contact (``note`` says why);
    ``restore(event)`` puts back what else the batch changed. Refused (Conflict) for
    another day's batch or a second undo.
    """
    event = db.session.get(audit.AuditEvent, event_id)
    if event is None or event.action != recorded:
        raise Conflict(refusals.unknown)
    sent, undone_ids = recorded_today(recorded, undone, event.subject_id)
    if event.id not in {batch.id for batch in sent}:
        raise Conflict(refusals.another_day)
    if event.id in undone_ids:
        raise Conflict(refusals.twice)
    batch, request_ids = event.details["letter"], event.details.get("requests", [])
    contacts = [contact for contact in db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id.in_(request_ids), RequestEvent.kind == "contact")
        .options(joinedload(RequestEvent.request)))
        if (contact.data or {}).get("letter") == batch]
    for contact in contacts:
        services.record_reversal(contact, user_id=user_id, note=note)
    if restore is not None:
        restore(event)
    audit.record(undone, "mission", event.subject_id, actor_id=user_id, letter_event=event.id,
                 requests=request_ids)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(refusals.busy) from None
    return len(request_ids)


# --- the request list's bulk note verbale ---------------------------------------------------


def _bulk_changed() -> Conflict:
    return Conflict(_l("Some of the selected requests changed after you saw them. Nothing was recorded. "
                       "Check the list and confirm again."))


def record_bulk(requests: list[LpRequest], shown: set[tuple[int, int]], raw: dict[str, Any], *,
                mission_id: int | None, user_id: int,
                before_commit: Callable[[list[RequestEvent]], None] | None = None) -> int:
    """Record one note verbale on each of ``requests`` as confirmed, all or none; return how many.

    ``shown`` is the (id, version) of every request on the confirmation page: if any
    changed since (or this confirmation was sent twice), nothing is recorded. ``before_commit``
    gets the new events before the commit (the note verbale's PDF is attached to each).
    """
    if not same_as_shown(requests, shown):
        db.session.rollback()
        raise _bulk_changed()
    batch = uuid.uuid4().hex
    mark_changed(requests)
    audit.record(BULK_RECORDED, "mission", requests[0].mission_id, actor_id=user_id, letter=batch,
                 requests=[request.id for request in requests])
    try:
        services.record_note_verbale(requests, raw, user_id=user_id, mission_id=mission_id, letter=batch,
                                     before_commit=before_commit)
    except (services.IllegalTransition, ValidationFailed):
        db.session.rollback()
        raise
    except Conflict:  # another confirmation or change won the race: its rows are newer
        db.session.rollback()
        raise _bulk_changed() from None
    return len(requests)


def bulk_today(mission_id: int) -> list[Undoable]:
    """Return the mission's bulk notes verbales recorded today and not undone, newest first."""
    return undoable_today(BULK_RECORDED, BULK_UNDONE, mission_id)


BULK_REFUSALS = Refusals(
    unknown=_l("There is no such note verbale to undo."),
    another_day=_l("A note verbale recorded on several requests can be undone only on the day it was recorded."),
    twice=_l("This note verbale was undone already."),
    busy=_l("Someone changed one of the requests at the same moment. Nothing was undone; try again."),
)


def undo_bulk(event_id: int, *, user_id: int) -> int:
    """Undo a bulk note verbale recorded today: a reversal on each request's timeline."""
    return undo(event_id, BULK_RECORDED, BULK_UNDONE, user_id=user_id,
                note=str(_l("Note verbale recorded by mistake: undone.")), refusals=BULK_REFUSALS)
