"""The yearly assessment of a country's cooperation on readmission, one calendar year at a time.

In the shape such an assessment needs (the EU assesses third countries' cooperation
yearly under article 25a of the Visa Code): requests submitted in the year, answered
within the agreement's limit, the time to answer with waiting requests counted, the
outcomes, presentations requested / held / no-show, the share where the embassy required
the identity to be established, and the agreements in force. Every figure is that of
the insights (``stats``) for the period 1 January .. 31 December, followed up to today:
for all countries as kept with each country's figures (``stats.country_rows``: the
identity count and the presentations included), for one country counted from its missions'
figures and ``stats.presentations``, with the same definitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from countries.models import Agreement, Country
from lp.core.validation import ValidationFailed
from lp.insights import kept_country, stats
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
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def presentations(self) -> Presentations:
        return Presentations(**self.figures.presentations)

    @property
    def identity_required(self) -> int:
        return self.figures.identity_required

    @property
    def identity_share(self) -> float | None:
        return self.identity_required / self.figures.requests if self.figures.requests else None


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


def _assessment(row: stats.Row, year: int, agreements: list[Agreement]) -> Assessment:
    return Assessment(row.alpha2 or "", row.label, year, row.figures, agreements)


def all_countries(year: int, today: date, language: str) -> list[Assessment]:
    """Return the assessment of every country with requests in the year, by name (4 queries while
    the countries' figures are kept, see ``stats.country_rows``)."""
    period = year_period(year)
    rows = [row for row in stats.sorted_rows(stats.country_rows(period, today, language), "name")
            if row.figures.requests]
    agreements = _agreements((row.key for row in rows), year)
    return [_assessment(row, year, agreements.get(row.key, [])) for row in rows]


def one_country(country: Country, year: int, today: date, language: str) -> Assessment:
    """Return one country's assessment, also without requests in the year (4 queries while kept, see
    lp.insights.kept_country; 6 more to count them)."""
    figures = kept_country.insights(country, year_period(year), today).figures()
    row = stats.Row(country.id, country.name(language), figures, alpha2=country.alpha2)
    return _assessment(row, year, _agreements([country.id], year).get(country.id, []))


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
