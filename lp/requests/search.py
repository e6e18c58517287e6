"""Filtering, searching, sorting and paging the request list: shared by UI, CSV and API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload

from countries.models import Country
from lp.core.validation import ValidationFailed, flag, identifier, search_text, whole_number
from lp.persons.models import Person
from lp.requests.lifecycle import AWAITING_ANSWER, STATUSES
from lp.requests.models import LpRequest
from lp.web.extensions import db

SORTS = {
    "submitted_on": LpRequest.submitted_on,
    "reference": LpRequest.reference,
    "status": LpRequest.status,
    "reply_due_on": LpRequest.reply_due_on,
    "decided_on": LpRequest.decided_on,
    "created": LpRequest.id,
}
PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class RequestFilter:
    q: str = ""
    #: The key under which the browser session keeps ``q`` (see lp.web.search_terms).
    search: str = ""
    country: str = ""  # alpha-2
    mission: int | None = None
    status: str = ""
    state: str = ""  # open / closed / "" for both
    overdue: bool = False
    detention: bool = False
    case_officer: int | None = None
    #: The owner's id as text, or "me" (the person looking: ``me``).
    owner: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    sort: str = "created"
    desc: bool = True
    page: int = 1
    per_page: int = 50
    #: Who is looking (what ``owner=me`` means); never in a link.
    me: int | None = None

    @property
    def owner_id(self) -> int | None:
        """Return the owner the list is filtered on (None: anyone's)."""
        if self.owner == "me":
            return self.me
        return int(self.owner) if self.owner else None

    def as_args(self, **overrides: Any) -> dict[str, Any]:
        """Return the non-default values as query arguments (for links and exports).

        The search term itself never goes into a link: only its session key does.
        """
        values = {f.name: getattr(self, f.name) for f in fields(self)} | overrides
        defaults = RequestFilter()
        args = {}
        for name, value in values.items():
            if name in ("q", "me"):
                continue
            if value != getattr(defaults, name) and value is not None:
                args[name] = "1" if value is True else ("0" if value is False else str(value))
        return args


def _date(args, name, errors):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_l("Enter a date as YYYY-MM-DD.")]
        return None


def _int(args, name, errors, message):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        errors[name] = [message]
    return number


def parse_filters(args: Mapping[str, str], *, user_id: int | None = None) -> RequestFilter:
    """Read filters from query arguments; raise ValidationFailed naming each bad one.

    ``owner=me`` means the requests ``user_id`` owns.
    """
    errors: dict[str, list[Any]] = {}
    values: dict[str, Any] = {"q": search_text(args.get("q")),
                              "search": (args.get("search") or "")[:20]}
    country = identifier(args.get("country")).upper()
    if country and (len(country) != 2 or not country.isalpha()):
        errors["country"] = [_l("Enter a two-letter country code.")]
    values["country"] = country
    values["mission"] = _int(args, "mission", errors, _l("Unknown mission."))
    status = args.get("status") or ""
    if status and status not in STATUSES:
        errors["status"] = [_l("Unknown status.")]
    values["status"] = status
    state = args.get("state") or ""
    if state not in ("", "open", "closed"):
        errors["state"] = [_l("Choose open or closed.")]
    values["state"] = state
    values["overdue"] = flag(args, "overdue", errors)
    values["detention"] = flag(args, "detention", errors)
    values["case_officer"] = _int(args, "case_officer", errors, _l("Unknown case officer."))
    owner = identifier(args.get("owner")).lower()
    if owner == "me":
        if user_id is None:
            errors["owner"] = [_l("Unknown owner.")]
    elif owner:
        number = whole_number(owner)
        if number is None:
            errors["owner"] = [_l("Unknown owner.")]
        owner = str(number) if number is not None else ""
    values["owner"], values["me"] = owner, user_id
    values["submitted_from"] = _date(args, "submitted_from", errors)
    values["submitted_to"] = _date(args, "submitted_to", errors)
    sort = args.get("sort") or "created"
    if sort not in SORTS:
        errors["sort"] = [_l("Unknown sort order.")]
    values["sort"] = sort
    values["desc"] = flag(args, "desc", errors, default=True)
    values["page"] = _int(args, "page", errors, _l("Enter a page number.")) or 1
    values["per_page"] = _int(args, "per_page", errors, _l("Enter a page size.")) or 50
    if values["per_page"] not in PAGE_SIZES:
        errors["per_page"] = [_l("Choose 25, 50 or 100 per page.")]
    if errors:
        raise ValidationFailed(errors)
    return RequestFilter(**values)


