"""Define every figure of the insights pages precisely, and compute it in SQL.

The definitions are in ``DEFINITIONS`` below; this docstring is built from them (see
the end of the module) and the pages render the same text, translated, under "How
this is computed". Each function runs a fixed number of queries (its docstring says
how many), whatever the number of requests: counts are conditional sums grouped by
country or mission, over the facts of the period's whole months (``outcome_facts``,
``response_day_facts``: a few rows per country and month, kept by lp.requests.facts)
and the requests of the partial months at its ends; percentiles are read off the
histogram of the response days, so the same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    SQLColumnExpression,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from countries.models import Country, Mission
from lp.core.survival import Estimate, combined
from lp.core.validation import ValidationFailed
from lp.requests import answer_times, facts, snapshots
from lp.requests.lifecycle import AWAITING_ANSWER, CLOSURE_REASONS, REFUSAL_REASONS
from lp.requests.models import PRESENTATION_EVENTS, LpRequest, OutcomeFact, RequestEvent, ResponseDayFact
from lp.web.extensions import db


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it (pybabel's default keyword)."""
    return text


#: (term, definition): the one description of every figure, in the order shown.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (N_("Period"), N_(
        "The period selects requests by their submission date: a request counts when it was "
        "submitted on the first or last day of the period or in between. Without a choice the "
        "period is the last 12 months up to and including today. Drafts never count.")),
    (N_("Requests"), N_("Requests submitted in the period.")),
    (N_("Issued"), N_("Requests for which the LP was issued, also when it was later used or expired.")),
    (N_("Refused"), N_("Requests the embassy refused, also counted per reason.")),
    (N_("Handover agreed"), N_(
        "Requests for which a handover at the border without a document was agreed: by the embassy's "
        "answer, or by its silence where the agreement says silence means consent (counted apart as "
        "\u201cby silence\u201d).")),
    (N_("No reply"), N_("Requests closed as \u201cno reply\u201d.")),
    (N_("Withdrawn"), N_("Requests we withdrew, also counted per reason (an LP issued and then withdrawn "
                         "counts as withdrawn).")),
    (N_("Issuance rate"), N_(
        "Issued \u00f7 (issued + refused + handover agreed + no reply). Withdrawn and open requests "
        "are left out: the embassy did not finish them.")),
    (N_("Cooperation rate"), N_(
        "(Issued + handover agreed) \u00f7 (all decided requests except the withdrawn ones: issued + "
        "refused + handover agreed + no reply). A handover is a success, so it counts for the embassy; "
        "withdrawn requests are left out because we, not the embassy, ended them. Each share is shown "
        "with the counts it is made of.")),
    (N_("Answered"), N_(
        "Requests with a recorded answer of the embassy: issued, refused or handover agreed, also "
        "when the LP was later used, expired or withdrawn.")),
    (N_("Response time"), N_(
        "Calendar days from submission to the embassy's answer (for an issued LP: the date of "
        "issue), minus the days the deadline clock was paused. It is measured when the answer is "
        "recorded.")),
    (N_("Time to answer, waiting requests counted"), N_(
        "The figure to rely on. The Kaplan\u2013Meier estimate of the days from submission to the "
        "embassy's answer (paused days left out, as for the response time), over every request "
        "submitted in the period that was answered, is still waiting, or was closed without an answer. "
        "A request without an answer is \u201ccensored\u201d: it counts as \u201cnot yet answered after "
        "N days\u201d, N being the days until today (still waiting; a paused clock stops on the day "
        "it was paused), until the day it was closed as \u201cno reply\u201d or withdrawn, or until "
        "the day a handover was agreed by silence. So the requests an embassy never answers keep "
        "counting against it, which the answered-only median cannot do.")),
    (N_("Median and 90th percentile (waiting counted)"), N_(
        "The first day by which, on the Kaplan\u2013Meier curve, half (or nine in ten) of the requests were "
        "answered. \u201cNot reached\u201d when fewer than half (or nine in ten) were answered in the days "
        "observed: the figure is then longer than the longest wait seen, shown as \u201c> N\u201d.")),
    (N_("95 percent confidence interval"), N_(
        "The range of days that contains the true median (or 90th percentile) with 95 percent confidence, "
        "read off the 95 percent band of the curve (Greenwood's variance on the log(\u2212log) scale, as in "
        "the lifelines library). An open upper end (\u201c\u2265 N\u201d) means the band never "
        "reaches the share. Few requests give a wide interval.")),
    (N_("Median and 90th percentile (answered only)"), N_(
        "Shown for comparison only: it leaves out every request that was not answered, so an embassy "
        "that answers few requests looks fast. Nearest-rank method over the response times of the "
        "answered requests: sort them in "
        "ascending order; the P-th percentile is the value at position \u2308P/100 \u00d7 n\u2309, "
        "n being the number of answered requests. The median is the 50th percentile, so for an "
        "even n it is the lower of the two middle values.")),
    (N_("Within the limit"), N_(
        "Answered requests whose response time was at most the reply time limit that applied, "
        "\u00f7 answered requests. The limit is the shortest one in the country's agreements in force "
        "on the submission date, else the default (30 days), for a detained person too; it is fixed "
        "when the answer is recorded.")),
    (N_("Open now"), N_(
        "Submitted requests that are not closed today, whatever their submission date: waiting for "
        "an answer, or issued and not yet used or expired. The period does not apply.")),
    (N_("Overdue now"), N_(
        "Requests waiting for an answer whose reply was due before today; a paused clock is never "
        "overdue. The period does not apply.")),
    (N_("Quarterly trend"), N_(
        "Issued, refused and no reply per calendar quarter of the submission date: the requests of "
        "the table, with the same definitions, split by the quarter they were submitted in. The "
        "quarters add up to the table's totals.")),
    (N_("Outcome mix per quarter"), N_(
        "Every decided request of the period by its outcome (issued, handover agreed by answer or by "
        "silence, refused, no reply, withdrawn) per calendar quarter of the submission date; requests "
        "still open are not drawn. The quarters add up to the table's totals.")),
    (N_("Distribution"), N_("Answered requests of the period by response time, in groups of days.")),
    (N_("Cooperation per year"), N_(
        "The yearly assessment takes the requests submitted from 1 January to 31 December, with the "
        "definitions above, followed up to today. Presentations requested, held and no-show count the "
        "presentations scheduled for those requests, those recorded as held, and those recorded as not "
        "held. \u201cEmbassy required the identity to be established\u201d counts the requests where "
        "that is recorded, \u00f7 the requests. Agreements in force: those of the country profile in "
        "force on or before 31 December of the year, or without a recorded start date.")),
    (N_("Missions"), N_("A request counts for the mission it was sent to; requests without a mission "
                        "form their own row.")),
    (N_("Ranking"), N_(
        "The home page ranks the countries by the time to answer with waiting requests counted, and "
        "only countries with at least 10 counted requests in the period (answered, waiting or closed "
        "without an answer): with fewer, the 95 percent interval of the median spans most of the days "
        "observed. A country whose median is not reached ranks after every country whose median is "
        "reached, the one with the largest share still unanswered last. The ranking by share within "
        "the limit includes countries with at least 3 answered requests.")),
)

