"""The reminder sweep: create the reminders that are due, close those no longer due.

Safe to run twice or in two processes at once: the database's unique key on
(subject, kind, level) and INSERT ... ON CONFLICT DO NOTHING create each reminder once.
Of one subject and kind only the highest level due is wanted: the lower levels still
open are closed as superseded, so every (subject, kind) has at most one open reminder.

The sweep reads the open reminders and, of the closed ones, only those of a subject
that is due again (to reopen one not acknowledged): never the closed history, which
grows with every year of data while the open reminders do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from countries.models import Agreement, Country
from lp.core.types import utcnow
from lp.persons import detention
from lp.persons.models import Person
from lp.reminders import notifications
from lp.reminders.models import SUPERSEDED, Reminder
from lp.requests import deadlines
from lp.requests.models import LpRequest
from lp.web.database import insert_unless_present
from lp.web.extensions import db

BATCH = 2000


@dataclass
class SweepResult:
    created: int = 0
    closed: int = 0
    reopened: int = 0
    requests_checked: int = 0
    #: Existing reminders read: the open ones, and the closed ones of subjects due again.
    reminders_read: int = 0


Key = tuple[str, str, int]


def _agreement_terms() -> dict[int, tuple[deadlines.Terms, ...]]:
    """Return every country's agreement terms, by country id (one query for the whole sweep)."""
    by_country: dict[int, list[Agreement]] = {}
    for agreement in db.session.scalars(select(Agreement).order_by(Agreement.id)):
        by_country.setdefault(agreement.country_id, []).append(agreement)
    return {country_id: deadlines.terms_of(rows) for country_id, rows in by_country.items()}


def _wanted_for_requests(as_of: date) -> tuple[dict[Key, dict], int]:
    zone = ZoneInfo(current_app.config["LP_TIMEZONE"])
    rows = db.session.execute(
        select(
            LpRequest.id, LpRequest.status, LpRequest.submitted_on, LpRequest.reply_due_on,
            LpRequest.paused_since, LpRequest.paused_days, LpRequest.valid_until, LpRequest.next_presentation_at,
            LpRequest.country_id, LpRequest.mission_id, LpRequest.owner_id,
            Person.in_detention_since, Person.detention_max_months,
            Country.presentation_required, Country.reminder_policy, Country.flight_lead_days,
        )
        .join(Person, Person.id == LpRequest.person_id)
        .join(Country, Country.id == LpRequest.country_id)
        .where(LpRequest.is_open.is_(True))
    )
    wanted: dict[Key, dict] = {}
    policies: dict[int, dict] = {}
    terms = _agreement_terms()
    detention_months = detention.default_months()
    checked = 0
    for row in rows:
        checked += 1
        policy = policies.get(row.country_id)
        if policy is None:
            policy = policies[row.country_id] = deadlines.policy(row.reminder_policy)
        facts = deadlines.RequestFacts(
            status=row.status,
            submitted_on=row.submitted_on,
            reply_due_on=row.reply_due_on,
            paused=row.paused_since is not None,
            in_detention=row.in_detention_since is not None,
            presentation_required=row.presentation_required,
            next_presentation_on=row.next_presentation_at.astimezone(zone).date()
            if row.next_presentation_at else None,
            valid_until=row.valid_until,
            policy=policy,
            deemed_agreed_on=deadlines.compute_deemed_agreed(
                terms.get(row.country_id, ()), row.submitted_on, row.status, row.paused_since, row.paused_days),
            detention_warning_on=detention.warning_from(
                detention.term_ends_on(row.in_detention_since, row.detention_max_months, detention_months)),
            flight_lead_days=deadlines.flight_lead_days(row.flight_lead_days),
        )
        subject = f"request:{row.id}"
        for kind, level, since in deadlines.request_reminders(facts, as_of):
            wanted[(subject, kind, level)] = {
                "request_id": row.id, "country_id": row.country_id, "mission_id": row.mission_id,
                "priority": facts.in_detention, "due_since": since, "owner_id": row.owner_id,
            }
    return wanted, checked


def _wanted_for_profiles(as_of: date) -> dict[Key, dict]:
    wanted: dict[Key, dict] = {}
    rows = db.session.execute(
        select(Country.id, Country.last_reviewed_on, Country.reminder_policy, Country.portfolio_holder_id)
        .where(Country.portfolio_holder_id.is_not(None))
    )
    for row in rows:
        since = deadlines.profile_review_due(row.last_reviewed_on, deadlines.policy(row.reminder_policy), as_of)
        if since is not None:
            wanted[(f"country:{row.id}", "profile_review", 1)] = {
                "request_id": None, "country_id": row.id, "mission_id": None, "priority": False,
                "due_since": since, "owner_id": row.portfolio_holder_id,
            }
    return wanted


def _insert_ignoring_duplicates(rows: list[dict]) -> list[int]:
    """Insert the reminders not there yet; return the ids of those this run created."""
    statement = insert_unless_present(Reminder, ["subject", "kind", "level"])
    created: list[int] = []
    for start in range(0, len(rows), BATCH):
        created += [row.id for row in db.session.execute(statement, rows[start:start + BATCH])]
    return created


