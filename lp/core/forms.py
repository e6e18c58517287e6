"""Helpers shared by every form: select options, defined fields as form fields, service errors on a form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField

from lp.core.fields import FieldSpec
from lp.core.kinds import ChoicesProvider, options
from lp.core.validation import ValidationFailed, identifier, whole_number

__all__ = ["ANY", "MarkRequired", "VersionedForm", "apply_errors", "field_for", "options"]

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


def field_for(field_spec: FieldSpec, *, choices: Mapping[str, ChoicesProvider] | None = None):
    """Return an unbound WTForms field that edits one defined field as text.

    Its kind (lp.core.kinds) decides which field. A kind that offers records (a "user"
    field's accounts; countries on record instead of every territory) takes its options
    from ``choices``, by kind name: the feature knows which records it may offer.
    """
    kw: dict[str, Any] = {"label": field_spec.label, "description": field_spec.help or ""}
    if field_spec.required:
        kw["validators"] = [MarkRequired()]
    if field_spec.is_identifier:
        kw["filters"] = [identifier]  # shown again as it is stored: full-width digits folded
    return field_spec.field_kind.form_field(field_spec, kw, choices or {})