#: Statuses that count as "issued": the LP was issued, whatever happened to it afterwards.
ISSUED = ("issued", "used", "expired")
#: The three outcomes of the quarterly trend, in the order they are drawn.
TREND_OUTCOMES = ("issued", "refused", "no_reply")
#: A response-time group of the distribution: (first day, last day or None for open-ended).
Bucket = tuple[int, int | None]
BUCKETS: tuple[Bucket, ...] = (
    (0, 7), (8, 14), (15, 30), (31, 60), (61, 90), (91, 180), (181, 365), (366, None),
)
#: Countries need this many answered requests in the period to be ranked by share within the limit.
MIN_ANSWERED_FOR_RANKING = 3
#: ... and this many counted requests (answered, waiting or closed unanswered) to be ranked by time to
#: answer (the number is in the "Ranking" definition, which pybabel must see as plain text).
MIN_REQUESTS_FOR_RANKING = answer_times.MIN_REQUESTS
#: The outcome mix per quarter, in the order drawn: every decided request by its outcome.
MIX_OUTCOMES = ("issued", "handover_answer", "handover_silence", "refused", "no_reply", "withdrawn")
#: The longest period one can choose (the design's horizon: ten years of data).
MAX_PERIOD_YEARS = 10
REFUSAL_CODES = tuple(code for code, _label in REFUSAL_REASONS)
CLOSURE_CODES = tuple(code for code, _label in CLOSURE_REASONS)


# -- the period -----------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Period:
    """The first and last day (both included) of the submissions that count."""

    start: date
    end: date

    @classmethod
    def default(cls, today: date) -> Period:
        """Return the last 12 months, up to and including ``today``."""
        return cls(_years_before(today, 1) + timedelta(days=1), today)

    def as_args(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def quarters(self) -> list[tuple[int, int]]:
        """Return every (year, quarter) the period touches, in order."""
        found = []
        year, quarter = self.start.year, (self.start.month - 1) // 3 + 1
        while (year, quarter) <= (self.end.year, (self.end.month - 1) // 3 + 1):
            found.append((year, quarter))
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return found


def parse_period(args: Mapping[str, str], today: date) -> Period:
    """Read ``from`` and ``to`` (YYYY-MM-DD, each optional); raise ValidationFailed if wrong."""
    default = Period.default(today)
    errors: dict[str, list[Any]] = {}
    values = {}
    for name, fallback in (("from", default.start), ("to", default.end)):
        text = (args.get(name) or "").strip()
        try:
            values[name] = date.fromisoformat(text) if text else fallback
        except ValueError:
            errors[name] = [_l("Enter a date as YYYY-MM-DD.")]
    if not errors:
        if values["from"] > values["to"]:
            errors["from"] = [_l("The start of the period lies after its end.")]
        elif _years_before(values["to"], MAX_PERIOD_YEARS) > values["from"]:
            errors["from"] = [_l("The period can be at most %(years)d years long.", years=MAX_PERIOD_YEARS)]
    if errors:
        raise ValidationFailed(errors)
    return Period(values["from"], values["to"])


# -- the figures ----------------------------------------------------------------------


@dataclass
class Figures:
    """Every figure of one country, one mission, or all requests (see DEFINITIONS)."""

    requests: int = 0
    issued: int = 0
    refused: int = 0
    refused_by_reason: dict[str, int] = field(default_factory=dict)
    handover: int = 0
    handover_silence: int = 0
    no_reply: int = 0
    withdrawn: int = 0
    withdrawn_by_reason: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    within_limit: int = 0
    #: Requests where the embassy required the identity to be established (the yearly assessment).
    identity_required: int = 0
    open: int = 0
    overdue: int = 0
    median_days: int | None = None
    p90_days: int | None = None
    #: The Kaplan-Meier curve of the time to answer, waiting requests counted (None: no requests).
    #: Derived from the same requests as the counts, so it takes no part in comparing figures.
    time_to_answer: Estimate | None = field(default=None, compare=False)
    #: The answered requests' response days as (days, requests): the median and P90 of parts
    #: combine into those of the whole from these (``total``). Like the curve, not compared.
    response_days: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    #: The requests of each outcome of KEPT_OUTCOMES per quarter of the period (in ``Period.quarters``
    #: order), when counted with them: the overview's trend and mix add these up (``trends_of``).
    by_quarter: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)
    #: The presentations of the period's requests ({name: count} of PRESENTATIONS, ``presentations``; {}: none),
    #: when counted with them (a country's figures, one country's assessment): the yearly assessment shows them.
    presentations: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def finished(self) -> int:
        """The denominator of the issuance rate."""
        return self.issued + self.refused + self.handover + self.no_reply

    @property
    def issuance_rate(self) -> float | None:
        return self.issued / self.finished if self.finished else None

    @property
    def cooperation_rate(self) -> float | None:
        """(Issued + handover) / (decided - withdrawn); ``finished`` is that denominator."""
        return (self.issued + self.handover) / self.finished if self.finished else None

    @property
    def handover_answer(self) -> int:
        return self.handover - self.handover_silence

    @property
    def waiting_counted(self) -> int:
        """The requests the time to answer is estimated from."""
        return self.time_to_answer.cases if self.time_to_answer else 0

    @property
    def share_within_limit(self) -> float | None:
        return self.within_limit / self.answered if self.answered else None

    def add_counts(self, other: Figures) -> None:
        """Add ``other``'s counts to these (not the percentiles: they do not add up)."""
        for name in COUNTS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, dict):
                for key, value in theirs.items():
                    mine[key] = mine.get(key, 0) + value
            else:
                setattr(self, name, mine + theirs)


