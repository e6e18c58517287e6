"""Retention: anonymise persons whose LP requests all closed more than N years ago.

A person is due when none of his requests is open and the last thing that happened
on any of them (the latest event date or decision date) lies before the cutoff,
today minus ``LP_RETENTION_YEARS``; a person without requests is due when he was
registered before the cutoff. Anonymising replaces what identifies him and keeps
what the insights count (statuses, dates, response days, countries), so response
times per country stay correct.

It reaches every copy: the person, his documents (deleted), his requests (the
embassy's reference, the documents enclosed and the LP number), every free-text
value of their events (every text field of the lifecycle, also inside recorded
changes) and their notes, the reminders' notes, and the audit trail's details about
the person, his requests and their reminders (a note given when acknowledging or
snoozing). The outbox keeps mails for the retention period: a mail created or sent
before the cutoff is deleted, and so is a newer one that quotes something of the
persons anonymised (a closure recorded late with an old date). Uploaded files
(lp.files) of the persons anonymised are deleted, rows and bytes (the bytes when no
other row uses the same content), and so are files removed by staff before the
cutoff. The insights' figures (statuses, dates, outcome codes, countries, missions) stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, union_all, update

from lp.core.chunks import chunked
from lp.core.clock import today
from lp.core.types import utcnow
from lp.files import services as files
from lp.files.models import Attachment
from lp.mail.models import OutboxMail
from lp.persons.models import IdentityDocument, Person
from lp.presentations.models import PresentationDay, PresentationItem
from lp.reminders.models import Reminder
from lp.requests.groups import RequestGroup
from lp.requests.lifecycle import EVENT_FIELDS
from lp.requests.models import LpRequest, RequestEvent
from lp.web import audit
from lp.web.audit import AuditEvent
from lp.web.extensions import db

#: The name an anonymised person keeps (stored data, the same in every language).
ANONYMISED_NAME = "[geanonimiseerd]"
#: Free-text values of event data that may describe the person: every text field of the lifecycle.
FREE_TEXT = tuple(name for name, spec in EVENT_FIELDS.items() if spec.field_kind.free_text)
#: The request's own columns that identify the person or his case.
REQUEST_TEXT = ("embassy_reference", "documents_enclosed", "lp_number")
#: Audit details that say how, never what about the person: kept; every other text is blanked.
AUDIT_KEPT = audit.KEPT_BY_RETENTION
#: Values shorter than this are not looked for in mails (they would match anywhere).
QUOTE_MIN_LENGTH = 4
APPLIED = audit.RETENTION_APPLIED
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
    audit_events: int = 0
    outbox_mail_ids: list[int] = field(default_factory=list)
    #: Uploaded files of these persons; files removed before the cutoff; stored contents deleted.
    files: int = 0
    removed_file_ids: list[int] = field(default_factory=list)
    deleted_contents: int = 0

    @property
    def outbox_mails(self) -> int:
        return len(self.outbox_mail_ids)

    def counts(self) -> dict[str, int]:
        return {"persons": len(self.person_ids), "requests": self.requests, "documents": self.documents,
                "events": self.events, "reminders": self.reminders, "audit_events": self.audit_events,
                "outbox_mails": self.outbox_mails, "files": self.files,
                "removed_files": len(self.removed_file_ids)}


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
    mail_ids = set(db.session.scalars(select(OutboxMail.id).where(_old_mail(plan.cutoff))))
    attached = _attachments_since(plan.cutoff)  # read once, searched for each chunk
    for chunk in chunked(plan.person_ids, CHUNK):
        request_ids = _request_ids(chunk)
        plan.requests += _count(select(LpRequest.id).where(LpRequest.person_id.in_(chunk)))
        plan.documents += _count(select(IdentityDocument.id).where(IdentityDocument.person_id.in_(chunk)))
        plan.events += _count(select(RequestEvent.id).where(RequestEvent.request_id.in_(request_ids)))
        plan.reminders += _count(select(Reminder.id).where(Reminder.request_id.in_(request_ids)))
        plan.audit_events += _count(select(AuditEvent.id).where(_audit_about(chunk)))
        mail_ids.update(_mails_quoting(chunk, plan.cutoff, attached))
        plan.files += _count(select(Attachment.id).where(Attachment.person_id.in_(chunk)))
    plan.outbox_mail_ids = sorted(mail_ids)
    plan.removed_file_ids = files.removed_before(plan.cutoff)
    return plan


def apply_retention(years: int | None = None, *, on: date | None = None,
                    actor_id: int | None = None) -> RetentionPlan:
    """Anonymise every person due, in one transaction, and record the run in the audit trail."""
    plan = plan_retention(years, on=on)
    hashes: set[str] = set()
    try:
        moment = utcnow()
        blanked: list[int] = []
        for chunk in chunked(plan.removed_file_ids, CHUNK):
            hashes |= files.delete_rows(chunk)
        for chunk in chunked(plan.person_ids, CHUNK):
            hashes |= files.delete_for_persons(chunk)
            blanked += _anonymise(chunk, moment)
        for chunk in chunked(plan.outbox_mail_ids, CHUNK):
            db.session.execute(delete(OutboxMail).where(OutboxMail.id.in_(chunk)))
        details: dict[str, Any] = {"years": plan.years, "cutoff": plan.cutoff.isoformat(), **plan.counts(),
                                   audit.BLANKED_EVENTS: sorted(blanked)}
        audit.record(APPLIED, "retention", None, actor_id=actor_id, **details)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()  # the bulk statements bypassed the objects in the session
    # Only once the rows are gone for good: a failed run leaves every stored file in place.
    plan.deleted_contents = files.delete_unreferenced(hashes)
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


def _anonymise(person_ids: list[int], moment: datetime) -> list[int]:
    """Replace the personal data of these persons and of everything about their requests.

    Return the ids of the audit rows whose details were blanked. Their chain hashes stay as
    they were (they cover a hash of the details, not the details); the run's own audit row
    names them, so ``lp audit verify`` accepts them blanked and catches any other change.
    Recording the erasure as a new row only would have left the personal text in the old rows.
    """
    for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids))):
        person.name = ANONYMISED_NAME
        person.v_number = placeholder_v_number(person.id)
        person.date_of_birth = None
        person.in_detention_since = None
        person.detention_legal_basis = ""
        person.anonymised_at = moment
    db.session.flush()
    request_ids = _request_ids(person_ids)
    bulk = {"synchronize_session": False}
    db.session.execute(delete(IdentityDocument).where(IdentityDocument.person_id.in_(person_ids)),
                       execution_options=bulk)
    db.session.execute(
        update(LpRequest).where(LpRequest.person_id.in_(person_ids))
        # A new version makes a form opened before the run refuse to save over it.
        .values(dict.fromkeys(REQUEST_TEXT, "") | {"version": LpRequest.version + 1}),
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
    _anonymise_days_and_groups(request_ids)
    rows = db.session.execute(select(AuditEvent.id, AuditEvent.details).where(_audit_about(person_ids)))
    scrubbed = [{"id": event_id, "details": cleaned} for event_id, details in rows
                if details and (cleaned := scrub_audit_details(details)) != details]
    if scrubbed:
        db.session.execute(update(AuditEvent), scrubbed)
    return [row["id"] for row in scrubbed]


def _anonymise_days_and_groups(request_ids) -> None:
    """Blank the free texts about these requests on presentation days and groups.

    The note of each result; the notes of a day they were on (they may name the persons on
    it); the label of a group they are in (a family's label may be its name).
    """
    bulk = {"synchronize_session": False}
    db.session.execute(update(PresentationItem).where(PresentationItem.request_id.in_(request_ids)).values(note=""),
                       execution_options=bulk)
    days = select(PresentationItem.day_id).where(PresentationItem.request_id.in_(request_ids))
    db.session.execute(update(PresentationDay).where(PresentationDay.id.in_(days))
                       .values(notes="", version=PresentationDay.version + 1), execution_options=bulk)
    group_ids = select(LpRequest.group_id).where(LpRequest.id.in_(request_ids))
    db.session.execute(update(RequestGroup).where(RequestGroup.id.in_(group_ids)).values(label=""),
                       execution_options=bulk)


#: Audit details with every text blanked but how the event came about (via, path, until, trace_id).
scrub_audit_details = audit.blank_details


def _audit_about(person_ids: list[int]):
    """Audit events about these persons, their requests, or their requests' reminders."""
    request_ids = _request_ids(person_ids)
    return or_(
        and_(AuditEvent.subject_type == "person", AuditEvent.subject_id.in_(person_ids)),
        and_(AuditEvent.subject_type == "request", AuditEvent.subject_id.in_(request_ids)),
        and_(AuditEvent.subject_type == "reminder",
             AuditEvent.subject_id.in_(select(Reminder.id).where(Reminder.request_id.in_(request_ids)))),
    )


def _old_mail(cutoff: date):
    """Mails created or sent before the cutoff: they quote request references and are of no use any more."""
    moment = datetime.combine(cutoff, time.min, tzinfo=UTC)
    return or_(OutboxMail.created_at < moment, OutboxMail.sent_at < moment)


def _attachments_since(cutoff: date) -> list[tuple[int, str]]:
    """Return (id, text) of each mail with an attachment created since the cutoff.

    A saved view's weekly CSV lists every request its filters match, closed ones too, however
    long ago they changed: each of those attachments is read.
    """
    since = datetime.combine(cutoff, time.min, tzinfo=UTC)
    return [(mail_id, text) for mail_id, text in db.session.execute(select(OutboxMail.id, OutboxMail.attachment).where(
        OutboxMail.created_at >= since, OutboxMail.attachment_name != ""))]


def _mails_quoting(person_ids: list[int], cutoff: date, attached: list[tuple[int, str]]) -> list[int]:
    """Return the newer mails (created since the cutoff) that quote something of these persons.

    A request shows up in mails only until its last change was recorded, so only mails
    created between the cutoff and that moment are read: none, unless a closure was
    recorded late with a date long past.
    """
    request_ids = _request_ids(person_ids)
    since = datetime.combine(cutoff, time.min, tzinfo=UTC)
    last_change = db.session.scalar(select(func.max(RequestEvent.at)).where(RequestEvent.request_id.in_(request_ids)))
    recent = last_change is not None and last_change >= since
    if not recent and not attached:
        return []
    quotes = _quotable(person_ids, request_ids)
    if not quotes:
        return []
    found = {mail_id for mail_id, text in attached if any(quote in text for quote in quotes)}
    if recent:
        mails = db.session.execute(
            select(OutboxMail.id, OutboxMail.subject, OutboxMail.body_text, OutboxMail.body_html)
            .where(OutboxMail.created_at >= since, OutboxMail.created_at <= last_change))
        found.update(mail_id for mail_id, *texts in mails if any(quote in text for text in texts for quote in quotes))
    return sorted(found)


def _quotable(person_ids: list[int], request_ids) -> set[str]:
    """Return what identifies these persons and their requests, as a mail could quote it."""
    values = [
        *db.session.execute(select(Person.name, Person.v_number).where(Person.id.in_(person_ids))),
        *db.session.execute(select(IdentityDocument.number).where(IdentityDocument.person_id.in_(person_ids))),
        *db.session.execute(select(*(getattr(LpRequest, name) for name in REQUEST_TEXT))
                            .where(LpRequest.id.in_(request_ids))),
    ]
    return {value for row in values for value in row if value and len(value) >= QUOTE_MIN_LENGTH}


def _request_ids(person_ids: list[int]):
    return select(LpRequest.id).where(LpRequest.person_id.in_(person_ids))


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
