"""Reminders for people: the inbox, acknowledging and snoozing, and the reminder letters.

The inbox and the navigation count share one definition of "mine" (the reminders of
requests I own, and of the countries in my portfolio: ``Reminder.owner_id``) and of
"open" (``Reminder.is_open_on``), as SQL conditions, so that a page costs the same at
100,000 requests as at 1,000.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from countries.models import Country, Mission
from lp.core.clock import today
from lp.core.fields import FieldSpec, parse_fields
from lp.core.types import utcnow
from lp.core.validation import Conflict, ValidationFailed, flag, whole_number
from lp.files import services as files
from lp.files.services import CheckedUpload
from lp.reminders.models import Reminder
from lp.requests import batches
from lp.requests import services as request_services
from lp.requests.deadlines import KINDS
from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import LpRequest
from lp.web import audit
from lp.web.database import rows_changed
from lp.web.extensions import db

PAGE_SIZE = 50
#: How far ahead a reminder may be snoozed: further than this is not a snooze but neglect.
MAX_SNOOZE_DAYS = 366
LEVELS = (1, 2, 3)

KIND_LABELS = {
    ("reply_overdue", 1): _l("Reply overdue – level 1"),
    ("reply_overdue", 2): _l("Reply overdue – level 2 (note verbale)"),
    ("reply_overdue", 3): _l("Reply overdue – level 3 (escalate to management)"),
    ("deemed_agreed", 1): _l("Deemed agreed: arrange the handover and the flight"),
    ("detention_ending", 1): _l("Detention term ends within four weeks: extend it or prepare the release"),
    ("no_reply", 1): _l("No reply for a long time: record “no reply” and consider withdrawal"),
    ("presentation_not_scheduled", 1): _l("Presentation required but not scheduled"),
    ("presentability_check", 1): _l("Check presentability before the presentation"),
    ("book_flight", 1): _l("LP issued: book the flight now (fewer days left than the flight lead time)"),
    ("lp_expiring", 1): _l("LP expires soon and no departure is recorded"),
    ("profile_review", 1): _l("Country profile not reviewed for a long time"),
}
KIND_CHOICES = (
    ("reply_overdue", _l("Reply overdue")),
    ("deemed_agreed", _l("Deemed agreed (silence)")),
    ("detention_ending", _l("Detention term ending")),
    ("no_reply", _l("No reply")),
    ("presentation_not_scheduled", _l("Presentation not scheduled")),
    ("presentability_check", _l("Presentability check")),
    ("book_flight", _l("Book the flight")),
    ("lp_expiring", _l("LP expiring")),
    ("profile_review", _l("Profile review")),
)

ACKNOWLEDGE_FIELDS = (FieldSpec("note", _l("Note"), "longtext", max_length=2000),)
SNOOZE_FIELDS = (
    FieldSpec("until", _l("Snooze until"), "date", required=True),
    FieldSpec("note", _l("Note"), "longtext", required=True, max_length=2000),
)


def kind_label(kind: str, level: int) -> Any:
    """Return what a reminder asks for, in words (the kind's name for an unknown level)."""
    return KIND_LABELS.get((kind, level)) or dict(KIND_CHOICES).get(kind, kind)


# --- the inbox --------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilter:
    scope: str = "mine"  # mine / all
    kind: str = ""
    level: int | None = None
    country: str = ""  # alpha-2
    mission: int | None = None
    handled: bool = False  # also show acknowledged and snoozed reminders
    page: int = 1

    def as_args(self, **overrides: Any) -> dict[str, Any]:
        """Return the non-default values as query arguments (for links and redirects)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | overrides
        defaults = InboxFilter()
        return {name: ("1" if value is True else str(value)) for name, value in values.items()
                if value != getattr(defaults, name) and value is not None and value is not False}


def parse_filter(args: Mapping[str, str]) -> InboxFilter:
    """Read the inbox filters from query arguments; raise ValidationFailed naming each bad one."""
    errors: dict[str, list[Any]] = {}

    def number(name: str, message: Any) -> int | None:
        raw = (args.get(name) or "").strip()
        number = whole_number(raw, minimum=1)
        if raw and number is None:
            errors[name] = [message]
        return number

    scope = args.get("scope") or "mine"
    if scope not in ("mine", "all"):
        errors["scope"] = [_l("Choose mine or all.")]
    kind = args.get("kind") or ""
    if kind and kind not in KINDS:
        errors["kind"] = [_l("Unknown kind of reminder.")]
    level = number("level", _l("Choose level 1, 2 or 3."))
    if level is not None and level not in LEVELS:
        errors["level"] = [_l("Choose level 1, 2 or 3.")]
    country = (args.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        errors["country"] = [_l("Enter a two-letter country code.")]
    mission = number("mission", _l("Unknown mission."))
    page = number("page", _l("Enter a page number.")) or 1
    handled = flag(args, "handled", errors)
    if errors:
        raise ValidationFailed(errors)
    return InboxFilter(scope, kind, level, country, mission, handled, page)


def open_on(day: date) -> ColumnElement[bool]:
    """Return the SQL form of ``Reminder.is_open_on(day)``."""
    return and_(Reminder.closed_at.is_(None), Reminder.acknowledged_at.is_(None),
                or_(Reminder.snoozed_until.is_(None), Reminder.snoozed_until <= day))


def mine(user_id: int) -> ColumnElement[bool]:
    """Return the condition "about a request I own, or about a country in my portfolio".

    ``Reminder.owner_id`` is kept equal to the request's owner (the portfolio holder for a
    country's reminder; see lp.reminders.signals), so this is one indexed comparison.
    """
    return Reminder.owner_id == user_id


def conditions(f: InboxFilter, user_id: int, day: date) -> list[ColumnElement[bool]]:
    """Return the SQL conditions of the inbox filtered by ``f`` (the inbox and its bulk work share them)."""
    where = [open_on(day) if not f.handled else Reminder.closed_at.is_(None)]
    if f.scope == "mine":
        where.append(mine(user_id))
    if f.kind:
        where.append(Reminder.kind == f.kind)
    if f.level is not None:
        where.append(Reminder.level == f.level)
    if f.country:
        where.append(Reminder.country_id.in_(select(Country.id).where(Country.alpha2 == f.country)))
    if f.mission is not None:
        where.append(Reminder.mission_id == f.mission)
    return where


@dataclass
class InboxPage:
    items: list[Reminder]
    total: int
    filter: InboxFilter

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def inbox(f: InboxFilter, user_id: int, day: date) -> InboxPage:
    """Return one page of reminders, detention first, then the longest due first.

    Two queries whatever the data size: the count, and the page with its request,
    person, country and mission.
    """
    where = conditions(f, user_id, day)
    total = db.session.scalar(select(func.count()).select_from(Reminder).where(*where)) or 0
    query: Select = (
        select(Reminder).where(*where)
        .options(joinedload(Reminder.request).joinedload(LpRequest.person), joinedload(Reminder.country),
                 joinedload(Reminder.mission), joinedload(Reminder.acknowledged_by))
        .order_by(Reminder.priority.desc(), Reminder.due_since, Reminder.id)
        .limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE)
    )
    return InboxPage(list(db.session.scalars(query)), total, f)


def count_mine_open(user_id: int, day: date) -> int:
    """Return how many open reminders are mine (the number in the navigation): one COUNT.

    Read from the index ix_reminders_owner_open (owner_id, closed_at, acknowledged_at,
    snoozed_until, ...) alone: the cost follows my open reminders, not all reminders. COUNT(*), not
    COUNT(id): the id is not in that index, and PostgreSQL read every matching row from the
    table for it (1,151 pages for 1,940 reminders at 1,000,000 requests; index-only: 0.6 ms).
    """
    return db.session.scalar(select(func.count()).select_from(Reminder).where(open_on(day), mine(user_id))) or 0


# --- acknowledge and snooze ----------------------------------------------------------------


def _handled_already() -> Conflict:
    return Conflict(_l("This reminder was acknowledged or closed in the meantime. Nothing was changed."))


def acknowledge(reminder: Reminder, raw: Mapping[str, Any], *, user_id: int) -> None:
    """Mark a reminder as dealt with by ``user_id``, with an optional note; or raise and change nothing."""
    values = parse_fields(ACKNOWLEDGE_FIELDS, raw)
    note = values["note"] or reminder.note
    # A conditional UPDATE: of two people acknowledging at once, exactly one succeeds.
    done = rows_changed(
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.acknowledged_at.is_(None), Reminder.closed_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=user_id, note=note)
    )
    if done != 1:
        db.session.rollback()
        raise _handled_already()
    audit.record("reminder.acknowledged", "reminder", reminder.id, actor_id=user_id, note=values["note"])
    db.session.commit()
    db.session.refresh(reminder)


def check_snooze(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the snooze's values: a day after today, within a year, and a note; or raise ValidationFailed."""
    values = parse_fields(SNOOZE_FIELDS, raw)
    until, now = values["until"], today()
    if until <= now:
        raise ValidationFailed.single("until", _l("Choose a day after today."))
    if until > now + timedelta(days=MAX_SNOOZE_DAYS):
        raise ValidationFailed.single("until", _l("Snooze for at most a year."))
    return values


def snooze(reminder: Reminder, raw: Mapping[str, Any], *, user_id: int) -> None:
    """Hide a reminder until a future day, with a note saying why; or raise and change nothing."""
    values = check_snooze(raw)
    until = values["until"]
    done = rows_changed(
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.acknowledged_at.is_(None), Reminder.closed_at.is_(None))
        .values(snoozed_until=until, note=values["note"])
    )
    if done != 1:
        db.session.rollback()
        raise _handled_already()
    # The reminder has no column for who snoozed it: the audit trail keeps who and when.
    audit.record("reminder.snoozed", "reminder", reminder.id, actor_id=user_id, until=until.isoformat(),
                 note=values["note"])
    db.session.commit()
    db.session.refresh(reminder)