#: The counts of Figures: every field but the times, the counts per quarter and the presentations. They add
#: up (``Figures.add_counts``) and are kept as they are (``encode``).
COUNTS = tuple(f.name for f in fields(Figures) if f.name not in ("median_days", "p90_days", "time_to_answer",
                                                                  "response_days", "by_quarter", "presentations"))


@dataclass
class Row:
    """One line of a statistics table: what it is about, and its figures."""

    key: Any
    label: str
    figures: Figures
    alpha2: str | None = None


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Count the rows that meet ``condition`` (0 when none), in a grouped query."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in_period(period: Period) -> ColumnElement[bool]:
    return and_(LpRequest.submitted_on >= period.start, LpRequest.submitted_on <= period.end)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _from_facts(where: Iterable[ColumnElement[bool]]) -> tuple[bool, set[int] | None]:
    """Return (whether the facts can answer, the countries to keep or None for all) for ``where``.

    The facts answer for all requests or one country's (``country_filter``); any other
    condition is on the requests' own columns, so those read the requests.
    """
    if isinstance(where, CountryFilter):
        return True, set(where.country_ids)
    return not list(where), None


def _split(period: Period, today: date, where: Iterable[ColumnElement[bool]]
           ) -> tuple[tuple[date, date] | None, set[int] | None, ColumnElement[bool], list[ColumnElement[bool]]]:
    """Return (the whole months read from the facts or None, their countries, which requests are read,
    the conditions on those requests).

    The whole months of the period come from the facts (lp.requests.facts), the partial
    months at its ends from the requests, as ``answer_times.curves`` does.
    """
    usable, countries = _from_facts(where)
    first, last = facts.whole_months(period.start, period.end, today)
    if not usable or first >= last:
        return None, None, _in_period(period), list(where)
    r = LpRequest
    edges = or_(and_(r.submitted_on >= period.start, r.submitted_on < first),
                and_(r.submitted_on >= last, r.submitted_on <= period.end))
    return (first, last), countries, edges, list(where)


def _outcomes(period: Period, today: date, where: Iterable[ColumnElement[bool]] = (), *,
              months: bool = False) -> Any:
    """Return every submitted request of the period as (country_id, mission_id, status, reason, silence,
    answered, within, identity, n) rows, a subquery: the facts of its whole months and the requests of
    the rest (see ``_split``). With ``months``, also the year and month of submission.

    The flags are 0 or 1; ``reason`` is the refusal reason of a refused request, the closure
    reason of a withdrawn one, "" otherwise (lp.requests.facts.outcome_of).
    """
    r, f = LpRequest, OutcomeFact
    whole, countries, requests, conditions = _split(period, today, where)
    reason = func.coalesce(case((r.status == "refused", r.refusal_reason),
                                (r.status == "withdrawn", r.closure_reason)), "")
    answered = r.response_days.is_not(None)
    live_columns: list[ColumnElement[Any]] = [
        r.country_id.label("country_id"), r.mission_id.label("mission_id"), r.status.label("status"),
        reason.label("reason"),
        _flag(and_(r.status == "handover_agreed", answer_times.deemed_agreed())).label("silence"),
        _flag(answered).label("answered"), _flag(and_(answered, r.response_days <= r.allowed_days)).label("within"),
        _flag(r.identity_requested.is_(True)).label("identity"), literal(1).label("n")]
    if months:
        live_columns += [cast(extract("year", r.submitted_on), Integer).label("year"),
                         cast(extract("month", r.submitted_on), Integer).label("month")]
    live = select(*live_columns).where(requests, *conditions)
    if whole is None:
        return live.subquery()
    kept_columns: list[ColumnElement[Any]] = [
        f.country_id.label("country_id"), func.nullif(f.mission_id, 0).label("mission_id"), f.status.label("status"),
        f.reason.label("reason"), _flag(f.silence.is_(True)).label("silence"),
        _flag(f.answered.is_(True)).label("answered"), _flag(f.within.is_(True)).label("within"),
        _flag(f.identity.is_(True)).label("identity"), f.n.label("n")]
    if months:
        kept_columns += [cast(extract("year", f.month), Integer).label("year"),
                         cast(extract("month", f.month), Integer).label("month")]
    kept = select(*kept_columns).where(f.month >= whole[0], f.month < whole[1], f.n > 0)
    if countries is not None:
        kept = kept.where(f.country_id.in_(countries))
    return union_all(kept, live).subquery()