#: The new reminders whose owner is told at once (or in the daily summary): lp.reminders.notifications.
NOTIFIED = {("reply_overdue", 3): notifications.LEVEL3, ("lp_expiring", 1): notifications.LP_EXPIRING}


def _notify_owners(created_ids: list[int]) -> None:
    """Tell the owners of the new level-3 and "LP expiring" reminders (once each: the reminder is the occasion)."""
    for start in range(0, len(created_ids), BATCH):
        for reminder in db.session.scalars(
                select(Reminder).where(Reminder.id.in_(created_ids[start:start + BATCH]),
                                       Reminder.request_id.is_not(None), Reminder.owner_id.is_not(None),
                                       or_(and_(Reminder.kind == "reply_overdue", Reminder.level == 3),
                                           Reminder.kind == "lp_expiring"))
                .options(joinedload(Reminder.request)).order_by(Reminder.id)):
            kind = NOTIFIED.get((reminder.kind, reminder.level))
            if kind is not None and reminder.request is not None:
                notifications.notify(reminder.owner_id, kind, reminder.request, f"reminder:{reminder.id}")


def _highest_levels(wanted: dict[Key, dict]) -> dict[Key, dict]:
    """Keep, of each (subject, kind), only the highest level: it supersedes the lower ones."""
    top: dict[tuple[str, str], int] = {}
    for subject, kind, level in wanted:
        top[(subject, kind)] = max(level, top.get((subject, kind), level))
    return {key: values for key, values in wanted.items() if top[key[:2]] == key[2]}


def _existing(wanted: dict[Key, dict]) -> tuple[dict[Key, tuple[int, bool, bool]], int]:
    """Return {key: (id, closed, acknowledged)} of the open reminders and the closed ones wanted again.

    The open ones by the index on closed_at; the closed ones only for subjects that have a
    wanted key without an open reminder, by the unique key's index on subject, in batches.
    Also returns how many rows were read.
    """
    columns = (Reminder.id, Reminder.subject, Reminder.kind, Reminder.level, Reminder.closed_at,
               Reminder.acknowledged_at)
    found = {(r.subject, r.kind, r.level): (r.id, False, r.acknowledged_at is not None)
             for r in db.session.execute(select(*columns).where(Reminder.closed_at.is_(None)))}
    read = len(found)
    subjects = sorted({key[0] for key in wanted if key not in found})
    for start in range(0, len(subjects), BATCH):
        for r in db.session.execute(select(*columns).where(Reminder.subject.in_(subjects[start:start + BATCH]),
                                                           Reminder.closed_at.is_not(None))):
            read += 1
            key = (r.subject, r.kind, r.level)
            if key in wanted:
                found[key] = (r.id, True, r.acknowledged_at is not None)
    return found, read


def sweep(as_of: date) -> SweepResult:
    """Bring the reminders in line with the state of requests and profiles on ``as_of``."""
    result = SweepResult()
    wanted, result.requests_checked = _wanted_for_requests(as_of)
    wanted = _highest_levels(wanted | _wanted_for_profiles(as_of))
    wanted_level = {key[:2]: key[2] for key in wanted}

    existing, result.reminders_read = _existing(wanted)
    now = utcnow()
    new_rows = [
        {"subject": key[0], "kind": key[1], "level": key[2], "created_at": now, "note": "", **values}
        for key, values in wanted.items() if key not in existing
    ]
    created_ids = _insert_ignoring_duplicates(new_rows)
    result.created = len(created_ids)
    _notify_owners(created_ids)

    to_close = [(rid, key) for key, (rid, closed, _ack) in existing.items() if not closed and key not in wanted]
    superseded = [rid for rid, key in to_close if wanted_level.get(key[:2], 0) > key[2]]
    no_longer_due = [rid for rid, key in to_close if wanted_level.get(key[:2], 0) <= key[2]]
    to_reopen = [rid for key, (rid, closed, ack) in existing.items() if closed and not ack and key in wanted]
    for ids, closed_at, reason in ((superseded, now, SUPERSEDED), (no_longer_due, now, None),
                                   (to_reopen, None, None)):
        for start in range(0, len(ids), BATCH):
            db.session.execute(update(Reminder).where(Reminder.id.in_(ids[start:start + BATCH]))
                               .values(closed_at=closed_at, closed_reason=reason))
    result.closed, result.reopened = len(to_close), len(to_reopen)
    db.session.commit()
    return result


def close_for_request(request_id: int) -> None:
    """Close the open reminders of a request (when it closes, see lp.reminders.signals); the caller commits."""
    db.session.execute(
        update(Reminder)
        .where(Reminder.request_id == request_id, Reminder.closed_at.is_(None))
        .values(closed_at=utcnow())
    )


def follow_requests_off_mission(mission: Any, entity: str, **_extra: Any) -> None:
    """Give reminders that still name a removed mission their request's mission instead.

    Only reminders of requests that moved to another mission can still name it: the
    requests themselves keep a mission from being removed.
    """
    if entity != "mission" or mission.id is None:
        return
    current = select(LpRequest.mission_id).where(LpRequest.id == Reminder.request_id).scalar_subquery()
    db.session.execute(update(Reminder).where(Reminder.mission_id == mission.id).values(mission_id=current))