@dataclass(frozen=True)
class Action:
    """Who acknowledged or snoozed a reminder, when, and why."""

    at: datetime
    who: str
    snoozed_until: date | None
    note: str


def actions_on(reminder: Reminder) -> list[Action]:
    """Return who acknowledged or snoozed the reminder and when, newest first."""
    events = db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.subject_type == "reminder", audit.AuditEvent.subject_id == reminder.id)
        .options(joinedload(audit.AuditEvent.actor)).order_by(audit.AuditEvent.id.desc()).limit(50)
    )
    return [
        Action(event.at, (event.actor.display_name or event.actor.email) if event.actor else "",
               date.fromisoformat(event.details["until"]) if event.details.get("until") else None,
               event.details.get("note") or "")
        for event in events
    ]


# --- reminder letters ------------------------------------------------------------------------


def _overdue(day: date) -> list[ColumnElement[bool]]:
    """Return the conditions of "waiting for the embassy's answer after the reply was due"."""
    return [LpRequest.is_open.is_(True), LpRequest.status.in_(AWAITING_ANSWER), LpRequest.reply_due_on < day]


@dataclass(frozen=True)
class MissionCount:
    mission: Mission
    count: int
    oldest_due: date


def missions_with_overdue(day: date) -> tuple[list[MissionCount], int]:
    """Return the missions with overdue requests and how many, and the overdue requests without a mission."""
    counts = (
        select(LpRequest.mission_id, func.count().label("n"),
               func.min(LpRequest.reply_due_on).label("oldest"))
        .where(*_overdue(day), LpRequest.mission_id.is_not(None))
        .group_by(LpRequest.mission_id).subquery()
    )
    rows = db.session.execute(
        select(Mission, counts.c.n, counts.c.oldest).join(counts, counts.c.mission_id == Mission.id)
        .options(joinedload(Mission.country)).order_by(counts.c.oldest, Mission.name, Mission.id)
    ).all()
    without = db.session.scalar(
        select(func.count()).select_from(LpRequest).where(*_overdue(day), LpRequest.mission_id.is_(None))) or 0
    return [MissionCount(mission, n, oldest) for mission, n, oldest in rows], without


