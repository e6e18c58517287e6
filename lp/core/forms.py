"""Helpers shared by every form: select options, defined fields as form fields, service errors on a form."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from flask import abort
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput, EmailInput

from lp.core.fields import FieldSpec
from lp.core.validation import ValidationFailed, identifier, whole_number

ANY = ("", _l("All"))


def apply_errors(form: Form, failure: ValidationFailed) -> list[str]:
    """Attach a service's field errors to the form; return the messages of no field."""
    general: list[str] = []
    for name, messages in failure.errors.items():
        field = form._fields.get(name)
        if field is None:
            general.extend(str(m) for m in messages)
        else:
            field.errors = list(field.errors) + [str(m) for m in messages]
    return general


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
    """A form that remembers which version of the record it was opened on."""

    version = HiddenField()

    def expected_version(self) -> int:
        """Return the version sent back with the form; a tampered value is a bad request."""
        version = whole_number(self.version.data)
        if version is None:
            abort(400)
        return version


def _territory_choices() -> list[SelectChoice]:
    territories = get_locale().territories
    codes = (code for code in territories if len(code) == 2 and code.isalpha() and code != "ZZ")
    return options(
        sorted(((code, territories[code]) for code in codes), key=lambda choice: choice[1])
    )


def field_for(field_spec: FieldSpec, *, user_choices: Callable[[], list[SelectChoice]] | None = None):
    """Return an unbound WTForms field that edits one defined field as text.

    A "user" field offers ``user_choices`` (the feature knows whose accounts it may name).
    """
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
        if user_choices is None:
            raise TypeError(f"{field_spec.name}: a user field needs user_choices")
        return SelectField(choices=user_choices, validate_choice=False, **kw)
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
