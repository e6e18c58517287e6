"""Searching, filtering and sorting the country list: shared by the UI, CSV and API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from countries.fields import AGREEMENT_KINDS, TRI_STATE
from countries.models import Agreement, Country
from lp.core.validation import ValidationFailed, flag, search_text, whole_number

#: Tri-state profile facts that the list can be filtered on.
FACT_FILTERS = ("presentation_required", "biometric_registers", "refuses_unwilling", "requires_identity")
SORTS = ("name", "alpha2", "region", "portfolio_holder", "last_reviewed_on", *FACT_FILTERS)
REVIEW_PERIOD = timedelta(days=365)


@dataclass(frozen=True)
class CountryFilter:
    q: str = ""
    agreement_kind: str = ""
    presentation_required: str = ""
    biometric_registers: str = ""
    refuses_unwilling: str = ""
    requires_identity: str = ""
    portfolio_holder: str = ""  # a user id, "none", or empty for all
    not_reviewed: bool = False
    sort: str = "name"
    desc: bool = False

    def as_args(self, **overrides: Any) -> dict[str, Any]:
        """Return the non-default values as query arguments (for links and exports)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | overrides
        defaults = CountryFilter()
        args = {}
        for name, value in values.items():
            if value != getattr(defaults, name):
                args[name] = "1" if value is True else str(value)
        return args

    @property
    def active(self) -> bool:
        return any(
            getattr(self, f.name) != getattr(CountryFilter(), f.name)
            for f in fields(self)
            if f.name not in ("sort", "desc")
        )


def parse_filters(args: Mapping[str, str]) -> CountryFilter:
    """Read filters from query arguments; raise ValidationFailed naming each bad one."""
    errors: dict[str, list[Any]] = {}
    tri = {value for value, _label in TRI_STATE}
    values: dict[str, Any] = {"q": search_text(args.get("q"))}
    kind = args.get("agreement_kind", "")
    if kind and kind not in {value for value, _ in AGREEMENT_KINDS} | {"none"}:
        errors["agreement_kind"] = [_l("Unknown agreement kind.")]
    values["agreement_kind"] = kind
    for name in FACT_FILTERS:
        value = args.get(name, "")
        if value and value not in tri:
            errors[name] = [_l("Choose yes, no, sometimes or unknown.")]
        values[name] = value
    holder = args.get("portfolio_holder", "")
    if holder and holder != "none" and whole_number(holder) is None:
        errors["portfolio_holder"] = [_l("Unknown portfolio holder.")]
    values["portfolio_holder"] = holder
    values["not_reviewed"] = flag(args, "not_reviewed", errors)
    sort = args.get("sort") or "name"
    if sort not in SORTS:
        errors["sort"] = [_l("Unknown sort order.")]
    values["sort"] = sort
    values["desc"] = flag(args, "desc", errors)
    if errors:
        raise ValidationFailed(errors)
    return CountryFilter(**values)


def country_query(f: CountryFilter, language: str, today) -> Select:
    """Return a SELECT of countries matching the filter, in the requested order."""
    query = select(Country)
    if f.q:
        pattern = f"%{f.q.lower()}%"
        query = query.where(
            or_(
                func.lower(Country.name_nl).like(pattern),
                func.lower(Country.name_en).like(pattern),
                func.lower(Country.alpha2) == f.q.lower(),
                func.lower(Country.alpha3) == f.q.lower(),
            )
        )
    if f.agreement_kind == "none":
        query = query.where(~select(Agreement.id).where(Agreement.country_id == Country.id).exists())
    elif f.agreement_kind:
        query = query.where(
            select(Agreement.id)
            .where(Agreement.country_id == Country.id, Agreement.kind == f.agreement_kind)
            .exists()
        )
    for name in FACT_FILTERS:
        value = getattr(f, name)
        if value:
            query = query.where(getattr(Country, name) == value)
    if f.portfolio_holder == "none":
        query = query.where(Country.portfolio_holder_id.is_(None))
    elif f.portfolio_holder:
        query = query.where(Country.portfolio_holder_id == whole_number(f.portfolio_holder))
    if f.not_reviewed:
        query = query.where(
            or_(Country.last_reviewed_on.is_(None), Country.last_reviewed_on < today - REVIEW_PERIOD)
        )
    name_column = Country.name_en if language == "en" else Country.name_nl
    order_column = {
        "name": name_column,
        "alpha2": Country.alpha2,
        "region": Country.region,
        "portfolio_holder": Country.portfolio_holder_id,
        "last_reviewed_on": Country.last_reviewed_on,
    }.get(f.sort) or getattr(Country, f.sort)
    order = order_column.desc() if f.desc else order_column.asc()
    return query.order_by(order.nulls_last() if f.sort != "name" else order, name_column)
