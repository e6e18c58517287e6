"""Country profiles in words: labels, field values, page titles and the history of changes.

Values are shown in the UI language (choice labels, country names, dates); the rules
for each kind of value are the field kinds' (lp.core.kinds). Used by the country pages
(countries.views puts ``template_helpers`` into their templates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from countries import services
from countries.fields import COUNTRY_FIELDS, FIELDS_BY_ENTITY, spec
from countries.models import Country, ProfileChange
from countries.search import FACT_FILTERS
from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.fields import FieldSpec
from lp.web.extensions import db

ENTITY_LABELS = {"country": _l("Profile"), "agreement": _l("Agreement"), "mission": _l("Mission")}
SOURCE_LABELS = {
    "ui": _l("web form"),
    "api": _l("API"),
    "import": _l("CSV import"),
    "seed": _l("seed data"),
    "reference": _l("reference data update"),
}
ITEM_TITLES = {
    ("agreement", "new"): _l("New agreement with %(country)s"),
    ("agreement", "edit"): _l("Edit agreement with %(country)s"),
    ("agreement", "remove"): _l("Remove agreement with %(country)s"),
    ("mission", "new"): _l("New mission of %(country)s"),
    ("mission", "edit"): _l("Edit mission of %(country)s"),
    ("mission", "remove"): _l("Remove mission of %(country)s"),
}
#: The profile fields the list shows after name, code and region, in column order.
LIST_FIELDS = tuple(
    spec("country", name) for name in (*FACT_FILTERS, "portfolio_holder", "last_reviewed_on")
)
LIST_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("name", _l("Name")),
    ("alpha2", _l("Code")),
    ("region", _l("Region")),
    *((field_spec.name, field_spec.label) for field_spec in LIST_FIELDS),
)


def language() -> str:
    """Return the UI language (nl or en), in which country names are shown."""
    return get_locale().language


def item_title(entity: str, action: str, country: Country) -> str:
    """Return the title of the page that adds, edits or removes an agreement or mission."""
    return str(ITEM_TITLES[(entity, action)]) % {"country": country.name(language())}


def shown_text(
    field_spec: FieldSpec | None, text: str | None, users_by_email: dict[str, User] | None = None
) -> str:
    """Return a field's stored text as people read it: labels, names and dates in the UI language."""
    if not text or field_spec is None:
        return text or ""
    return field_spec.shown(text, users=users_by_email)


def current_value(field_spec: FieldSpec, obj: Any) -> str:
    """Return a field's current value on a country, agreement or mission, as people read it."""
    return field_spec.shown(getattr(obj, field_spec.name))


def region_name(code: str | None) -> str:
    """Return a UN M49 region code (or a territory's) by its name in the UI language."""
    return get_locale().territories.get(code, code) if code else ""


def can_edit() -> bool:
    """Return whether the current user may change country profiles."""
    return current_user.is_authenticated and current_user.may(Role.STAFF)


def template_helpers() -> dict[str, Any]:
    """Return the helpers the country templates use."""
    return {
        "current_value": current_value,
        "region_name": region_name,
        "language": language(),
        "can_edit": can_edit(),
        "COUNTRY_FIELDS": COUNTRY_FIELDS,
        "FIELDS_BY_ENTITY": FIELDS_BY_ENTITY,
    }


# --- history ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    """One changed field, ready to show."""

    entity: str
    item: str
    field: str
    old: str
    new: str
    long: bool


@dataclass(frozen=True)
class ChangeGroup:
    """The fields one save changed: when, by whom, through what."""

    at: Any
    who: str
    source: str
    lines: list[ChangeLine]


def _spec_or_none(entity: str, field: str) -> FieldSpec | None:
    try:
        return spec(entity, field)
    except KeyError:  # a field that no longer exists keeps its raw name and text in old history
        return None


def change_groups(
    changes: list[ProfileChange], items: Iterable[tuple[str, Any]] = ()
) -> list[ChangeGroup]:
    """Group recorded changes per save and put them in words, with one query for the people named."""
    user_ids = {change.user_id for change in changes if change.user_id}
    emails = {
        value
        for change in changes
        if change.entity == "country" and change.field == "portfolio_holder"
        for value in (change.old_value, change.new_value)
        if value
    }
    users: list[User] = []
    if user_ids or emails:
        # Loading everyone at once also fills the session, so change.user below
        # is found there instead of costing a query per row.
        users = list(
            db.session.scalars(
                select(User).where(or_(User.id.in_(user_ids), User.email.in_(emails)))
            )
        )
    by_email = {user.email: user for user in users}
    names = _item_names(changes, items)
    groups = []
    for _version, group in groupby(changes, key=lambda change: change.version):
        rows = list(group)
        first = rows[0]
        lines = []
        for change in rows:
            field_spec = _spec_or_none(change.entity, change.field)
            lines.append(
                ChangeLine(
                    entity=str(ENTITY_LABELS.get(change.entity, change.entity)),
                    item=names.get((change.entity, change.entity_id), ""),
                    field=str(field_spec.label if field_spec else change.field),
                    old=shown_text(field_spec, change.old_value, by_email),
                    new=shown_text(field_spec, change.new_value, by_email),
                    long=bool(field_spec and field_spec.field_kind.long),
                )
            )
        who = (first.user.display_name or first.user.email) if first.user else _("system")
        groups.append(
            ChangeGroup(first.at, who, str(SOURCE_LABELS.get(first.source, first.source)), lines)
        )
    return groups


def _item_names(
    changes: list[ProfileChange], items: Iterable[tuple[str, Any]]
) -> dict[tuple[str, int | None], str]:
    """Name each agreement and mission in the history, including removed ones."""
    names: dict[tuple[str, int | None], str] = {}
    for change in changes:
        key = (change.entity, change.entity_id)
        if change.field == services.ITEM_NAME_FIELDS.get(change.entity) and key not in names:
            names[key] = change.new_value or change.old_value or ""
    for entity, item in items:  # what the item is called now wins
        names[(entity, item.id)] = services.item_name(entity, item)
    return names
