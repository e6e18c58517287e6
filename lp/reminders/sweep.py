"""The reminder sweep: create the reminders that are due, close those no longer due.

Safe to run twice or in two processes at once: the database's unique key on
(subject, kind, level) and INSERT ... ON CONFLICT DO NOTHING create each reminder once.
Of one subject and kind only the highest level due is wanted: the lower levels still
open are closed as superseded, so every (subject, kind) has at most one open reminder.

The sweep reads the open reminders and, of the closed ones, only those of a subject
that is due again (to reopen one not acknowledged): never the closed history, which
grows with every year of data while the open reminders do not.

The daily run (``incremental=True``: the scheduler and ``lp reminders sweep``) reads only
the open requests whose reminders can have changed since the last run: those whose next
change (``deadlines.next_change``, stored in ``SweepDay``) has come, and those changed
since (lp.reminders.due marks them in ``LpRequest.next_due_on``), with their reminders; the countries'
profile reminders are always all checked (a few hundred). Its result is the full sweep's
on the same data. It sweeps in full (every open request and every open reminder) when
there was no earlier run, when the day goes back, or when the settings the rules read
changed (``settings``); ``sweep(day)`` and ``lp reminders sweep --full`` always do. Every
sweep stores the day of each request it read and, in job_runs (``STATE``), its day and settings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from flask import current_app
from sqlalchemy import Row, bindparam, delete, func, select, union, update

from countries.models import Agreement, Country
from lp.core.chunks import chunks
from lp.core.types import utcnow
from lp.persons import detention
from lp.persons.models import Person
from lp.reminders import notifications
from lp.reminders.models import SUPERSEDED, JobRun, Reminder, SweepDay
from lp.requests import deadlines
from lp.requests.models import REQUESTS, LpRequest
from lp.web.database import conflict_insert, insert_unless_present
from lp.web.extensions import db

BATCH = 2000


@dataclass
class SweepResult:
    created: int = 0
    closed: int = 0
    reopened: int = 0
    requests_checked: int = 0
    #: Existing reminders read: the open ones (of the requests checked), and the closed ones of subjects due again.
    reminders_read: int = 0
    #: Every open request checked (else only those due or changed since the last run).
    full: bool = True


Key = tuple[str, str, int]


def _agreement_terms() -> dict[int, tuple[deadlines.Terms, ...]]:
    """Return every country's agreement terms, by country id (one query for the whole sweep)."""
    by_country: dict[int, list[Agreement]] = {}
    for agreement in db.session.scalars(select(Agreement).order_by(Agreement.id)):
        by_country.setdefault(agreement.country_id, []).append(agreement)
    return {country_id: deadlines.terms_of(rows) for country_id, rows in by_country.items()}


#: The row of job_runs where the sweep keeps the day and the settings of its last run.
STATE = "reminder-sweep"


def settings() -> str:
    """Return a digest of what the rules read besides the data: settings, time zone, holiday calendar.

    The days stored on the requests hold under these; when they differ, the next run is full.
    """
    values = {"policy": deadlines.policy(), "flight_lead_days": deadlines.flight_lead_days(None),
              "detention_months": detention.default_months(), "timezone": current_app.config["LP_TIMEZONE"],
              "holidays": holidays.__version__}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]


def last_run() -> dict[str, Any] | None:
    """Return the last sweep's day and settings ({"as_of": "YYYY-MM-DD", "settings": ...}), or None."""
    # A query, not Session.get: _record_run writes the row with Core, past the identity map.
    stored = db.session.scalar(select(JobRun.last_result).where(JobRun.name == STATE))
    if stored is None:
        return None
    try:
        state = json.loads(stored)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def _record_run(as_of: date, digest: str, result: SweepResult) -> None:
    """Keep this run's day and settings (one row, upserted: two sweeps at once both write it)."""
    values = {"name": STATE, "last_run_at": utcnow(),
              "last_result": json.dumps({"as_of": as_of.isoformat(), "settings": digest, "full": result.full,
                                         "checked": result.requests_checked})}
    statement = conflict_insert(JobRun).values(values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["name"], set_={
        "last_run_at": statement.excluded.last_run_at, "last_result": statement.excluded.last_result}))


