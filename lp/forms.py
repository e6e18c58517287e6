"""Helpers shared by every form."""

from __future__ import annotations

from wtforms import Form

from lp.validation import ValidationFailed


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