def _response_days(period: Period, today: date, where: Iterable[ColumnElement[bool]] = ()) -> Any:
    """Return the recorded response times of the period as (country_id, mission_id, days, n) rows, a
    subquery: the facts' histogram of its whole months and the requests of the rest."""
    r, f = LpRequest, ResponseDayFact
    whole, countries, requests, conditions = _split(period, today, where)
    live = select(r.country_id.label("country_id"), r.mission_id.label("mission_id"),
                  r.response_days.label("days"), literal(1).label("n")
                  ).where(requests, r.response_days.is_not(None), *conditions)
    if whole is None:
        return live.subquery()
    kept = select(f.country_id.label("country_id"), func.nullif(f.mission_id, 0).label("mission_id"),
                  f.days.label("days"), f.n.label("n")).where(f.month >= whole[0], f.month < whole[1], f.n > 0)
    if countries is not None:
        kept = kept.where(f.country_id.in_(countries))
    return union_all(kept, live).subquery()


def _sum_if(source: Any, condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Add up ``source``'s counts (n) of the rows that meet ``condition`` (0 when none), in a grouped query."""
    return func.coalesce(func.sum(case((condition, source.c.n), else_=0)), 0)


def _outcome_counts(source: Any, names: Iterable[str]) -> list[ColumnElement[int]]:
    """Return the labelled count of each outcome in ``names`` over ``source`` (``_outcomes``).

    The one definition of the tables' outcome columns and of the trend, so the two agree.
    """
    u = source.c
    outcomes = {
        "issued": u.status.in_(ISSUED),
        "refused": u.status == "refused",
        "handover": u.status == "handover_agreed",
        "handover_silence": and_(u.status == "handover_agreed", u.silence == 1),
        "handover_answer": and_(u.status == "handover_agreed", u.silence == 0),
        "no_reply": u.status == "no_reply",
        "withdrawn": u.status == "withdrawn",
    }
    return [_sum_if(source, outcomes[name]).label(name) for name in names]


def _count_columns(source: Any) -> list[ColumnElement[int]]:
    """Return the labelled conditional counts of Figures over ``source`` (``_outcomes``)."""
    u = source.c
    columns = [
        func.coalesce(func.sum(u.n), 0).label("requests"),
        *_outcome_counts(source, ("issued", "refused", "handover", "handover_silence", "no_reply", "withdrawn")),
        _sum_if(source, u.answered == 1).label("answered"),
        _sum_if(source, u.within == 1).label("within_limit"),
        _sum_if(source, u.identity == 1).label("identity_required"),
    ]
    columns += [_sum_if(source, and_(u.status == "refused", u.reason == code)).label(f"refused_{code}")
                for code in REFUSAL_CODES]
    columns += [_sum_if(source, and_(u.status == "withdrawn", u.reason == code)).label(f"withdrawn_{code}")
                for code in CLOSURE_CODES]
    return columns


def _now_columns(today: date) -> list[ColumnElement[int]]:
    """Return the counts of open requests now: open, and overdue among them."""
    r = LpRequest
    return [func.count().label("open"),
            count_if(and_(r.status.in_(AWAITING_ANSWER), r.reply_due_on < today)).label("overdue")]


def _figures_from(values: Mapping[str, Any]) -> Figures:
    def number(name: str) -> int:
        return int(values.get(name) or 0)

    counts: dict[str, Any] = {name: number(name) for name in (
        "requests", "issued", "refused", "handover", "handover_silence", "no_reply", "withdrawn", "answered",
        "within_limit", "identity_required", "open", "overdue")}
    return Figures(
        **counts,
        refused_by_reason={code: number(f"refused_{code}") for code in REFUSAL_CODES},
        withdrawn_by_reason={code: number(f"withdrawn_{code}") for code in CLOSURE_CODES},
    )


def _counts(by: str, labels: Iterable[SQLColumnExpression[Any]], joined: Any, period: Period, today: date,
            where: Iterable[ColumnElement[bool]] = ()) -> list[dict]:
    """Run the counts grouped by ``by`` ("country_id" or "mission_id"), with the ``labels`` of ``joined``
    (Country or Mission, joined on its id): one query over the period (``_outcomes``), one over what is
    open now (2 queries).

    Returns one mapping per key with the key, the labels and every count. Two plain
    queries, each on its own index (submission date or facts' month; open flag), instead
    of one with an OR between them, which makes the database read every request.
    """
    labels = list(labels)
    where = list(where) if not isinstance(where, CountryFilter) else where

    def grouped(key: ColumnElement[Any], source: Any, columns: list[ColumnElement], *condition: Any) -> list[Any]:
        # Counted per key first, then labelled: the join and the grouping by text read one row per key.
        counted = (select(key.label("key"), *columns).select_from(source).where(*condition).group_by(key)
                   .subquery())
        query = select(counted, *labels).outerjoin(joined, joined.id == counted.c.key)
        return list(db.session.execute(query))

    merged: dict[Any, dict] = {}
    source = _outcomes(period, today, where)
    for row in grouped(source.c[by], source, _count_columns(source)):
        merged[row.key] = dict(row._mapping)
    # Drafts (never submitted) are not waiting for any embassy: they count nowhere.
    for row in grouped(getattr(LpRequest, by), LpRequest, _now_columns(today), LpRequest.is_open.is_(True),
                       LpRequest.submitted_on.is_not(None), *where):
        merged.setdefault(row.key, {name: value for name, value in row._mapping.items()
                                    if name not in ("open", "overdue")}).update(
            open=row.open, overdue=row.overdue)
    return list(merged.values())


def nearest_rank(histogram: Iterable[tuple[int, int]], percent: int) -> int | None:
    """Return the ``percent``-th percentile of a histogram of (days, count), nearest rank (None: empty).

    Sorted ascending, the value at position ceil(percent/100 x n), n the sum of the counts.
    """
    ordered = sorted((days, n) for days, n in histogram if n)
    position = (sum(n for _days, n in ordered) * percent + 99) // 100
    seen = 0
    for days, n in ordered:
        seen += n
        if seen >= position:
            return days
    return None


def _histograms(by: str, period: Period, today: date,
                where: Iterable[ColumnElement[bool]] = ()) -> dict[Any, tuple[tuple[int, int], ...]]:
    """Return {key: ((days, requests), ...)} of the response days (one query).

    ``by``: "country_id" or "mission_id". The database counts the requests per (key, days)
    (``_response_days``); the percentiles are read from those counts (``nearest_rank``).
    """
    source = _response_days(period, today, where)
    key = source.c[by]
    query = select(key.label("key"), source.c.days, func.sum(source.c.n).label("n")).group_by(key, source.c.days)
    histograms: dict[Any, list[tuple[int, int]]] = {}
    for key, days, n in db.session.execute(query):
        histograms.setdefault(key, []).append((int(days), int(n)))
    return {k: tuple(h) for k, h in histograms.items()}


#: The presentations of a period's requests (``presentations``): scheduled, held, and not held (no-show).
PRESENTATIONS = ("requested", "held", "no_show")


def presentations(period: Period, where: Iterable[ColumnElement[bool]] = ()) -> dict[int, dict[str, int]]:
    """Return {country id: {name: count} of PRESENTATIONS} of the period's requests among ``where`` (1 query).

    Events of the requests, read through the partial index of the status changes into and
    out of "presentation scheduled" (not kept as facts: they are events, not columns of
    the request). Kept with each country's figures (``_country_figures``), so an event that
    changes them must raise the country's version (lp.requests.snapshots).
    """
    r, e = LpRequest, RequestEvent
    counted = {
        "requested": e.to_status == "presentation_scheduled",
        "held": and_(e.from_status == "presentation_scheduled", e.to_status == "presented"),
        "no_show": and_(e.from_status == "presentation_scheduled", e.to_status == "submitted"),
    }
    query = (select(r.country_id, *(count_if(counted[name]).label(name) for name in PRESENTATIONS))
             .join(e, e.request_id == r.id).where(_in_period(period), *where, text(PRESENTATION_EVENTS))
             .group_by(r.country_id))
    return {row.country_id: {name: int(getattr(row, name)) for name in PRESENTATIONS}
            for row in db.session.execute(query)}


def _with_percentiles(rows: list[Row], histograms: Mapping[Any, tuple[tuple[int, int], ...]],
                      curves: Mapping[Any, Estimate]) -> list[Row]:
    for row in rows:
        _set_times(row.figures, histograms.get(row.key, ()), curves.get(row.key))
    return rows


def _set_times(figures: Figures, histogram: tuple[tuple[int, int], ...], curve: Estimate | None) -> None:
    """Set the time-to-answer figures: the answered-only median and P90 of ``histogram``, and the curve."""
    figures.response_days = histogram
    figures.median_days, figures.p90_days = nearest_rank(histogram, 50), nearest_rank(histogram, 90)
    figures.time_to_answer = curve


def _curves(key: ColumnElement[Any] | InstrumentedAttribute[Any] | None, period: Period, today: date,
            where: Iterable[ColumnElement[bool]] = ()) -> dict[Any, Estimate]:
    """Return the time-to-answer curve (waiting requests counted) per key, for the period (at most 3 queries).

    From the facts (``answer_times.curves``) when ``where`` is none or one country's
    (``country_filter``); from the requests otherwise.
    """
    by = {"country_id": "country", "mission_id": "mission"}.get(getattr(key, "key", ""))
    if key is None or by is not None:
        if isinstance(where, CountryFilter):
            return answer_times.curves(by, today, period.start, period.end, countries=where.country_ids)
        if not where:
            return answer_times.curves(by, today, period.start, period.end)
    return answer_times.estimates(key, today, [_in_period(period), *where])


def country_rows(period: Period, today: date, language: str) -> list[Row]:
    """Return the figures of every country with requests in the period or open now.

    Each country's figures as kept (lp.requests.snapshots: 3 queries), counted again only for the
    countries whose requests changed since (6 more queries), and kept for the next page.
    """
    return _kept_rows(period, today, language, snapshots.versions())[0]


def country_table(period: Period, today: date, language: str) -> tuple[list[Row], Figures]:
    """Return ``country_rows`` and the figures of all countries together (``total``), both as kept.

    The total is kept under the sum of every country's version, which grows with any change;
    when it is not kept, it is put together from the rows' life tables and response days,
    read for it (1 more query), and kept.
    """
    current = snapshots.versions()
    whole = sum(current.values())
    rows, kept = _kept_rows(period, today, language, {**current, ALL_COUNTRIES: whole})
    if ALL_COUNTRIES in kept and readable(kept[ALL_COUNTRIES][0]):
        figures = decode(*kept[ALL_COUNTRIES])
        if figures is not None:
            return rows, figures
    figures = total(_kept_rows(period, today, language, current, detail=True)[0])
    snapshots.keep(period.start, period.end, today, {ALL_COUNTRIES: (whole, *encode(figures))})
    return rows, figures


#: Where the total of all countries is kept among the countries' figures (no country has id 0).
ALL_COUNTRIES = 0


def _kept_rows(period: Period, today: date, language: str, current: Mapping[int, int], *,
               detail: bool = False) -> tuple[list[Row], dict[int, tuple[str, str | None]]]:
    """Return (``country_rows`` from the figures kept at the ``current`` versions, everything kept).

    With ``detail``, the rows also hold what ``total`` needs (life tables, response days).
    """
    kept = snapshots.read(period.start, period.end, today, current, detail=detail)
    name = Country.name_en if language == "en" else Country.name_nl
    countries = db.session.execute(select(Country.id, Country.alpha2, name)).all()
    missing = [country_id for country_id, _alpha2, _name in countries
               if country_id not in kept or not readable(kept[country_id][0])]
    if missing:
        # Many missing (a new day, a new period): all at once reads the facts once.
        counted = _country_figures(period, today, () if len(missing) > RECOUNT_ONE_BY_ONE else CountryFilter(missing))
        fresh = {country_id: encode(counted.get(country_id)) for country_id in missing}
        snapshots.keep(period.start, period.end, today,
                       {country_id: (current.get(country_id, 0), *encoded) for country_id, encoded in fresh.items()})
        kept.update(fresh)
    rows = []
    for country_id, alpha2, label in countries:
        figures = decode(*kept[country_id])
        if figures is not None:
            rows.append(Row(country_id, label, figures, alpha2=alpha2))
    return rows, kept


#: Up to this many countries missing from the kept figures are counted on their own (6 queries
#: over their facts); more are counted with all the others (6 queries over all facts).
RECOUNT_ONE_BY_ONE = 40


def _country_figures(period: Period, today: date, where: Iterable[ColumnElement[bool]]) -> dict[int, Figures]:
    """Return {country id: figures} of the countries with requests in the period or open now, among
    ``where`` (all, or a CountryFilter), with their counts per quarter and presentations (6 queries)."""
    rows = [Row(r["key"], "", _figures_from(r)) for r in _counts("country_id", [], Country, period, today, where)]
    _with_percentiles(rows, _histograms("country_id", period, today, where),
                      _curves(LpRequest.country_id, period, today, where))
    counted = _by_quarter(period, where, KEPT_OUTCOMES, "country_id")
    presented = presentations(period, where)
    for row in rows:
        row.figures.by_quarter = _per_quarter(period, counted.get(row.key, {}))
        row.figures.presentations = presented.get(row.key, {})
    return {row.key: row.figures for row in rows}


def encode(figures: Figures | None) -> tuple[str, str]:
    """Return ``figures`` as JSON, for ``decode``: (what every page reads, what only a total reads).

    "null": no figures.
    """
    if figures is None:
        return "null", "null"
    curve = figures.time_to_answer
    body = {"counts": [getattr(figures, name) for name in COUNTS], "median": figures.median_days,
            "p90": figures.p90_days, "curve": curve.summary() if curve is not None else None,
            "quarters": figures.by_quarter, "presentations": figures.presentations, "layout": LAYOUT}
    detail = {"response_days": figures.response_days, "table": curve.table if curve is not None else []}
    return json.dumps(body, separators=(",", ":")), json.dumps(detail, separators=(",", ":"))


def readable(body: str) -> bool:
    """Whether ``body`` was written by this ``encode`` (a body of an earlier layout is counted again)."""
    return body == "null" or body.endswith(f'"layout":{LAYOUT}}}')


#: The layout of a kept body: raise it when ``encode`` changes what it writes.
LAYOUT = 3


def decode(body: str, detail: str | None = None) -> Figures | None:
    """Return the figures ``encode`` made ``body`` (and ``detail``, when given) of."""
    values = json.loads(body)
    if values is None:
        return None
    figures = Figures(**dict(zip(COUNTS, values["counts"], strict=True)), median_days=values["median"],
                      p90_days=values["p90"], by_quarter=values["quarters"], presentations=values["presentations"])
    more = json.loads(detail) if detail is not None else None
    if more is not None:
        figures.response_days = tuple((days, n) for days, n in more["response_days"])
    if values["curve"] is not None:
        figures.time_to_answer = Estimate.restore(values["curve"], more["table"] if more is not None else ())
    return figures


def mission_rows(country: Country, period: Period, today: date) -> list[Row]:
    """Return the figures of each of a country's missions (4 queries); key None = no mission."""
    where = CountryFilter([country.id])
    counted = _counts("mission_id", [Mission.name, Mission.city], Mission, period, today, where)
    rows = sort_missions([mission_row(r["key"], r["name"], r["city"], _figures_from(r)) for r in counted])
    return _with_percentiles(rows, _histograms("mission_id", period, today, where),
                             _curves(LpRequest.mission_id, period, today, where))


def sort_missions(rows: list[Row]) -> list[Row]:
    """Sort mission rows by label, "No mission recorded" last; return them."""
    rows.sort(key=lambda row: (row.key is None, row.label.lower()))
    return rows


def mission_row(key: int | None, name: str | None, city: str | None, figures: Figures) -> Row:
    """Return a mission's row, labelled in the reader's language (key None: no mission recorded)."""
    return Row(key, _mission_label(name, city), figures)


def _mission_label(name: str | None, city: str | None) -> str:
    if name is None:
        return str(_l("No mission recorded"))
    return f"{name} ({city})" if city else name


def total(rows: Iterable[Row]) -> Figures:
    """Return the figures of ``rows`` together: the counts added up, the percentiles and the curve
    of all their requests (no query).

    ``rows`` must be every row of one breakdown (``country_rows`` with ``detail``, or
    ``mission_rows``): the whole is put together from the parts' histograms and life tables.
    """
    figures = Figures()
    histogram: list[tuple[int, int]] = []
    curves = []
    for row in rows:
        figures.add_counts(row.figures)
        histogram += row.figures.response_days
        if row.figures.time_to_answer is not None:
            curves.append(row.figures.time_to_answer)
    _set_times(figures, tuple(histogram), combined(curves))
    return figures


class CountryFilter(list):
    """The condition that keeps some countries' requests, which also says which countries (for the facts)."""

    def __init__(self, country_ids: Iterable[int]) -> None:
        self.country_ids = frozenset(country_ids)
        super().__init__([LpRequest.country_id.in_(sorted(self.country_ids))])


def country_filter(country: Country) -> list[ColumnElement[bool]]:
    """Return the condition that keeps one country's requests (for ``total``, ``trend``, ...)."""
    return CountryFilter([country.id])


# -- distribution and trend -------------------------------------------------------------


def bucket_label(bucket: Bucket) -> str:
    """Return a bucket as text: "8–14" or "≥ 366" (days)."""
    low, high = bucket
    return f"{low}\u2013{high}" if high is not None else f"\u2265 {low}"


def distribution(period: Period, where: Iterable[ColumnElement[bool]] = ()) -> list[tuple[Bucket, int]]:
    """Return (bucket, answered requests) for every bucket in BUCKETS (1 query)."""
    source = _response_days(period, period.end, where)
    days = source.c.days
    bucket = case(*[(days <= high, index) for index, (_low, high) in enumerate(BUCKETS) if high is not None],
                  else_=len(BUCKETS) - 1)
    # Grouped in an outer query: PostgreSQL cannot match a CASE with bound values in
    # SELECT to the same CASE in GROUP BY.
    each = select(bucket.label("bucket"), source.c.n).subquery()
    query = select(each.c.bucket, func.sum(each.c.n).label("n")).group_by(each.c.bucket)
    counts = {row.bucket: row.n for row in db.session.execute(query)}
    return [(b, int(counts.get(index, 0))) for index, b in enumerate(BUCKETS)]


@dataclass
class TrendPoint:
    """One calendar quarter: the decisions of each outcome in TREND_OUTCOMES."""

    year: int
    quarter: int
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"


def trend(period: Period, where: Iterable[ColumnElement[bool]] = (),
          outcomes: tuple[str, ...] = TREND_OUTCOMES) -> list[TrendPoint]:
    """Return every quarter of the period with its requests of each of ``outcomes`` (1 query).

    The requests and outcomes are those of the tables (``_in_period``, ``_outcome_counts``),
    split by the quarter of submission: the quarters add up to the tables' totals. The
    default outcomes make the trend; MIX_OUTCOMES the outcome mix.
    """
    return trends(period, where, outcomes)[0]


def trends(period: Period, where: Iterable[ColumnElement[bool]], *kinds: tuple[str, ...]) -> list[list[TrendPoint]]:
    """Return ``trend`` of each of ``kinds`` (tuples of outcomes), in one query: the trend and the
    outcome mix of a page read the period's requests once."""
    outcomes = tuple(dict.fromkeys(outcome for kind in kinds for outcome in kind))
    return _points(period, _by_quarter(period, where, outcomes).get(None, {}), kinds)


def trends_of(rows: Iterable[Row], period: Period, *kinds: tuple[str, ...]) -> list[list[TrendPoint]]:
    """Return ``trends`` of all the requests of ``rows`` (``country_rows``: every country), from the
    counts per quarter kept with each row (no query). Every outcome of ``kinds`` is in KEPT_OUTCOMES."""
    added: dict[str, list[int]] = {outcome: [0] * len(period.quarters()) for outcome in KEPT_OUTCOMES}
    for row in rows:
        for outcome, counts in row.figures.by_quarter.items():
            added[outcome] = [a + b for a, b in zip(added[outcome], counts, strict=True)]
    return points_of(period, added, *kinds)


def quarter_counts(period: Period, where: Iterable[ColumnElement[bool]]) -> dict[str, list[int]]:
    """Return {outcome: requests per quarter of the period} of KEPT_OUTCOMES among ``where``, in the
    form ``Figures.by_quarter`` keeps them (1 query)."""
    return _per_quarter(period, _by_quarter(period, where, KEPT_OUTCOMES).get(None, {}))


def _per_quarter(period: Period, found: Mapping[tuple[int, int], Mapping[str, int]]) -> dict[str, list[int]]:
    """Return {outcome: count per quarter of the period} of KEPT_OUTCOMES from ``_by_quarter``'s {quarter: counts}."""
    quarters = period.quarters()
    return {outcome: [found.get(quarter, {}).get(outcome, 0) for quarter in quarters] for outcome in KEPT_OUTCOMES}


def points_of(period: Period, counts: Mapping[str, list[int]], *kinds: tuple[str, ...]) -> list[list[TrendPoint]]:
    """Return ``trends`` of each of ``kinds`` from counts per quarter as ``quarter_counts`` returns them (no query)."""
    found = {quarter: {outcome: counts[outcome][index] for outcome in counts}
             for index, quarter in enumerate(period.quarters())}
    return _points(period, found, kinds)


#: The outcomes counted per quarter with each country's figures: those of the trend and the mix.
KEPT_OUTCOMES = tuple(dict.fromkeys(TREND_OUTCOMES + MIX_OUTCOMES))


def _by_quarter(period: Period, where: Iterable[ColumnElement[bool]], outcomes: tuple[str, ...],
                by: str | None = None) -> dict[Any, dict[tuple[int, int], dict[str, int]]]:
    """Return {key: {(year, quarter): {outcome: requests}}} of the period (1 query); without ``by``
    ("country_id"), every request under the key None."""
    source = _outcomes(period, period.end, where, months=True)
    keys = [source.c[by].label("key")] if by is not None else []
    query = (select(*keys, source.c.year, source.c.month, *_outcome_counts(source, outcomes))
             .group_by(*keys, source.c.year, source.c.month))
    found: dict[Any, dict[tuple[int, int], dict[str, int]]] = {}
    for row in db.session.execute(query):
        quarter = (int(row.year), (int(row.month) - 1) // 3 + 1)
        counts = found.setdefault(row.key if by is not None else None, {}).setdefault(
            quarter, dict.fromkeys(outcomes, 0))
        for outcome in outcomes:
            counts[outcome] += int(getattr(row, outcome))
    return found


def _points(period: Period, found: Mapping[tuple[int, int], Mapping[str, int]],
            kinds: Iterable[tuple[str, ...]]) -> list[list[TrendPoint]]:
    """Return, for each of ``kinds``, every quarter of the period with its counts in ``found``."""
    return [[TrendPoint(year, quarter, {outcome: found.get((year, quarter), {}).get(outcome, 0) for outcome in kind})
             for year, quarter in period.quarters()] for kind in kinds]


# -- rankings ---------------------------------------------------------------------------


def _time_to_answer_order(row: Row) -> tuple:
    """Fastest first: by the median with waiting counted; a median not reached after every
    reached one, the largest share still unanswered last; no requests at all at the end."""
    curve = row.figures.time_to_answer
    if curve is None or not curve.cases:
        return (2, 0.0, row.label)
    median = curve.median.day
    return (0, median, row.label) if median is not None else (1, curve.last_survival, row.label)


SORTS = {
    "time_to_answer": _time_to_answer_order,
    "median": (lambda row: (row.figures.median_days is None, row.figures.median_days or 0, row.label)),
    "within": (lambda row: (row.figures.share_within_limit is None, -(row.figures.share_within_limit or 0),
                            row.label)),
    "requests": (lambda row: (-row.figures.requests, row.label)),
    "name": (lambda row: row.label.lower()),
}


def sorted_rows(rows: Iterable[Row], sort: str) -> list[Row]:
    """Return the rows in the order of ``sort`` (a key of SORTS); rows without the figure last."""
    return sorted(rows, key=SORTS[sort])


def rankable(row: Row, sort: str) -> bool:
    """Return whether a row has enough requests to be ranked in ``sort`` (see "Ranking")."""
    if sort == "time_to_answer":
        return row.figures.waiting_counted >= MIN_REQUESTS_FOR_RANKING
    return row.figures.answered >= MIN_ANSWERED_FOR_RANKING


def ranking(rows: Iterable[Row], sort: str, size: int = 10) -> tuple[list[Row], list[Row]]:
    """Return the best ``size`` and the worst ``size`` ranked rows (no row in both).

    Only rows with enough requests take part (``rankable``); the worst come worst first.
    """
    ranked = sorted_rows([r for r in rows if rankable(r, sort)], sort)
    best = ranked[:size]
    worst = list(reversed(ranked[len(best):]))[:size]
    return best, worst


def _docstring() -> str:
    """Return the module docstring followed by every definition (English source text)."""
    lines = [__doc__ or "", "Definitions", "-----------", ""]
    for term, definition in DEFINITIONS:
        lines += [term, "    " + definition, ""]
    return "\n".join(lines)


__doc__ = _docstring()
