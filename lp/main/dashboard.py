"""What the home page shows: my open reminders, coming presentations, expiring LPs, rankings.

"Mine" means of a country in my portfolio or of a person whose case officer I am
(the reminders inbox's definition, ``lp.reminders.services.mine``); "all" drops that
condition. Each list is one query that returns its first rows and, by a window
COUNT, how many there are in all (the reminders: see ``reminders``); the rankings are
``lp.insights.stats``. A fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import get_locale
from sqlalchemy import ColumnElement, Select, func, select

from countries.models import Country, Mission
from lp.insights import stats
from lp.reminders.models import Reminder
from lp.reminders.services import KIND_LABELS, open_on
from lp.reminders.services import mine as reminder_is_mine
from lp.requests.models import LpRequest
from lp.web.extensions import db

#: How many rows each list shows; the total is shown too.
LIST_SIZE = 10
#: How far ahead the home page looks for presentations and expiring LPs.
AHEAD_DAYS = 14
SCOPES = ("mine", "all")
#: How many kinds of reminder there are: a subject has at most one open of each.
KINDS = len({kind for kind, _level in KIND_LABELS})


@dataclass
class Listing:
    """The first rows of a list and how many rows it has in all."""

    rows: list[Any]
    total: int


def _listing(query: Select) -> Listing:
    rows = list(db.session.execute(query.add_columns(func.count().over().label("total")).limit(LIST_SIZE)))
    return Listing(rows, rows[0].total if rows else 0)


def _country_name() -> ColumnElement[str]:
    return (Country.name_en if get_locale().language == "en" else Country.name_nl).label("country")


def _request_is_mine(user_id: int) -> ColumnElement[bool]:
    """Return "a request I own" (lp.requests.ownership), as the request list's owner=me."""
    return LpRequest.owner_id == user_id


def _requests(user_id: int, scope: str) -> Select:
    query = (select(LpRequest.id, LpRequest.reference, Country.alpha2, _country_name(),
                    Mission.name.label("mission"))
             .join(Country, Country.id == LpRequest.country_id)
             .outerjoin(Mission, Mission.id == LpRequest.mission_id))
    return query.where(_request_is_mine(user_id)) if scope == "mine" else query


@dataclass
class ReminderLine:
    """One line of the open reminders: a request's (or country's) most urgent one, and how many others it has."""

    id: int
    kind: str
    level: int
    priority: bool
    due_since: date
    request_id: int | None
    others: int
    reference: str | None
    alpha2: str
    country: str


def reminders(user_id: int, scope: str, today: date) -> Listing:
    """Return the open reminders, one line per request (or country): detention first, then the longest due.

    A request with several open reminders (say "reply overdue" and "presentation not
    scheduled") shows its most urgent one, with how many it has in ``others``; so
    the first rows are as many different requests. The first lines are found by reading
    the first open reminders in that order (a hundred rows at most),
    not by ranking every open reminder of every subject (4 queries, with or without reminders; 334 ms for everyone's
    35,000 open reminders at 100,000 requests when ranked).
    """
    where = [open_on(today)]
    if scope == "mine":
        where.append(reminder_is_mine(user_id))
    total = db.session.scalar(select(func.count(func.distinct(Reminder.subject))).where(*where)) or 0
    firsts = _first_of_each_subject(where)
    counted = select(Reminder.subject, func.count().label("n")).where(*where, Reminder.subject.in_(list(firsts)))
    others = {row.subject: row.n - 1 for row in db.session.execute(counted.group_by(Reminder.subject))}
    query = (select(Reminder.id, Reminder.subject, Reminder.kind, Reminder.level, Reminder.priority,
                    Reminder.due_since, Reminder.request_id, LpRequest.reference, Country.alpha2, _country_name())
             .join(Country, Country.id == Reminder.country_id)
             .outerjoin(LpRequest, LpRequest.id == Reminder.request_id)
             .where(Reminder.id.in_(list(firsts.values()))))
    found = {row.id: row for row in db.session.execute(query)}
    lines = [ReminderLine(r.id, r.kind, r.level, r.priority, r.due_since, r.request_id, others.get(r.subject, 0),
                          r.reference, r.alpha2, r.country)
             for r in (found[reminder_id] for reminder_id in firsts.values() if reminder_id in found)]
    return Listing(lines, total)


def _first_of_each_subject(where: list[ColumnElement[bool]]) -> dict[str, int]:
    """Return {subject: id of its most urgent open reminder} of the first LIST_SIZE subjects, most urgent first.

    A subject has at most one open reminder of each kind (lp.reminders.sweep), so the first
    LIST_SIZE × KINDS open reminders in order hold the first LIST_SIZE subjects (1 query).
    """
    order = (Reminder.priority.desc(), Reminder.due_since, Reminder.id)
    rows = db.session.execute(select(Reminder.id, Reminder.subject).where(*where).order_by(*order)
                              .limit(LIST_SIZE * KINDS))
    firsts: dict[str, int] = {}
    for reminder_id, subject in rows:
        if len(firsts) < LIST_SIZE:
            firsts.setdefault(subject, reminder_id)
    return firsts


def presentations(user_id: int, scope: str, now: datetime) -> Listing:
    """Return the presentations scheduled from now on, for the next AHEAD_DAYS days."""
    query = (_requests(user_id, scope)
             .add_columns(LpRequest.next_presentation_at)
             .where(LpRequest.next_presentation_at >= now,
                    LpRequest.next_presentation_at < now + timedelta(days=AHEAD_DAYS))
             .order_by(LpRequest.next_presentation_at, LpRequest.id))
    return _listing(query)


def expiring(user_id: int, scope: str, today: date) -> Listing:
    """Return the issued LPs, not yet used, whose last valid day is within AHEAD_DAYS days."""
    query = (_requests(user_id, scope)
             .add_columns(LpRequest.valid_until)
             .where(LpRequest.status == "issued", LpRequest.valid_until >= today,
                    LpRequest.valid_until <= today + timedelta(days=AHEAD_DAYS))
             .order_by(LpRequest.valid_until, LpRequest.id))
    return _listing(query)


@dataclass
class Rankings:
    """The countries ranked by time to answer (waiting requests counted) and by share within the limit."""

    period: stats.Period
    fastest: list[stats.Row]
    slowest: list[stats.Row]
    most_within: list[stats.Row]
    least_within: list[stats.Row]


def rankings(today: date) -> Rankings:
    """Rank the countries over the last 12 months (3 queries, 5 more for the countries changed since last counted).

    From each country's figures as kept between page views and shared by every worker
    (lp.requests.snapshots): a year of requests is counted again only for the countries
    whose requests changed.
    """
    language = get_locale().language
    period = stats.Period.default(today)
    rows = stats.country_rows(period, today, language)
    fastest, slowest = stats.ranking(rows, "time_to_answer")
    most, least = stats.ranking(rows, "within")
    return Rankings(period, fastest, slowest, most, least)