def overdue_requests(mission: Mission, day: date, *, lock: bool = False) -> list[LpRequest]:
    """Return the mission's overdue requests, longest overdue first, with their persons."""
    query = (select(LpRequest).where(LpRequest.mission_id == mission.id, *_overdue(day))
             .options(joinedload(LpRequest.person, innerjoin=True))
             .order_by(LpRequest.reply_due_on, LpRequest.id))
    if lock:
        # Hold the rows until the letter is recorded, so nobody changes the set meanwhile (PostgreSQL).
        query = query.with_for_update(of=LpRequest)
    return list(db.session.scalars(query))


def days_overdue(request: LpRequest, day: date) -> int:
    """Return how many days the reply is late (0 on the day it was due)."""
    return (day - request.reply_due_on).days if request.reply_due_on else 0


def letter_token(requests: list[LpRequest]) -> list[str]:
    """Return what identifies the letter as shown: each request's id and version."""
    return batches.shown_token(requests)


def parse_letter_token(values: list[str]) -> set[tuple[int, int]]:
    """Read the posted id:version pairs back; raise ValidationFailed for anything else."""
    return batches.parse_shown(values, _l("The form was damaged. Reload the letter and try again."))


#: The audit actions of a reminder letter recorded as sent, and of its undo.
LETTER_SENT = "reminder.letter_sent"
LETTER_UNDONE = "reminder.letter_undone"
#: The reminders a reminder letter answers: reply overdue at level 1 or 2 (note verbale).
#: Level 3 asks for escalation to management, which a letter does not do.
LETTER_ANSWERS_LEVELS = (1, 2)


