"""Retention: anonymise persons whose LP requests all closed more than N years ago.

A person is due when none of his requests is open and the last thing that happened
on any of them (the latest event date or decision date) lies before the cutoff,
today minus ``LP_RETENTION_YEARS``; a person without requests is due when he was
registered before the cutoff. Anonymising replaces what identifies him and keeps
what the insights count (statuses, dates, response days, countries), so response
times per country stay correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Iterable, Iterator

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, union_all, update

from countries.services import today
from lp import audit
from lp.extensions import db
from lp.mail.models import OutboxMail
from lp.reminders.models import Reminder
from lp.requests.models import IdentityDocument, LpRequest, Person, RequestEvent
from lp.types import utcnow

#: The name an anonymised person keeps (stored data, the same in every language).
ANONYMISED_NAME = "[geanonimiseerd]"
#: Free-text values of requests and of event data that may describe the person.
FREE_TEXT = ("embassy_reference", "documents_enclosed", "reason", "interpreter")
APPLIED = "retention.applied"
#: Persons handled per statement, to keep IN lists well under every database's limit.
CHUNK = 500


@dataclass
class RetentionPlan:
    """What a retention run changes (or changed): the persons and what they hold."""

    years: int
    cutoff: date
    person_ids: list[int] = field(default_factory=list)
    requests: int = 0
    documents: int = 0
    events: int = 0
    reminders: int = 0
    outbox_mails: int = 0

    def counts(self) -> dict[str, int]:
        return {"persons": len(self.person_ids), "requests": self.requests, "documents": self.documents,
                "events": self.events, "reminders": self.reminders, "outbox_mails": self.outbox_mails}


def placeholder_v_number(person_id: int) -> str:
    """Return the V-number an anonymised person keeps: unique, and never a real one.

    Real V-numbers are ten digits; the letter makes a clash impossible.
    """
    placeholder = f"A{person_id:09d}"
    if len(placeholder) > 10:
        raise ValueError("person id too large for a placeholder V-number")
    return placeholder


def cutoff_for(years: int, on: date) -> date:
    """Return the day ``years`` years before ``on`` (29 February becomes the 28th)."""
    if years < 1:
        raise ValueError("the retention period is at least one year")
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def plan_retention(years: int | None = None, *, on: date | None = None) -> RetentionPlan:
    """Find the persons due for anonymisation and count what they hold; change nothing."""
    years = years if years is not None else current_app.config["LP_RETENTION_YEARS"]
    plan = RetentionPlan(years=years, cutoff=cutoff_for(years, on or today()))
    plan.person_ids = eligible_person_ids(plan.cutoff)
    for chunk in _chunks(plan.person_ids):
        request_ids = _request_ids(chunk)
        plan.requests += _count(select(LpRequest.id).where(LpRequest.person_id.in_(chunk)))
        plan.documents += _count(select(IdentityDocument.id).where(IdentityDocument.person_id.in_(chunk)))
        plan.events += _count(select(RequestEvent.id).where(RequestEvent.request_id.in_(request_ids)))
        plan.reminders += _count(select(Reminder.id).where(Reminder.request_id.in_(request_ids)))
    plan.outbox_mails = _count(select(OutboxMail.id).where(_old_mail(plan.cutoff)))
    return plan


def apply_retention(years: int | None = None, *, on: date | None = None,
                    actor_id: int | None = None) -> RetentionPlan:
    """Anonymise every person due, in one transaction, and record the run in the audit trail."""
    plan = plan_retention(years, on=on)
    try:
        moment = utcnow()
        for chunk in _chunks(plan.person_ids):
            _anonymise(chunk, moment)
        db.session.execute(delete(OutboxMail).where(_old_mail(plan.cutoff)))
        audit.record(APPLIED, "retention", None, actor_id=actor_id, years=plan.years,
                     cutoff=plan.cutoff.isoformat(), **plan.counts())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()  # the bulk statements bypassed the objects in the session
    return plan


def eligible_person_ids(cutoff: date) -> list[int]:
    """Return the ids of persons not yet anonymised whose last activity lies before ``cutoff``."""
    activity = union_all(
        select(LpRequest.person_id.label("person_id"), RequestEvent.occurred_on.label("day"))
        .join(RequestEvent, RequestEvent.request_id == LpRequest.id),
        select(LpRequest.person_id, LpRequest.decided_on).where(LpRequest.decided_on.is_not(None)),
    ).subquery()
    last = (
        select(activity.c.person_id, func.max(activity.c.day).label("day"))
        .group_by(activity.c.person_id)
        .subquery()
    )
    has_request = exists().where(LpRequest.person_id == Person.id)
    has_open_request = exists().where(LpRequest.person_id == Person.id, LpRequest.is_open.is_(True))
    registered_before = Person.created_at < datetime.combine(cutoff, time.min, tzinfo=UTC)
    query = (
        select(Person.id)
        .outerjoin(last, last.c.person_id == Person.id)
        .where(
            Person.anonymised_at.is_(None),
            ~has_open_request,
            or_(last.c.day < cutoff, and_(~has_request, registered_before)),
        )
        .order_by(Person.id)
    )
    return list(db.session.scalars(query))


def scrub_event_data(data: dict[str, Any]) -> dict[str, Any]:
    """Return event data with every free-text value blanked (also inside recorded changes)."""
    cleaned = {key: ("" if key in FREE_TEXT and value else value) for key, value in data.items()}
    changes = data.get("changes")
    if isinstance(changes, dict):
        cleaned["changes"] = {key: (["", ""] if key in FREE_TEXT else value)
                              for key, value in changes.items()}
    return cleaned


def _anonymise(person_ids: list[int], moment: datetime) -> None:
    """Replace the personal data of these persons and of everything about their requests."""
    for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids))):
        person.name = ANONYMISED_NAME
        person.v_number = placeholder_v_number(person.id)
        person.date_of_birth = None
        person.in_detention_since = None
        person.anonymised_at = moment
    db.session.flush()
    request_ids = _request_ids(person_ids)
    bulk = {"synchronize_session": False}
    db.session.execute(delete(IdentityDocument).where(IdentityDocument.person_id.in_(person_ids)),
                       execution_options=bulk)
    db.session.execute(
        update(LpRequest).where(LpRequest.person_id.in_(person_ids))
        # A new version makes a form opened before the run refuse to save over it.
        .values(embassy_reference="", documents_enclosed="", version=LpRequest.version + 1),
        execution_options=bulk,
    )
    db.session.execute(update(RequestEvent).where(RequestEvent.request_id.in_(request_ids)).values(note=""),
                       execution_options=bulk)
    rows = db.session.execute(
        select(RequestEvent.id, RequestEvent.data).where(RequestEvent.request_id.in_(request_ids)))
    scrubbed = [{"id": event_id, "data": cleaned} for event_id, data in rows
                if data and (cleaned := scrub_event_data(data)) != data]
    if scrubbed:
        db.session.execute(update(RequestEvent), scrubbed)
    db.session.execute(update(Reminder).where(Reminder.request_id.in_(request_ids)).values(note=""),
                       execution_options=bulk)


def _old_mail(cutoff: date):
    """Mails sent before the cutoff: they quote request references and are of no use any more."""
    return OutboxMail.sent_at < datetime.combine(cutoff, time.min, tzinfo=UTC)


def _request_ids(person_ids: list[int]):
    return select(LpRequest.id).where(LpRequest.person_id.in_(person_ids))


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
