"""The lists whose filters can be saved: how each validates, counts and (for requests) exports its filters.

Parameters are re-validated every time they are used, so a view saved before a filter
changed meaning is refused with the reason instead of showing something else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from countries import csv_format
from countries import display as country_display
from countries.search import country_query
from countries.search import parse_filters as parse_country_filters
from countries.views import SHOW_ALL, in_use
from lp.core.clock import today
from lp.reminders import services as reminders
from lp.reminders.models import Reminder
from lp.requests import export, search
from lp.web.extensions import db

#: Arguments of a list that are not filters: the page, and the session-bound key of a search term.
NOT_SAVED = frozenset({"page", "search", "q_key"})


@dataclass(frozen=True)
class SavedList:
    """One list whose filters can be saved."""

    name: str
    label: Any
    endpoint: str
    #: Validate query arguments; return the filters to keep (raise ValidationFailed).
    clean: Callable[[Mapping[str, str]], dict[str, str]]
    #: How many rows the list holds for these filters, for this user (one COUNT), and whether the
    #: count stopped at the list's limit (the request list's LP_LIST_COUNT_LIMIT) with more matching.
    count: Callable[[Mapping[str, str], int], tuple[int, bool]]
    #: The rows as CSV text (the list's own export format), or None when the list has no CSV.
    csv: Callable[[Mapping[str, str]], str] | None = None


def _kept(args: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in args.items() if name not in NOT_SAVED}


# --- requests: the search term is never saved (it may be a name) ---------------------------


def _clean_requests(args: Mapping[str, str]) -> dict[str, str]:
    return _kept(search.parse_filters({k: v for k, v in args.items() if k != "q"}).as_args(page=1))


def _count_requests(params: Mapping[str, str], _user_id: int) -> tuple[int, bool]:
    query = search.filtered(search.parse_filters(params), today())
    return search.count(query, current_app.config["LP_LIST_COUNT_LIMIT"])


def _csv_requests(params: Mapping[str, str]) -> str:
    f = search.parse_filters(params)
    return b"".join(export.generate(export.matching_ids(f, today()), ";")).decode("utf-8")


# --- reminders ------------------------------------------------------------------------


def _clean_reminders(args: Mapping[str, str]) -> dict[str, str]:
    return _kept(reminders.parse_filter(args).as_args(page=1))


def _count_reminders(params: Mapping[str, str], user_id: int) -> tuple[int, bool]:
    conditions = reminders.conditions(reminders.parse_filter(params), user_id, today())
    return db.session.scalar(select(func.count()).select_from(Reminder).where(*conditions)) or 0, False


# --- countries ------------------------------------------------------------------------


def _clean_countries(args: Mapping[str, str]) -> dict[str, str]:
    kept = _kept(parse_country_filters(args).as_args())
    if args.get("show") == SHOW_ALL:
        kept["show"] = SHOW_ALL
    return kept


def _countries(params: Mapping[str, str]):
    """Return the country list's query for these filters: in use only, as the list shows them."""
    f = parse_country_filters(params)
    query = country_query(f, country_display.language(), today())
    if params.get("show") != SHOW_ALL and not f.q:
        query = query.where(in_use())
    return query


def _count_countries(params: Mapping[str, str], _user_id: int) -> tuple[int, bool]:
    return db.session.scalar(select(func.count()).select_from(_countries(params).order_by(None).subquery())) or 0, False


def _csv_countries(params: Mapping[str, str]) -> str:
    """Return the countries of the view in the format of the country export (and import)."""
    return csv_format.write_csv(db.session.scalars(csv_format.with_items(_countries(params)))).decode("utf-8")


LISTS: dict[str, SavedList] = {
    saved.name: saved for saved in (
        SavedList("requests", _l("Requests"), "requests.index", _clean_requests, _count_requests, _csv_requests),
        SavedList("reminders", _l("Reminders"), "reminders.index", _clean_reminders, _count_reminders),
        SavedList("countries", _l("Countries"), "countries.index", _clean_countries, _count_countries,
                  _csv_countries),
    )
}
