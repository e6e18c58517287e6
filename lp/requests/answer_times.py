"""How long embassies take to answer, counting the requests they never answered (Kaplan–Meier).

The one definition of "time to answer" with its censoring, used by the insights (per
country and mission), the request page, the API and the digest (a request's expected
answer date). It lives here, beside the requests, and not in ``lp.insights``: the
request page and the API need it too, and the digest's package (``lp.reminders``) may
not import the insights (they are one layer); a signal that returns a value would hide
a plain function call behind a receiver list.

Per submitted request, in days from submission minus the days the deadline clock was
paused (as ``services._measure_response`` measures an answer):

- answered (issued, refused or handover agreed by the embassy, also when later used,
  expired or withdrawn): finished at its recorded response time;
- still waiting: censored today (a clock paused now stops counting on the day it was
  paused);
- closed as "no reply", or withdrawn before an answer: censored on its closing date;
- a handover "agreed by silence" (``deemed_agreed_on``, when the agreement rules record
  it): censored on that date: the embassy did not answer.
Other requests (drafts, or an outcome without a recorded response time) do not count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from countries.models import Mission
from lp.core.survival import Estimate, kaplan_meier
from lp.persons import detention
from lp.requests import facts, snapshots
from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import EXPECTED_ANSWERS, AnswerTimeFact, LpRequest, OutcomeFact, ResponseDayFact
from lp.web.extensions import db

#: A country or mission needs this many counted requests for its curve to be shown as a
#: figure to rely on (ranking, expected answer dates). Below it the 95% interval of the
#: median spans most of the observed days.
MIN_REQUESTS = 10
#: The history an expected answer date is read from: requests submitted in these last days.
HISTORY_DAYS = 2 * 365



class days_between(FunctionElement):
    """Whole days from ``earlier`` to ``later`` (two dates), the same on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


def answered() -> ColumnElement[bool]:
    """The request has the embassy's own answer (not one deemed given by silence)."""
    return and_(LpRequest.response_days.is_not(None), LpRequest.agreed_by_silence.is_(False))


def deemed_agreed() -> ColumnElement[bool]:
    """The handover was agreed by the embassy's silence (recorded with the basis "silence")."""
    return LpRequest.agreed_by_silence.is_(True)


def counted() -> ColumnElement[bool]:
    """The request counts in the time to answer: answered, waiting, or closed without an answer."""
    r = LpRequest
    return and_(r.submitted_on.is_not(None),
                or_(answered(), r.status.in_(AWAITING_ANSWER), r.status.in_(("no_reply", "withdrawn")),
                    deemed_agreed()))


def facts_in_step() -> bool:
    """Whether the facts (lp.requests.facts) count exactly the requests they count (2 aggregate queries).

    The time-to-answer facts the requests that count here, the outcome facts every
    submitted request, the response-day facts every one with a response time. Requests
    written without the app (imports, generators) leave them short; ``facts.rebuild`` mends that.
    """
    r = LpRequest
    submitted = r.submitted_on.is_not(None)
    requests = db.session.execute(select(
        func.coalesce(func.sum(case((counted(), 1), else_=0)), 0),
        func.coalesce(func.sum(case((submitted, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(submitted, r.response_days.is_not(None)), 1), else_=0)), 0))).one()
    kept = db.session.execute(select(*(select(func.coalesce(func.sum(model.n), 0)).scalar_subquery()
                                       for model in (AnswerTimeFact, OutcomeFact, ResponseDayFact)))).one()
    return tuple(int(n) for n in requests) == tuple(int(n) for n in kept)


def days(today: date | ColumnElement[date]) -> ColumnElement[int]:
    """The days until the answer, or until the request stopped waiting (censored), never below 0.

    ``today``: a date, or a bound parameter that will hold it.
    """
    r = LpRequest
    now = today if isinstance(today, ColumnElement) else literal(today, Date)
    paused_now = case((r.paused_since.is_not(None), days_between(now, r.paused_since)), else_=0)
    waited = case(
        (answered(), r.response_days),
        (r.status.in_(AWAITING_ANSWER), days_between(now, r.submitted_on) - r.paused_days - paused_now),
        # Closed without an answer: censored on the closing date (a handover by silence on the
        # date it was recorded; a row closed without a date, as old imports have, stays at risk
        # until today).
        else_=days_between(func.coalesce(r.decided_on, now), r.submitted_on) - r.paused_days,
    )
    return case((waited < 0, 0), else_=waited)