def _full_needed(as_of: date, digest: str) -> bool:
    state = last_run()
    return state is None or state.get("settings") != digest or state.get("as_of", "9999") > as_of.isoformat()


def _wanted_for_requests(as_of: date, full: bool) -> tuple[dict[Key, dict], list[int], list[dict[str, Any]]]:
    """Return the reminders the requests want, the ids of those checked, and their next days that changed.

    ``full``: every open request; else those whose stored next day has come (or that changed).
    """
    zone = ZoneInfo(current_app.config["LP_TIMEZONE"])
    query = (
        select(
            LpRequest.id, LpRequest.status, LpRequest.submitted_on, LpRequest.reply_due_on,
            LpRequest.paused_since, LpRequest.paused_days, LpRequest.valid_until, LpRequest.next_presentation_at,
            LpRequest.country_id, LpRequest.mission_id, LpRequest.owner_id, LpRequest.version,
            LpRequest.next_due_on.label("mark"), SweepDay.next_due_on.label("stored"),
            Person.in_detention_since, Person.detention_max_months,
            Country.presentation_required, Country.reminder_policy, Country.flight_lead_days,
        )
        .join(Person, Person.id == LpRequest.person_id)
        .join(Country, Country.id == LpRequest.country_id)
        .outerjoin(SweepDay, SweepDay.request_id == LpRequest.id)
        .where(LpRequest.is_open.is_(True))
    )
    if not full:
        # Two index ranges: the requests marked as changed (ix_lp_requests_next_due) and those whose day has
        # come (ix_sweep_days_next_due).
        marked = select(LpRequest.id).where(LpRequest.is_open.is_(True), LpRequest.next_due_on <= as_of)
        come = select(SweepDay.request_id).where(SweepDay.next_due_on <= as_of)
        query = query.where(LpRequest.id.in_(union(marked, come).subquery().select()))
    rows = db.session.execute(query)
    wanted: dict[Key, dict] = {}
    policies: dict[int, dict] = {}
    terms = _agreement_terms()
    detention_months = detention.default_months()
    checked: list[int] = []
    moved: list[dict[str, Any]] = []
    for row in rows:
        checked.append(row.id)
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
        next_day = deadlines.next_change(facts, as_of)
        if row.mark is not None or next_day != row.stored:
            moved.append({"b_id": row.id, "b_version": row.version, "b_mark": row.mark, "b_new": next_day,
                          "stored": row.stored})
    return wanted, checked, moved


def _store_next_days(moved: list[dict[str, Any]]) -> None:
    """Store each request's next day (``SweepDay``) and take away the marks the sweep read.

    A mark goes only where the request did not change meanwhile (its version and its mark
    are still those read): a request changed after the sweep read it keeps its new mark, so
    the next run reads it again, whatever day this one stored. Core, not the ORM: no version
    bump, so a form opened on the request stays valid.
    """
    moved.sort(key=lambda row: row["b_id"])  # one order for every writer: no deadlock between two sweeps
    days = [{"request_id": row["b_id"], "next_due_on": row["b_new"]} for row in moved
            if row["b_new"] is not None and row["b_new"] != row["stored"]]
    upsert = conflict_insert(SweepDay)
    upsert = upsert.on_conflict_do_update(index_elements=["request_id"],
                                          set_={"next_due_on": upsert.excluded.next_due_on})
    for batch in chunks(days, BATCH):
        db.session.execute(upsert, batch)
    gone = [row["b_id"] for row in moved if row["b_new"] is None and row["stored"] is not None]
    for ids in chunks(gone, BATCH):
        db.session.execute(delete(SweepDay).where(SweepDay.request_id.in_(ids)))
    table = REQUESTS.c
    unmark = (update(REQUESTS)
              .where(table.id == bindparam("b_id"), table.version == bindparam("b_version"),
                     table.next_due_on == bindparam("b_mark", type_=table.next_due_on.type))
              .values(next_due_on=None))
    marked = [{key: row[key] for key in ("b_id", "b_version", "b_mark")} for row in moved if row["b_mark"] is not None]
    for batch in chunks(marked, BATCH):
        db.session.execute(unmark, batch)


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