def filtered(f: RequestFilter, today: date) -> Select:
    """Return a SELECT of request ids matching the filter (no order, no paging)."""
    query = select(LpRequest.id)
    conditions = []
    needs_person = bool(f.q) or f.detention or f.case_officer is not None
    if needs_person:
        query = query.join(Person, Person.id == LpRequest.person_id)
    if f.q:
        text = f.q.strip()
        if text.isdigit() and len(text) == 10:
            conditions.append(Person.v_number == text)
        else:
            pattern = f"%{text.lower()}%"
            conditions.append(or_(
                func.lower(Person.name).like(pattern),
                LpRequest.reference == text.upper(),
                func.lower(LpRequest.embassy_reference) == text.lower(),
                Person.v_number.like(f"{text}%") if text.isdigit() else false(),
            ))
    if f.country:
        # By the country's id, not through a join on its code: PostgreSQL then reads the page from the index on
        # (country_id, status, id) in order (0.4 ms at 1,000,000 requests) instead of every match sorted (12 ms).
        conditions.append(LpRequest.country_id == select(Country.id).where(Country.alpha2 == f.country)
                          .scalar_subquery())
    if f.mission is not None:
        conditions.append(LpRequest.mission_id == f.mission)
    if f.status:
        conditions.append(LpRequest.status == f.status)
    if f.state:
        conditions.append(LpRequest.is_open.is_(f.state == "open"))
    if f.overdue:
        conditions.append(and_(LpRequest.is_open.is_(True), LpRequest.reply_due_on < today,
                               LpRequest.status.in_(AWAITING_ANSWER)))
    if f.detention:
        conditions.append(Person.in_detention_since.is_not(None))
    if f.case_officer is not None:
        conditions.append(Person.case_officer_id == f.case_officer)
    if f.owner:
        conditions.append(LpRequest.owner_id == f.owner_id)
    if f.submitted_from:
        conditions.append(LpRequest.submitted_on >= f.submitted_from)
    if f.submitted_to:
        conditions.append(LpRequest.submitted_on <= f.submitted_to)
    return query.where(*conditions)


def ordered(query: Select, f: RequestFilter) -> Select:
    column = SORTS[f.sort]
    order = column.desc() if f.desc else column.asc()
    tiebreak = LpRequest.id.desc() if f.desc else LpRequest.id.asc()
    if f.sort == "created":
        return query.order_by(tiebreak)
    return query.order_by(order.nulls_last(), tiebreak)


@dataclass
class Page:
    items: list[LpRequest]
    total: int
    filter: RequestFilter
    #: The count stopped at ``total`` (the count limit): more requests match.
    more: bool = False

    @property
    def pages(self) -> int:
        """The number of pages; beyond a stopped count, one after the current page while it is full."""
        counted = max(1, -(-self.total // self.filter.per_page))
        if not self.more:
            return counted
        return max(counted, self.filter.page + (len(self.items) == self.filter.per_page))


def count(query: Select, limit: int | None = None) -> tuple[int, bool]:
    """Return how many rows ``query`` matches, read up to ``limit`` (None: all), and whether more match."""
    counted = query if limit is None else query.limit(limit + 1)
    total = db.session.execute(select(func.count()).select_from(counted.subquery())).scalar_one()
    return (limit, True) if limit is not None and total > limit else (total, False)


def page(f: RequestFilter, today: date, count_limit: int | None = None) -> Page:
    """Return one page of matching requests with person, country and mission loaded.

    Three queries whatever the data size: the count, the page's ids, the page's rows. With
    ``count_limit`` the count reads at most that many matches plus one (``Page.more``).
    """
    base = filtered(f, today)
    total, more = count(base, count_limit)
    ids = list(db.session.scalars(ordered(base, f).limit(f.per_page).offset((f.page - 1) * f.per_page)))
    rows = db.session.scalars(
        select(LpRequest)
        .where(LpRequest.id.in_(ids))
        .options(joinedload(LpRequest.person), joinedload(LpRequest.country), joinedload(LpRequest.mission),
                 joinedload(LpRequest.owner))
    ).unique()
    by_id = {row.id: row for row in rows}
    return Page([by_id[i] for i in ids], total, f, more)