def estimates(key: ColumnElement[Any] | InstrumentedAttribute[Any] | None, today: date,
              where: Iterable[ColumnElement[bool]] = ()) -> dict[Any, Estimate]:
    """Return {key: fitted curve} of the counted requests matching ``where`` (1 query).

    The database groups the requests into a life table (key, day, answered, censored);
    the curves are fitted from it, so the work in Python grows with the number of
    different days, not of requests. Without ``key`` every request forms one curve,
    returned under the key None.
    """
    found = _tables(key, today, where)
    return _fitted({k: table for k, (table, _n) in found.items()}, {k: n for k, (_table, n) in found.items()})


def _fitted(tables: dict[Any, list[tuple[int, int, int]]], waiting: dict[Any, int]) -> dict[Any, Estimate]:
    return {k: replace(kaplan_meier(table), running=waiting.get(k, 0)) for k, table in tables.items()}


def curves(by: str | None, today: date, start: date, end: date | None = None, *,
           countries: Iterable[int] | None = None, missions: Iterable[int] | None = None) -> dict[Any, Estimate]:
    """Return ``estimates`` of the requests submitted from ``start`` to ``end`` (None: no end), by key (1 query).

    ``by``: "country", "mission" or None (all under the key None); ``countries`` and
    ``missions`` keep only those. The same curves as ``estimates``, but the whole months of
    the period come from the facts (lp.requests.facts: distinct days x months, not every
    request), and only the partial months at its ends from the requests themselves.
    """
    first, last = facts.whole_months(start, end, today)
    shape = (by, first < last, end is not None, countries is not None, missions is not None)
    query = _CURVE_QUERIES.get(shape)
    if query is None:
        query = _CURVE_QUERIES[shape] = _curve_query(*shape)
    values = {"start": start, "end": end, "first": first, "last": last, "today": today,
              "today_ordinal": today.toordinal(), "countries": sorted(set(countries or ())),
              "missions": sorted(set(missions or ()))}
    tables: dict[Any, list[tuple[int, int, int]]] = {}
    waiting: dict[Any, int] = {}
    for key, day, done, still, n in db.session.execute(query, values):
        done = int(done or 0)
        tables.setdefault(key, []).append((int(day), done, int(n) - done))
        waiting[key] = waiting.get(key, 0) + int(still or 0)
    return _fitted(tables, waiting)


#: The statement of ``curves`` per shape (see ``_curve_query``): built once, its values bound on each call.
_CURVE_QUERIES: dict[tuple[str | None, bool, bool, bool, bool], Select[Any]] = {}