def _insert_ignoring_duplicates(rows: list[dict]) -> list[Row]:
    """Insert the reminders not there yet; return those this run created (id, kind, level, request_id, owner_id)."""
    statement = insert_unless_present(Reminder, ["subject", "kind", "level"]).returning(
        Reminder.kind, Reminder.level, Reminder.request_id, Reminder.owner_id)
    created: list[Row] = []
    for batch in chunks(rows, BATCH):
        created += db.session.execute(statement, batch).all()
    return created


#: The new reminders whose owner is told at once (or in the daily summary): lp.reminders.notifications.
NOTIFIED = {("reply_overdue", 3): notifications.LEVEL3, ("lp_expiring", 1): notifications.LP_EXPIRING}


def _notify_owners(created: list[Row]) -> None:
    """Tell the owners of the new level-3 and "LP expiring" reminders (once each: the reminder is the occasion).

    In batches: each reads its requests, the owners and their choices once and inserts its
    notifications and mails in bulk (lp.reminders.notifications.notify_many).
    """
    told = sorted((row.id, NOTIFIED[(row.kind, row.level)], row.request_id, row.owner_id) for row in created
                  if (row.kind, row.level) in NOTIFIED and row.request_id is not None and row.owner_id is not None)
    for batch in chunks(told, BATCH):
        requests = {request.id: request for request in db.session.scalars(
            select(LpRequest).where(LpRequest.id.in_({request_id for _id, _kind, request_id, _owner in batch})))}
        notifications.notify_many([
            notifications.Notice(owner_id, kind, requests[request_id], f"reminder:{reminder_id}")
            for reminder_id, kind, request_id, owner_id in batch if request_id in requests])


def _highest_levels(wanted: dict[Key, dict]) -> dict[Key, dict]:
    """Keep, of each (subject, kind), only the highest level: it supersedes the lower ones."""
    top: dict[tuple[str, str], int] = {}
    for subject, kind, level in wanted:
        top[(subject, kind)] = max(level, top.get((subject, kind), level))
    return {key: values for key, values in wanted.items() if top[key[:2]] == key[2]}


def _existing(wanted: dict[Key, dict], subjects: list[str] | None) -> tuple[dict[Key, tuple[int, bool, bool]], int]:
    """Return {key: (id, closed, acknowledged)} of the open reminders and the closed ones wanted again.

    The open ones by the index on closed_at (of ``subjects`` only, by the unique key's index,
    unless None); the closed ones only for subjects that have a wanted key without an open
    reminder, by the unique key's index on subject, in batches. Also returns how many rows were read.
    """
    columns = (Reminder.id, Reminder.subject, Reminder.kind, Reminder.level, Reminder.closed_at,
               Reminder.acknowledged_at)
    if subjects is None:
        open_rows = list(db.session.execute(select(*columns).where(Reminder.closed_at.is_(None))))
    else:
        still_open = Reminder.closed_at.is_(None)
        if db.session.get_bind().dialect.name == "sqlite":
            # The same test as coalesce(closed_at, NULL) IS NULL, which no index on closed_at serves: SQLite
            # then looks the subjects up by the unique key instead of reading every open reminder per batch
            # (ix_reminders_open; its statistics do not say that every open reminder shares the one NULL).
            still_open = func.coalesce(Reminder.closed_at, None).is_(None)
        open_rows = [r for batch in chunks(subjects, BATCH) for r in db.session.execute(
            select(*columns).where(Reminder.subject.in_(batch), still_open))]
    found = {(r.subject, r.kind, r.level): (r.id, False, r.acknowledged_at is not None) for r in open_rows}
    read = len(found)
    subjects = sorted({key[0] for key in wanted if key not in found})
    for batch in chunks(subjects, BATCH):
        closed = select(*columns).where(Reminder.subject.in_(batch), Reminder.closed_at.is_not(None))
        for r in db.session.execute(closed):
            read += 1
            key = (r.subject, r.kind, r.level)
            if key in wanted:
                found[key] = (r.id, True, r.acknowledged_at is not None)
    return found, read


