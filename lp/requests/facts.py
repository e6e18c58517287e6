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

The same hook keeps two more tables for the counts of the insights (lp.insights.stats):
``outcome_facts`` (per country, mission and month of submission: status, reason,
handover by silence, answered, within the limit, identity required) and
``response_day_facts`` (the histogram of the recorded response times), so the
outcome counts, the answered-only percentiles, the distribution, the trend and the
assessment's counts of a period read a few rows per country and month.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from lp.core.chunks import chunks
from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import (
    REQUESTS,
    AnswerTimeFact,
    FigureSnapshot,
    LpRequest,
    OutcomeFact,
    ResponseDayFact,
    changed_mark,
)
from lp.web.database import conflict_insert
from lp.web.extensions import db

#: The request's columns a fact is made of.
COLUMNS = ("country_id", "mission_id", "status", "submitted_on", "decided_on", "response_days",
           "agreed_by_silence", "paused_since", "paused_days", "allowed_days", "refusal_reason", "closure_reason",
           "identity_requested")
KEY = ("country_id", "mission_id", "month", "until_today", "days", "done", "waiting")
OUTCOME_KEY = ("country_id", "mission_id", "month", "status", "reason", "silence", "answered", "within", "identity")
DAY_KEY = ("country_id", "mission_id", "month", "days")
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


@dataclass(frozen=True)
class Outcome:
    """The row of ``outcome_facts`` one submitted request counts in (see OutcomeFact)."""

    country_id: int
    mission_id: int
    month: date
    status: str
    reason: str
    silence: bool
    answered: bool
    within: bool
    identity: bool


@dataclass(frozen=True)
class ResponseDay:
    """The row of ``response_day_facts`` one request with a response time counts in (see ResponseDayFact)."""

    country_id: int
    mission_id: int
    month: date
    days: int


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


def outcome_of(values: dict[str, Any]) -> Outcome | None:
    """Return the outcome fact of a request with these column values, or None when it is not submitted.

    The same rules as the counts of ``lp.insights.stats`` (``_outcome_counts``, ``_count_columns``).
    """
    submitted = values["submitted_on"]
    if submitted is None:
        return None
    status, days, allowed = values["status"], values["response_days"], values["allowed_days"]
    reason = {"refused": values["refusal_reason"], "withdrawn": values["closure_reason"]}.get(status) or ""
    return Outcome(values["country_id"], values["mission_id"] or 0, submitted.replace(day=1), status, reason,
                   status == "handover_agreed" and values["agreed_by_silence"] is True, days is not None,
                   days is not None and allowed is not None and days <= allowed,
                   values["identity_requested"] is True)


def response_day_of(values: dict[str, Any]) -> ResponseDay | None:
    """Return the response-time fact of a request with these column values, or None (not submitted or
    no response time)."""
    submitted, days = values["submitted_on"], values["response_days"]
    if submitted is None or days is None:
        return None
    return ResponseDay(values["country_id"], values["mission_id"] or 0, submitted.replace(day=1), days)


#: Every kind of fact: (table, its key, the fact of a request's column values).
KINDS: tuple[tuple[type[Any], tuple[str, ...], Callable[[dict[str, Any]], Any]], ...] = (
    (AnswerTimeFact, KEY, fact_of),
    (OutcomeFact, OUTCOME_KEY, outcome_of),
    (ResponseDayFact, DAY_KEY, response_day_of),
)
Deltas = dict[Any, int]


def _upsert(model: type[Any], key: tuple[str, ...], deltas: Deltas, session: Session | None = None):
    """Return (statement, rows) adding each delta to its fact's count (created at 0 when missing)."""
    statement = conflict_insert(model, session)
    statement = statement.on_conflict_do_update(index_elements=list(key), set_={"n": model.n + statement.excluded.n})
    rows = [{**fact.__dict__, "n": delta} for fact, delta in deltas.items() if delta]
    return statement, rows


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    deltas: list[Deltas] = [{} for _kind in KINDS]

    def count(values: dict[str, Any], step: int) -> None:
        for (_model, _key, fact), found in zip(KINDS, deltas, strict=True):
            _count(found, fact(values), step)

    for request, existed, stays in written_requests(session):
        before = {name: value_before(request, name) for name in COLUMNS} if existed else None
        after = {name: value_now(request, name) for name in COLUMNS} if stays else None
        if before != after:
            if before is not None:
                count(before, -1)
            if after is not None:
                count(after, 1)
    for (model, key, _fact), found in zip(KINDS, deltas, strict=True):
        statement, rows = _upsert(model, key, found, session)
        if rows:
            # A fact whose count drops to 0 stays (readers skip it): deleting it would cost a
            # lookup per change, and the same fact often comes back.
            session.connection().execute(statement, rows)


