"""Forms for country profiles, built from the field definitions in countries.fields.

The forms only carry text: parsing and checking stay with FieldSpec.parse (through
services.parse_values), so the browser follows the same rules as the CSV and the API.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import BooleanField, Form, SearchField, SelectField
from wtforms.fields.choices import SelectChoice

from countries.fields import AGREEMENT_KINDS, FIELDS_BY_ENTITY, TRI_STATE, spec
from countries.models import Country
from countries.search import FACT_FILTERS
from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.forms import ANY, VersionedForm, field_for, options
from lp.web.extensions import db

NO_HOLDER = _l("None")


class ConfirmForm(VersionedForm):
    """Confirm a removal or mark a profile as reviewed: only the token and the version."""


def _holder_choices() -> list[SelectChoice]:
    """Return the active staff and admin accounts, by email (as FieldSpec.parse reads them)."""
    users = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.role != Role.VIEWER.value)
        .order_by(User.display_name)
    )
    return options(
        [("", NO_HOLDER)] + [(user.email, user.display_name or user.email) for user in users]
    )


@cache
def form_class(entity: str) -> type[VersionedForm]:
    """Return the edit form of an entity (country, agreement, mission), one field per definition."""
    fields = {field_spec.name: field_for(field_spec, choices={"user": _holder_choices})
              for field_spec in FIELDS_BY_ENTITY[entity]}
    return type(f"{entity.title()}Form", (VersionedForm,), fields)


def entity_form(entity: str, obj: Any | None, version: int) -> VersionedForm:
    """Return the form for ``obj`` (None: a new item), filled from the request when posted."""
    specs = FIELDS_BY_ENTITY[entity]
    initial = {s.name: s.to_text(s.default) if obj is None else s.text_of(obj) for s in specs}
    form = form_class(entity)(data=initial | {"version": str(version)})
    for field_spec in specs:
        field = form[field_spec.name]
        # Keep a value that is no longer offered (a deactivated portfolio holder) visible,
        # so the select does not silently switch to another one.
        if (
            isinstance(field, SelectField)
            and field.data
            and field.data not in {c.value for c in field.choices}
        ):
            field.choices = [*field.choices, SelectChoice(field.data)]
    return form


def raw_values(form: VersionedForm, entity: str) -> dict[str, str]:
    """Return the text of every defined field as submitted, for services.parse_values."""
    return {field_spec.name: form[field_spec.name].data for field_spec in FIELDS_BY_ENTITY[entity]}


def _filter_holder_choices() -> list[SelectChoice]:
    """Return the accounts a list can be filtered on: staff, and anyone holding a country."""
    holders = select(Country.portfolio_holder_id).where(Country.portfolio_holder_id.is_not(None))
    users = db.session.scalars(
        select(User)
        .where(or_(User.role != Role.VIEWER.value, User.id.in_(holders)))
        .order_by(User.display_name)
    )
    return options(
        [ANY, ("none", _l("No portfolio holder"))]
        + [(str(user.id), user.display_name or user.email) for user in users]
    )


def _build_filter_form() -> type[Form]:
    fields: dict[str, Any] = {
        "q": SearchField(
            _l("Search"),
            description=_l("Name in Dutch or English, or the ISO code"),
            render_kw={"maxlength": 100},
        ),
        "agreement_kind": SelectField(
            _l("Agreement"),
            choices=options([ANY, *AGREEMENT_KINDS, ("none", _l("No agreement"))]),
            validate_choice=False,
        ),
    }
    for name in FACT_FILTERS:
        fields[name] = SelectField(
            spec("country", name).label, choices=options([ANY, *TRI_STATE]), validate_choice=False
        )
    fields["portfolio_holder"] = SelectField(
        spec("country", "portfolio_holder").label,
        choices=_filter_holder_choices,
        validate_choice=False,
    )
    # parse_filters reads "1" as on; WTForms would send its own "y".
    fields["not_reviewed"] = BooleanField(
        _l("Not reviewed for 12 months"), render_kw={"value": "1"}
    )
    return type("CountryFilterForm", (Form,), fields)


#: The list's filters: a GET form (no CSRF token), so a filtered list can be bookmarked.
CountryFilterForm = _build_filter_form()
