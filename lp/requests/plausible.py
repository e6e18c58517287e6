"""What input is impossible (refused) and what is only unusual (saved once confirmed).

Dates before 1900 or years ahead are typing slips (0001-01-01, 2100 for 2010); an LP
valid longer than the country usually issues may be right, so it is asked about.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from countries.models import Country

#: No date anyone records here lies before this day (a date of birth included).
EARLIEST = date(1900, 1, 1)
#: How many years ahead a date may lie, for the values that lie ahead at all.
YEARS_AHEAD = {"presentation_at": 2, "valid_until": 10}
#: An LP valid longer than this many times the country's usual validity needs a confirmation:
#: any day beyond the profile's usual validity is asked about (issue 14).
UNUSUAL_VALIDITY_FACTOR = 1
#: The form field and API flag that confirms an unusual value, and the actions that take it.
CONFIRM_FIELD = "confirm_unusual"
CONFIRMS_UNUSUAL = frozenset({"issue"})


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_errors(values: dict[str, Any], today: date) -> dict[str, list[Any]]:
    """Return the impossible dates among ``values``: before 1900, or further ahead than allowed."""
    errors: dict[str, list[Any]] = {}
    for name, value in values.items():
        if not isinstance(value, date):
            continue
        day = value.date() if isinstance(value, datetime) else value
        if day < EARLIEST:
            errors[name] = [_l("This date lies before %(year)d: check the year.", year=EARLIEST.year)]
        elif name in YEARS_AHEAD and day > _years_after(today, YEARS_AHEAD[name]):
            errors[name] = [_l("This date lies more than %(years)d years ahead: check the year.",
                               years=YEARS_AHEAD[name])]
    return errors


def unusual_validity(country: Country, values: dict[str, Any]) -> Any | None:
    """Return the warning for an LP valid much longer than the country usually issues, or None."""
    usual = country.lp_validity_days
    issued, until = values.get("issued_on"), values.get("valid_until")
    if not usual or issued is None or until is None:
        return None
    days = (until - issued).days
    if days <= usual * UNUSUAL_VALIDITY_FACTOR:
        return None
    locale = get_locale()  # None outside a request (the CLI): the country's Dutch name
    return _l("This LP would be valid for %(days)d days; %(country)s usually issues LPs valid for %(usual)d days. "
              "Check the dates, and tick the box to save them as they are.",
              days=days, country=country.name(locale.language if locale else "nl"), usual=usual)