def _answered_by_letter(request_ids: list[int]) -> list[Reminder]:
    return list(db.session.scalars(
        select(Reminder).where(Reminder.request_id.in_(request_ids), Reminder.kind == "reply_overdue",
                               Reminder.level.in_(LETTER_ANSWERS_LEVELS), Reminder.closed_at.is_(None),
                               Reminder.acknowledged_at.is_(None))))


def confirm_letter_sent(mission: Mission, shown: set[tuple[int, int]], *, user_id: int,
                        attach: CheckedUpload | None = None) -> int:
    """Record the letter as a note verbale on each request it listed, all in one transaction.

    ``shown`` is the (id, version) of every request on the letter as the user saw it:
    if the set of overdue requests or any of them changed since, nothing is recorded.
    Each request's version is bumped, so two confirmations of the same letter cannot
    both succeed. The letter answers the requests' open "reply overdue" reminders of
    level 1 and 2: they are acknowledged. The letter can be undone the same day
    (``undo_letter``). ``attach`` (the letter as PDF) is stored as a file of each request,
    shown on its note verbale event, in the same transaction. Return the number of requests recorded.
    """
    day = today()
    requests = check_letter(mission, shown, lock=True)
    note = ngettext("Reminder letter sent (%(num)d request)", "Reminder letter sent (%(num)d requests)",
                    len(requests))
    letter = uuid.uuid4().hex
    answered = _answered_by_letter([request.id for request in requests])
    now = utcnow()
    for reminder in answered:
        reminder.acknowledged_at, reminder.acknowledged_by_id = now, user_id
    audit.record(LETTER_SENT, "mission", mission.id, actor_id=user_id, letter=letter,
                 requests=[request.id for request in requests],
                 acknowledged={str(reminder.id): reminder.note for reminder in answered})
    # Recording the letter is a change to the requests (their timelines): the version
    # check in the UPDATE then refuses a second, concurrent confirmation.
    batches.mark_changed(requests)
    try:
        request_services.record_note_verbale(requests, {"occurred_on": day.isoformat(), "note": note},
                                             user_id=user_id, mission_id=mission.id, letter=letter,
                                             before_commit=files.attacher(attach, user_id=user_id))
    except Conflict:  # another confirmation or change won the race: its rows are newer
        db.session.rollback()
        raise _letter_changed() from None
    except ValidationFailed:
        db.session.rollback()
        raise
    return len(requests)


def check_letter(mission: Mission, shown: set[tuple[int, int]], *, lock: bool = False) -> list[LpRequest]:
    """Return the letter's requests if they are still exactly those ``shown``; else raise Conflict."""
    requests = overdue_requests(mission, today(), lock=lock)
    if not batches.same_as_shown(requests, shown):
        db.session.rollback()
        raise _letter_changed()
    return requests


#: A reminder letter recorded as sent today, which may still be undone.
SentLetter = batches.Undoable


def letters_sent_today() -> list[SentLetter]:
    """Return the reminder letters recorded as sent today and not undone, newest first."""
    return batches.undoable_today(LETTER_SENT, LETTER_UNDONE)


LETTER_REFUSALS = batches.Refusals(
    unknown=_l("There is no such reminder letter to undo."),
    another_day=_l("A reminder letter can be undone only on the day it was recorded."),
    twice=_l("This reminder letter was undone already."),
    busy=_l("Someone changed one of the letter's requests at the same moment. Nothing was undone; try again."),
)


def _restore_reminders(event: audit.AuditEvent) -> None:
    """Open again the reminders the letter acknowledged, with their notes as before."""
    for reminder_id, previous_note in event.details.get("acknowledged", {}).items():
        db.session.execute(update(Reminder).where(Reminder.id == int(reminder_id))
                           .values(acknowledged_at=None, acknowledged_by_id=None, note=previous_note))


def undo_letter(letter_event_id: int, *, user_id: int) -> int:
    """Undo a reminder letter recorded today, in one transaction; return how many requests it had.

    Nothing is deleted: each request's timeline gets a reversal of the letter's note
    verbale, the reminders the letter acknowledged are open again as before, and the
    undo is in the audit trail. Refused (Conflict) for another day's letter or a second undo.
    """
    return batches.undo(letter_event_id, LETTER_SENT, LETTER_UNDONE, user_id=user_id,
                        note=str(_l("Reminder letter recorded by mistake: undone.")), refusals=LETTER_REFUSALS,
                        restore=_restore_reminders)


def _letter_changed() -> Conflict:
    return Conflict(_l("The overdue requests of this mission changed after you opened the letter. "
                       "Nothing was recorded. Check the letter below, send it if needed, and confirm again."))