@dataclass
class Plan:
    """What a sweep changes, worked out from the data before anything is written (``plan``)."""

    as_of: date
    settings: str
    result: SweepResult
    #: The reminders to create (ON CONFLICT DO NOTHING: one another sweep created meanwhile is skipped).
    new_rows: list[dict[str, Any]]
    #: Ids of the open reminders to close: a higher level of the same subject and kind is due, or none is.
    superseded: list[int]
    no_longer_due: list[int]
    #: Ids of closed reminders (not acknowledged) that are due again.
    to_reopen: list[int]
    #: The requests whose next day moved or whose mark was read: {"b_id", "b_version", "b_mark", "b_new", "stored"}.
    moved: list[dict[str, Any]]


def plan(as_of: date, *, incremental: bool = False) -> Plan:
    """Work out what ``sweep`` changes on ``as_of``, reading only (see ``sweep``)."""
    digest = settings()
    result = SweepResult(full=not incremental or _full_needed(as_of, digest))
    wanted, checked, moved = _wanted_for_requests(as_of, result.full)
    result.requests_checked = len(checked)
    # The subjects whose reminders this run brings in line: all, or those of the requests it read
    # and of every country (the profile reviews are always checked).
    subjects = None if result.full else [f"request:{request_id}" for request_id in checked] + [
        f"country:{country_id}" for country_id in db.session.scalars(select(Country.id).order_by(Country.id))]
    wanted = _highest_levels(wanted | _wanted_for_profiles(as_of))
    wanted_level = {key[:2]: key[2] for key in wanted}

    existing, result.reminders_read = _existing(wanted, subjects)
    now = utcnow()
    new_rows = [
        {"subject": key[0], "kind": key[1], "level": key[2], "created_at": now, "note": "", **values}
        for key, values in wanted.items() if key not in existing
    ]
    to_close = [(rid, key) for key, (rid, closed, _ack) in existing.items() if not closed and key not in wanted]
    return Plan(
        as_of, digest, result, new_rows,
        superseded=sorted(rid for rid, key in to_close if wanted_level.get(key[:2], 0) > key[2]),
        no_longer_due=sorted(rid for rid, key in to_close if wanted_level.get(key[:2], 0) <= key[2]),
        to_reopen=sorted(rid for key, (rid, closed, ack) in existing.items() if closed and not ack and key in wanted),
        moved=moved,
    )


def sweep(as_of: date, *, incremental: bool = False) -> SweepResult:
    """Bring the reminders in line with the state of requests and profiles on ``as_of``.

    ``incremental``: look only at the requests due or changed since the last run, when that
    gives the full sweep's result (see the module's docstring); else at every open request.
    """
    return apply(plan(as_of, incremental=incremental))


def apply(work: Plan) -> SweepResult:
    """Write what ``plan`` worked out, and commit."""
    result = work.result
    created = _insert_ignoring_duplicates(work.new_rows)
    result.created = len(created)
    _notify_owners(created)
    now = utcnow()
    for ids, closed_at, reason in ((work.superseded, now, SUPERSEDED), (work.no_longer_due, now, None),
                                   (work.to_reopen, None, None)):
        for batch in chunks(ids, BATCH):
            db.session.execute(update(Reminder).where(Reminder.id.in_(batch)).values(closed_at=closed_at,
                                                                                   closed_reason=reason))
    result.closed, result.reopened = len(work.superseded) + len(work.no_longer_due), len(work.to_reopen)
    _store_next_days(work.moved)
    _record_run(work.as_of, work.settings, result)
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