def _curve_query(by: str | None, whole_months: bool, bounded: bool, countries: bool, missions: bool) -> Select[Any]:
    """Return the statement of ``curves`` with its values as bound parameters (named as ``curves`` binds them).

    ``whole_months``: the period holds whole months (read from the facts); ``bounded``: it has an end.
    """
    r, f = LpRequest, AnswerTimeFact
    start, end, first, last = (bindparam(name, type_=Date()) for name in ("start", "end", "first", "last"))
    upto = [r.submitted_on <= end] if bounded else []
    if not whole_months:  # every request from the requests
        edges = and_(r.submitted_on >= start, *upto)
    else:
        edges = or_(and_(r.submitted_on >= start, r.submitted_on < first), and_(r.submitted_on >= last, *upto))
    live_key = {"country": r.country_id, "mission": r.mission_id, None: literal(None)}[by]
    live_where = [edges]
    fact_key = {"country": f.country_id, "mission": func.nullif(f.mission_id, 0), None: literal(None)}[by]
    fact_where = [f.month >= first, f.month < last, f.n > 0]
    if countries:
        live_where.append(r.country_id.in_(bindparam("countries", expanding=True)))
        fact_where.append(f.country_id.in_(bindparam("countries", expanding=True)))
    if missions:
        live_where.append(r.mission_id.in_(bindparam("missions", expanding=True)))
        fact_where.append(f.mission_id.in_(bindparam("missions", expanding=True)))
    live = select(live_key.label("key"), days(bindparam("today", type_=Date())).label("days"),
                  case((answered(), 1), else_=0).label("done"),
                  case((r.status.in_(AWAITING_ANSWER), 1), else_=0).label("waiting"), literal(1).label("n")
                  ).where(counted(), *live_where)
    now = bindparam("today_ordinal", type_=Integer())
    kept = select(fact_key.label("key"), case((f.until_today.is_(True), now - f.days), else_=f.days).label("days"),
                  case((f.done.is_(True), f.n), else_=0).label("done"),
                  case((f.waiting.is_(True), f.n), else_=0).label("waiting"), f.n.label("n")).where(*fact_where)
    each = union_all(kept, live).subquery() if whole_months else live.subquery()
    return (select(each.c.key, each.c.days, func.sum(each.c.done).label("done"),
                   func.sum(each.c.waiting).label("waiting"), func.sum(each.c.n).label("n"))
            .group_by(each.c.key, each.c.days))


def _tables(key: ColumnElement[Any] | InstrumentedAttribute[Any] | None, today: date,
            where: Iterable[ColumnElement[bool]]) -> dict[Any, tuple[list[tuple[int, int, int]], int]]:
    """Return {key: (life table, waiting)} of the counted requests matching ``where`` (1 query)."""
    keys = [key.label("key")] if key is not None else [literal(None).label("key")]
    each = (select(*keys, days(today).label("days"), case((answered(), 1), else_=0).label("done"),
                   case((LpRequest.status.in_(AWAITING_ANSWER), 1), else_=0).label("waiting"))
            .where(counted(), *where).subquery())
    # Grouped in an outer query: PostgreSQL cannot match a CASE with bound values in
    # SELECT to the same CASE in GROUP BY.
    query = (select(each.c.key, each.c.days, func.sum(each.c.done).label("done"),
                    func.sum(each.c.waiting).label("waiting"), func.count().label("n"))
             .group_by(each.c.key, each.c.days))
    found: dict[Any, tuple[list[tuple[int, int, int]], int]] = {}
    for row in db.session.execute(query):
        done = int(row.done or 0)
        table, waiting = found.get(row.key, ([], 0))
        table.append((int(row.days), done, int(row.n) - done))
        found[row.key] = (table, waiting + int(row.waiting or 0))
    return found


# -- a waiting request's expected answer -------------------------------------------------


@dataclass(frozen=True)
class ExpectedAnswer:
    """When a waiting request can expect its answer, read off its embassy's (or country's) curve."""

    basis: str  # "mission" or "country"
    requests: int  # the requests the curve is fitted on
    since: date  # the first submission date of that history
    median_days: int | None
    p90_days: int | None
    median_on: date | None
    p90_on: date | None
    detention_ends_on: date | None
    longest: int | None = None  # the longest wait seen: "not reached" means longer than this
    detention_months: int = 0  # the length of the person's detention term (0: not detained)

    @property
    def after_detention(self) -> bool | None:
        """Whether half the requests took longer than the detention has left (None: not in detention)."""
        if self.detention_ends_on is None:
            return None
        return self.median_on is None or self.median_on > self.detention_ends_on


def detention_ends_on(request: LpRequest) -> date | None:
    """Return the last day of the person's detention term (lp.persons.detention), or None."""
    return detention.ends_on(request.person)


