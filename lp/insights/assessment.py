"""The yearly assessment of a country's cooperation on readmission, one calendar year at a time.

In the shape such an assessment needs (the EU assesses third countries' cooperation
yearly under article 25a of the Visa Code): requests submitted in the year, answered
within the agreement's limit, the time to answer with waiting requests counted, the
outcomes, presentations requested / held / no-show, the share where the embassy required
the identity to be established, and the agreements in force. Every figure is that of
the insights (``stats``) for the period 1 January .. 31 December, followed up to today;
the two extra counts here are one aggregate query each, grouped by country.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, text
from sqlalchemy.sql.elements import ColumnElement

from countries.models import Agreement, Country
from lp.core.validation import ValidationFailed
from lp.insights import stats
from lp.requests.models import PRESENTATION_EVENTS, LpRequest, RequestEvent
from lp.web.extensions import db

#: The first year one can assess (no LP data is older).
FIRST_YEAR = 2000


def parse_year(args: Mapping[str, str], today: date) -> int:
    """Read ``year`` (default: this year); raise ValidationFailed when it is not a year one can assess."""
    text = (args.get("year") or "").strip()
    if not text:
        return today.year
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= today.year:
        raise ValidationFailed({"year": [_l("Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR,
                                            last=today.year)]})
    return int(text)


def year_period(year: int) -> stats.Period:
    return stats.Period(date(year, 1, 1), date(year, 12, 31))


@dataclass
class Presentations:
    """Presentations of the year's requests: scheduled, held, and not held (no-show)."""

    requested: int = 0
    held: int = 0
    no_show: int = 0


@dataclass
class Assessment:
    """One country's cooperation in one calendar year."""

    alpha2: str
    name: str
    year: int
    figures: stats.Figures
    presentations: Presentations = field(default_factory=Presentations)
    identity_required: int = 0
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def identity_share(self) -> float | None:
        return self.identity_required / self.figures.requests if self.figures.requests else None


def _extra_counts(period: stats.Period, where: Iterable[ColumnElement[bool]] = ()) -> dict[int, dict[str, int]]:
    """Return {country id: identity required, presentations requested / held / no-show} (2 queries).

    The identity count comes from the facts (``stats.identity_required``); the presentations
    are events of the year's requests, read through the partial index of the status changes
    into and out of "presentation scheduled" (not kept as facts: they are events, not
    columns of the request).
    """
    r, e = LpRequest, RequestEvent
    in_year = and_(r.submitted_on >= period.start, r.submitted_on <= period.end, *where)
    found: dict[int, dict[str, int]] = {}
    for country_id, required in stats.identity_required(period, where).items():
        found.setdefault(country_id, {})["identity"] = required
    scheduled = e.to_status == "presentation_scheduled"
    held = and_(e.from_status == "presentation_scheduled", e.to_status == "presented")
    no_show = and_(e.from_status == "presentation_scheduled", e.to_status == "submitted")
    query = (select(r.country_id, stats.count_if(scheduled).label("requested"), stats.count_if(held).label("held"),
                    stats.count_if(no_show).label("no_show"))
             .join(e, e.request_id == r.id).where(in_year, text(PRESENTATION_EVENTS)).group_by(r.country_id))
    for row in db.session.execute(query):
        found.setdefault(row.country_id, {}).update(requested=int(row.requested), held=int(row.held),
                                                    no_show=int(row.no_show))
    return found


def _agreements(country_ids: Iterable[int], year: int) -> dict[int, list[Agreement]]:
    """Return each country's agreements in force in the year (a start date on or before 31 December,
    or none recorded) (1 query)."""
    ids = list(country_ids)
    found: dict[int, list[Agreement]] = {}
    if not ids:
        return found
    query = (select(Agreement).where(Agreement.country_id.in_(ids),
                                     (Agreement.in_force_since.is_(None))
                                     | (Agreement.in_force_since <= date(year, 12, 31)))
             .order_by(Agreement.country_id, Agreement.in_force_since, Agreement.id))
    for agreement in db.session.scalars(query):
        found.setdefault(agreement.country_id, []).append(agreement)
    return found


def _assessment(row: stats.Row, year: int, extra: Mapping[str, int], agreements: list[Agreement]) -> Assessment:
    return Assessment(row.alpha2 or "", row.label, year, row.figures,
                      Presentations(extra.get("requested", 0), extra.get("held", 0), extra.get("no_show", 0)),
                      extra.get("identity", 0), agreements)


def all_countries(year: int, today: date, language: str) -> list[Assessment]:
    """Return the assessment of every country with requests in the year, by name (7 queries)."""
    period = year_period(year)
    rows = [row for row in stats.sorted_rows(stats.country_rows(period, today, language), "name")
            if row.figures.requests]
    extra = _extra_counts(period)
    agreements = _agreements((row.key for row in rows), year)
    return [_assessment(row, year, extra.get(row.key, {}), agreements.get(row.key, [])) for row in rows]


def one_country(country: Country, year: int, today: date, language: str) -> Assessment:
    """Return one country's assessment, also without requests in the year (9 queries)."""
    period = year_period(year)
    where = stats.country_filter(country)
    figures = stats.total(stats.mission_rows(country, period, today))
    row = stats.Row(country.id, country.name(language), figures, alpha2=country.alpha2)
    extra = _extra_counts(period, where).get(country.id, {})
    return _assessment(row, year, extra, _agreements([country.id], year).get(country.id, []))


def agreement_text(agreement: Agreement, kinds: Mapping[str, Any]) -> str:
    """Return an agreement as one line: kind, title, since when, reply limit."""
    parts = [str(kinds.get(agreement.kind, agreement.kind))]
    if agreement.title:
        parts.append(agreement.title)
    if agreement.in_force_since:
        parts.append(agreement.in_force_since.isoformat())
    if agreement.reply_time_limit_days:
        parts.append(f"{agreement.reply_time_limit_days} d")
    return ", ".join(parts)