def written_requests(session: Session) -> Iterator[tuple[LpRequest, bool, bool]]:
    """Yield (request, it was stored before, it is stored after) for every request the flush writes:
    new ones (False, True), changed ones (True, True), deleted ones (True, False)."""
    for request in session.new:
        if isinstance(request, LpRequest):
            yield request, False, True
    for request in session.dirty:
        if isinstance(request, LpRequest) and session.is_modified(request):
            yield request, True, True
    for request in session.deleted:
        if isinstance(request, LpRequest):
            yield request, True, False


#: The foreign keys a relationship sets (at flush, after this hook): request.mission = ... on the details form.
RELATED = {"country_id": "country", "mission_id": "mission"}


def value_now(request: LpRequest, name: str) -> Any:
    """Return the value of ``name`` as it will be written, also when it is set through its relationship."""
    if name in RELATED:
        history = get_history(request, RELATED[name], passive=PASSIVE_NO_INITIALIZE)  # never loads it
        if history.added:
            related = history.added[0]
            return None if related is None else related.id
    return getattr(request, name)


def value_before(request: LpRequest, name: str) -> Any:
    """Return the value of ``name`` as it was loaded (the columns keep their history: active_history)."""
    history = get_history(request, name)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(request, name)


def _count(deltas: Deltas, fact: Any, step: int) -> None:
    if fact is not None:
        deltas[fact] = deltas.get(fact, 0) + step


def listen() -> None:
    """Keep the facts up to date on every flush (idempotent; called when the app is made)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def rebuild(session: Session | None = None, tables: Iterable[type[Any]] | None = None) -> int:
    """Recompute every fact (or those of ``tables``) from the requests (after inserts that bypass the ORM);
    return the rows made.

    Runs in the caller's transaction (the app's session, or ``session`` in a migration);
    the caller commits. A migration names the tables that exist at its revision.
    """
    run: Any = session or db.session
    kinds = [kind for kind in KINDS if tables is None or kind[0] in set(tables)]
    deltas: list[Deltas] = [{} for _kind in kinds]
    for model, _key, _fact in kinds:
        run.execute(delete(model))
    if tables is None:  # figures kept from the requests as they were (lp.requests.snapshots)
        run.execute(delete(FigureSnapshot))
    for row in run.execute(select(*(getattr(LpRequest, name) for name in COLUMNS))
                           .where(LpRequest.submitted_on.is_not(None))):
        values = row._asdict()
        for (_model, _key, fact), found in zip(kinds, deltas, strict=True):
            _count(found, fact(values), 1)
    made = 0
    for (model, key, _fact), found in zip(kinds, deltas, strict=True):
        statement, rows = _upsert(model, key, found, session)
        for batch in chunks(rows, BATCH):
            run.execute(statement, batch)
        made += len(rows)
    return made


def mark_for_sweep(session: Session | None = None) -> int:
    """Have the next reminder sweep look at every open request again; return how many.

    Their stored next day (``LpRequest.next_due_on``) becomes a mark (``changed_mark``): after requests
    or reminders were written without the app, the days stored may no longer say when
    each request's reminders change. The caller commits.
    """
    run: Any = session or db.session
    return run.execute(update(REQUESTS).where(REQUESTS.c.is_open.is_(True)).values(next_due_on=changed_mark())).rowcount


def snapshot(model: type[Any] = AnswerTimeFact) -> dict[tuple, int]:
    """Return every fact of ``model`` with its count (for tests and checks)."""
    key = next(key for kind, key, _fact in KINDS if kind is model)
    return {tuple(getattr(row, name) for name in key): row.n
            for row in db.session.scalars(select(model).where(model.n != 0))}


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
