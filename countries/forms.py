"""Forms for country profiles, built from the field definitions in countries.fields.

The forms only carry text: parsing and checking stay with FieldSpec.parse (through
services.parse_values), so the browser follows the same rules as the CSV and the API.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from flask import abort
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput, EmailInput

from countries.fields import AGREEMENT_KINDS, FIELDS_BY_ENTITY, TRI_STATE, FieldSpec, spec
from countries.models import Country
from countries.search import FACT_FILTERS
from lp.auth.models import User
from lp.auth.roles import Role
from lp.extensions import db
from lp.validation import identifier, whole_number

ANY = ("", _l("All"))
NO_HOLDER = _l("None")


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class MarkRequired:
    """Flag a field as required (the asterisk and the HTML attribute) without checking it.

    The check itself is FieldSpec.parse's, so its message is the one people see.
    """

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class VersionedForm(FlaskForm):
    """A form that remembers which version of the profile it was opened on."""

    version = HiddenField()

    def expected_version(self) -> int:
        """Return the version sent back with the form; a tampered value is a bad request."""
        version = whole_number(self.version.data)
        if version is None:
            abort(400)
        return version


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


def _territory_choices() -> list[SelectChoice]:
    territories = get_locale().territories
    codes = (code for code in territories if len(code) == 2 and code.isalpha() and code != "ZZ")
    return options(
        sorted(((code, territories[code]) for code in codes), key=lambda choice: choice[1])
    )


def field_for(field_spec: FieldSpec):
    """Return an unbound WTForms field that edits one defined field as text."""
    kw: dict[str, Any] = {"label": field_spec.label, "description": field_spec.help or ""}
    if field_spec.required:
        kw["validators"] = [MarkRequired()]
    if field_spec.is_identifier:
        kw["filters"] = [identifier]  # shown again as it is stored: full-width digits folded
    render_kw: dict[str, Any] = {}
    if field_spec.max_length and field_spec.kind in ("text", "email"):
        render_kw["maxlength"] = field_spec.max_length
    if field_spec.max_length and field_spec.kind == "longtext":
        # No maxlength: the browser would cut a pasted text without a word. A live count
        # (lp/static/js/char-count.js) shows the limit; the server refuses a longer text.
        render_kw["data-max-chars"] = field_spec.max_length
    if field_spec.kind == "choice":
        return SelectField(choices=options(field_spec.choices), validate_choice=False, **kw)
    if field_spec.kind == "user":
        return SelectField(choices=_holder_choices, validate_choice=False, **kw)
    if field_spec.kind == "country":
        return SelectField(choices=_territory_choices, validate_choice=False, **kw)
    if field_spec.kind == "longtext":
        return TextAreaField(render_kw=render_kw | {"rows": 4}, **kw)
    if field_spec.kind == "int":
        # Text, not type=number: some browsers send an empty value for a typo there,
        # which would quietly clear the field instead of showing the parse error.
        render_kw["inputmode"] = "numeric"
    widget = {"date": DateInput(), "email": EmailInput()}.get(field_spec.kind)
    if widget is not None:
        kw["widget"] = widget
    return StringField(render_kw=render_kw or None, **kw)


@cache
def form_class(entity: str) -> type[VersionedForm]:
    """Return the edit form of an entity (country, agreement, mission), one field per definition."""
    fields = {field_spec.name: field_for(field_spec) for field_spec in FIELDS_BY_ENTITY[entity]}
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
