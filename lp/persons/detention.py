"""The detention term of a person: when it ends, and how many days are left.

Return Directive 2008/115/EC, art. 15(5): detention lasts as long as removal is being
arranged, at most a limited period set by the Member State of no more than six months;
art. 15(6): extendable by at most twelve months more (18 in all) where the removal is
likely to take longer, among others because documents from the third country are delayed.
The default term is the setting ``LP_DETENTION_MAX_MONTHS`` (6); a person's own
``detention_max_months`` records an extension. Staff are reminded four weeks before the
end (``WARNING_DAYS``), early enough to ask for an extension or prepare the release.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from flask import current_app

#: The longest term the Return Directive allows, extensions included (art. 15(6)).
EXTENDED_MONTHS = 18
#: How long before the term ends the case officer is reminded: four weeks.
WARNING_DAYS = 28


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved ``months`` calendar months ahead (31 August + 6 = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_months() -> int:
    """Return the configured default term in months."""
    return int(current_app.config.get("LP_DETENTION_MAX_MONTHS", 6))


def term_ends_on(since: date | None, max_months: int | None, default: int) -> date | None:
    """Return the last day of a detention that began on ``since`` (None when not detained)."""
    if since is None:
        return None
    return add_months(since, max_months or default)


def ends_on(person) -> date | None:
    """Return the last day of the person's detention term, or None when not detained."""
    return term_ends_on(person.in_detention_since, person.detention_max_months, default_months())


def warning_from(ends: date | None) -> date | None:
    """Return the day the reminder about the end of a term fires, or None."""
    return ends - timedelta(days=WARNING_DAYS) if ends is not None else None


