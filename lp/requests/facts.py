"""The life table of the time to answer, kept as facts: counts that do not grow with history.

``answer_time_facts`` holds, per country, mission, month of submission and (days, answered,
still waiting), how many requests there are: exactly the rows ``answer_times.estimates``
groups requests into, so a curve of a period reads distinct days x months instead of
every request. It is kept up to date in the transaction that changes a request: a flush
hook (``before_flush``) takes the fact a changed request counted as before the change
away and adds the one it counts as now, whatever service changed it. Paths that insert
requests without the ORM (bench/generate.py, bulk imports) run ``rebuild`` afterwards:
``flask lp facts rebuild``; ``lp init`` and the migration that made the table run it too.

A request still at risk today (waiting with a running clock, or closed without a date)
gains a day every day without any event: its fact keeps the ordinal of its submission
date plus its paused days (``until_today``), and the reader subtracts that from today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import REQUESTS, AnswerTimeFact, LpRequest, changed_mark
from lp.web.extensions import db

#: The request's columns a fact is made of.
COLUMNS = ("country_id", "mission_id", "status", "submitted_on", "decided_on", "response_days",
           "agreed_by_silence", "paused_since", "paused_days")
KEY = ("country_id", "mission_id", "month", "until_today", "days", "done", "waiting")
BATCH = 2000


@dataclass(frozen=True)
class Fact:
    """The row of ``answer_time_facts`` one request counts in (see AnswerTimeFact)."""

    country_id: int
    mission_id: int
    month: date
    until_today: bool
    days: int
    done: bool
    waiting: bool


def fact_of(values: dict[str, Any]) -> Fact | None:
    """Return the fact of a request with these column values, or None when it does not count.

    The same rules as ``answer_times.counted`` and ``answer_times.days``, in Python.
    """
    submitted = values["submitted_on"]
    status = values["status"]
    if submitted is None:
        return None
    silence = bool(values["agreed_by_silence"])
    answered = values["response_days"] is not None and not silence
    waiting = status in AWAITING_ANSWER
    if not (answered or waiting or status in ("no_reply", "withdrawn") or silence):
        return None
    paused_days = values["paused_days"] or 0
    until_today = False
    if answered:
        days = values["response_days"]
    elif waiting and values["paused_since"] is not None:
        days = (values["paused_since"] - submitted).days - paused_days
    elif waiting or values["decided_on"] is None:
        until_today, days = True, submitted.toordinal() + paused_days
    else:
        days = (values["decided_on"] - submitted).days - paused_days
    if not until_today:
        days = max(0, days)
    return Fact(values["country_id"], values["mission_id"] or 0, submitted.replace(day=1), until_today, days,
                answered, waiting)


def _upsert(deltas: dict[Fact, int], session: Session | None = None):
    """Return (statement, rows) adding each delta to its fact's count (created at 0 when missing)."""
    bind = (session or db.session).get_bind()
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AnswerTimeFact)
    statement = statement.on_conflict_do_update(index_elements=list(KEY),
                                                set_={"n": AnswerTimeFact.n + statement.excluded.n})
    rows = [{**fact.__dict__, "n": delta} for fact, delta in deltas.items() if delta]
    return statement, rows


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    deltas: dict[Fact, int] = {}
    for request in session.new:
        if isinstance(request, LpRequest):
            _count(deltas, fact_of({name: getattr(request, name) for name in COLUMNS}), 1)
    for request in session.dirty:
        if isinstance(request, LpRequest) and session.is_modified(request):
            before = fact_of({name: _old(request, name) for name in COLUMNS})
            after = fact_of({name: getattr(request, name) for name in COLUMNS})
            if before != after:
                _count(deltas, before, -1)
                _count(deltas, after, 1)
    for request in session.deleted:
        if isinstance(request, LpRequest):
            _count(deltas, fact_of({name: _old(request, name) for name in COLUMNS}), -1)
    statement, rows = _upsert(deltas, session)
    if rows:
        # A fact whose count drops to 0 stays (readers skip it): deleting it would cost a
        # lookup per change, and the same fact often comes back.
        session.connection().execute(statement, rows)


def _old(request: LpRequest, name: str) -> Any:
    """Return the value of ``name`` as it was loaded (the columns keep their history: active_history)."""
    history = get_history(request, name)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(request, name)


def _count(deltas: dict[Fact, int], fact: Fact | None, step: int) -> None:
    if fact is not None:
        deltas[fact] = deltas.get(fact, 0) + step


def listen() -> None:
    """Keep the facts up to date on every flush (idempotent; called when the app is made)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def rebuild(session: Session | None = None) -> int:
    """Recompute every fact from the requests (after inserts that bypass the ORM); return the rows made.

    Runs in the caller's transaction (the app's session, or ``session`` in a migration);
    the caller commits.
    """
    run: Any = session or db.session
    run.execute(delete(AnswerTimeFact))
    deltas: dict[Fact, int] = {}
    for row in run.execute(select(*(getattr(LpRequest, name) for name in COLUMNS))
                           .where(LpRequest.submitted_on.is_not(None))):
        _count(deltas, fact_of(row._asdict()), 1)
    statement, rows = _upsert(deltas, session)
    for start in range(0, len(rows), BATCH):
        run.execute(statement, rows[start:start + BATCH])
    return len(rows)


def mark_for_sweep(session: Session | None = None) -> int:
    """Have the next reminder sweep look at every open request again; return how many.

    Their stored next day (``LpRequest.next_due_on``) becomes a mark (``changed_mark``): after requests
    or reminders were written without the app, the days stored may no longer say when
    each request's reminders change. The caller commits.
    """
    run: Any = session or db.session
    return run.execute(update(REQUESTS).where(REQUESTS.c.is_open.is_(True)).values(next_due_on=changed_mark())).rowcount


def snapshot() -> dict[tuple, int]:
    """Return every fact with its count (for tests and checks)."""
    return {tuple(getattr(row, name) for name in KEY): row.n
            for row in db.session.scalars(select(AnswerTimeFact).where(AnswerTimeFact.n != 0))}


# -- reading --------------------------------------------------------------------------


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def whole_months(start: date, end: date | None, today: date) -> tuple[date, date]:
    """Return [first, last) of the whole months inside [start, end] (end None: up to today's month)."""
    first = start if start.day == 1 else first_of_next_month(start)
    if end is None:
        last = today.replace(day=1)
    else:  # end's month is whole when end is its last day
        last = first_of_next_month(end) if (end + timedelta(days=1)).day == 1 else end.replace(day=1)
    return first, max(first, last)
