"""Helpers shared by every form: select options, defined fields as form fields, service errors on a form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Form, HiddenField, widgets
from wtforms.widgets import core as widget_core

from lp.core.fields import FieldSpec
from lp.core.kinds import ChoicesProvider, options
from lp.core.validation import ValidationFailed, identifier, whole_number

__all__ = ["ANY", "MarkRequired", "VersionedForm", "apply_errors", "field_for", "options"]

ANY = ("", _l("All"))


def html_params(**kwargs: Any) -> Markup:
    """Return WTForms' ``html_params``: the same attributes, in the same order, written the same way.

    WTForms writes each attribute with ``Markup.format`` (Python's string.Formatter); a request
    page's thirty fields spent a fifth of the page's time in it. Here each attribute is one
    f-string of the same escaped parts: the name escaped, the value escaped with its quotes as
    ``&quot;`` (tests/lp/core/test_forms.py compares both).
    """
    params: list[str] = []
    for key, value in sorted(kwargs.items()):
        name = str(escape(widget_core.clean_key(key)))
        if value is True:
            params.append(name)
        elif value is not False:
            text = str(escape(value)).replace('"', "&quot;")  # a value's own markup keeps its quotes apart
            params.append(f'{name}="{text}"')
    return Markup(" ".join(params))


#: WTForms' own, kept for the test that compares them.
wtforms_html_params = widget_core.html_params
# Every widget and label of WTForms writes its attributes with this one (the module's function,
# the package's name for it, and the input and button widgets' own references).
widget_core.html_params = widgets.html_params = html_params
widget_core.Input.html_params = widget_core.Button.html_params = staticmethod(html_params)


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