def expected_answers(requests: Iterable[LpRequest], today: date) -> dict[int, ExpectedAnswer]:
    """Return the expected answer of each waiting request, by id (2 queries while the curves are kept, however
    many requests; 3 more to count the countries whose curves are not, see ``history_curves``).

    A request's mission curve when the mission has MIN_REQUESTS requests submitted in the
    last HISTORY_DAYS, else its country's; none with less history. The dates add the days
    paused so far to the submission date.
    """
    waiting = [r for r in requests if r.status in AWAITING_ANSWER and r.submitted_on is not None]
    if not waiting:
        return {}
    since = today - timedelta(days=HISTORY_DAYS)
    kept = history_curves({r.country_id for r in waiting}, since, today)
    found = {}
    for request in waiting:
        country_curve, mission_curves = kept.get(request.country_id, (None, {}))
        mission_curve = mission_curves.get(request.mission_id) if request.mission_id is not None else None
        for basis, curve in (("mission", mission_curve), ("country", country_curve)):
            if curve is not None and curve.cases >= MIN_REQUESTS:
                found[request.id] = _expected(request, basis, curve, since, today)
                break
    return found


Curves = tuple[Estimate | None, dict[int, Estimate]]


def history_curves(country_ids: set[int], since: date, today: date) -> dict[int, Curves]:
    """Return {country id: (its curve, {mission id: curve})} of the requests submitted from ``since``.

    Kept per country and day like the insights' figures (lp.requests.snapshots, kind
    EXPECTED_ANSWERS), at the country's version: a request page or the digest reads them
    (2 queries) instead of fitting them from two years of facts on every view; the countries
    not kept are counted (3 queries) and kept.
    """
    current = snapshots.versions_of(country_ids)  # read before what is counted: never kept newer than its data
    kept = snapshots.read(since, today, today, current, kind=EXPECTED_ANSWERS)
    found: dict[int, Curves] = {}
    for country_id, (body, _detail) in kept.items():
        restored = _restore(body)
        if restored is not None:
            found[country_id] = restored
    missing = sorted(country_ids - found.keys())
    if missing:
        by_country = curves("country", today, since, countries=missing)
        by_mission = curves("mission", today, since, countries=missing)
        for country_id in missing:
            found[country_id] = (by_country.get(country_id), {})
        if by_mission:
            missions = select(Mission.id, Mission.country_id).where(Mission.id.in_([m for m in by_mission if m]))
            for mission_id, country_id in db.session.execute(missions):
                found[country_id][1][mission_id] = by_mission[mission_id]
        snapshots.keep(since, today, today, {country_id: (current[country_id], _keep(*found[country_id]), "null")
                                             for country_id in missing}, kind=EXPECTED_ANSWERS)
    return found


def _keep(country: Estimate | None, missions: dict[int, Estimate]) -> str:
    return json.dumps({"country": country.summary() if country is not None else None,
                       "missions": [[mission_id, curve.summary()] for mission_id, curve in sorted(missions.items())]},
                      separators=(",", ":"))


def _restore(body: str) -> Curves | None:
    values = json.loads(body)
    if not isinstance(values, dict) or "missions" not in values:
        return None
    country = Estimate.restore(values["country"]) if values["country"] is not None else None
    return country, {mission_id: Estimate.restore(summary) for mission_id, summary in values["missions"]}


def expected_answer(request: LpRequest, today: date) -> ExpectedAnswer | None:
    """Return the expected answer of one waiting request, or None (not waiting, too little history)."""
    return expected_answers([request], today).get(request.id)


def _expected(request: LpRequest, basis: str, curve: Estimate, since: date, today: date) -> ExpectedAnswer:
    paused = request.paused_days + ((today - request.paused_since).days if request.paused_since else 0)
    median, p90 = curve.median.day, curve.p90.day

    submitted = request.submitted_on
    assert submitted is not None  # only waiting requests with a submission date come here

    def on(day: int | None) -> date | None:
        return submitted + timedelta(days=day + paused) if day is not None else None

    person = request.person
    months = (person.detention_max_months or detention.default_months()) if person.in_detention else 0
    return ExpectedAnswer(basis, curve.cases, since, median, p90, on(median), on(p90), detention_ends_on(request),
                          curve.longest, months)
