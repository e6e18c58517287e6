"""The field-definition engine: a field is named, labelled, parsed and shown the same everywhere.

Forms, CSV exports and imports, the API and the history read a feature's FieldSpec
definitions (the country profile's are in countries.fields, a request's in
lp.requests.lifecycle), so a rule about a field lives here once, and a rule about a
kind of value (a date, a choice, an account) once in lp.core.kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from lp.core.kinds import KINDS, FieldError, FieldKind
from lp.core.validation import CONTROL_CHARACTERS, ValidationFailed, identifier

__all__ = ["FieldError", "FieldSpec", "input_text", "parse_fields"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    #: The name of a kind registered in lp.core.kinds (text, longtext, email, int, date,
    #: datetime, bool, choice, country, user).
    kind: str
    choices: tuple[tuple[str, Any], ...] = ()
    required: bool = False
    max_length: int | None = None
    default: Any = None
    #: Attribute on the model when it differs from the name (the user field).
    attribute: str | None = None
    help: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: A number or code people compare (V-number, LP number, a reference): read in its
    #: Unicode NFKC form, so look-alike characters (full-width digits) count as the same.
    identifier: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:  # a typo in a definition fails at import, not on first use
            raise ValueError(f"{self.name}: unknown field kind {self.kind!r}")

    @property
    def field_kind(self) -> FieldKind:
        """Return the object that holds the rules of this field's kind."""
        return KINDS[self.kind]

    @property
    def is_identifier(self) -> bool:
        return self.identifier or self.field_kind.identifier

    @property
    def model_attribute(self) -> str:
        return self.attribute or self.name

    def choice_label(self, value: str | None) -> Any:
        labels: dict[str | None, Any] = dict(self.choices)
        return labels.get(value, value)

    def to_text(self, value: Any) -> str:
        """Return a value as stable text (CSV, history, API); users by email."""
        return self.field_kind.to_text(self, value)

    def text_of(self, obj: Any) -> str:
        """Return the field's current value on a model object as text."""
        return self.to_text(getattr(obj, self.name))

    def value_of(self, obj: Any) -> Any:
        """Return the field's stored value (an id for the user field)."""
        return getattr(obj, self.model_attribute)

    def shown(self, value: Any, *, users: Mapping[str, Any] | None = None) -> str:
        """Return a value, or its stable text, as people read it (``users``: accounts by email)."""
        return self.field_kind.shown(self, value, users=users)

    def form_data(self, value: Any) -> Any:
        """Return a value as this field's form field shows it."""
        return self.field_kind.form_data(self, value)

    def json_value(self, value: Any) -> Any:
        """Return a value for an API answer."""
        return self.field_kind.json_value(self, value)

    def json_schema(self) -> dict[str, Any]:
        """Describe this field's API value as a JSON schema (without description)."""
        return self.field_kind.json_schema(self)

    def parse(self, text: str | None, *, resolve_user: Callable[[str], int | None] | None = None) -> Any:
        """Turn text into a value of this field, or raise FieldError."""
        # Surrounding whitespace never carries meaning; stripping it everywhere keeps
        # what is stored identical to what an export and re-import produce.
        # A browser sends a textarea's line breaks as CRLF; store them as the export writes them.
        text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
        text = identifier(text) if self.is_identifier else text.strip()
        if CONTROL_CHARACTERS.search(text):
            # PostgreSQL refuses NUL in text, SQLite would keep it: refuse it everywhere alike.
            raise FieldError(_l("Remove the control characters (such as NUL) from this text."))
        if text == "":
            if self.required:
                raise FieldError(_l("This field is required."))
            return self.empty_value()
        return self.field_kind.parse(self, text, resolve_user=resolve_user)

    def empty_value(self) -> Any:
        """Return what an empty input stores."""
        return self.field_kind.empty_value(self)


def input_text(value: Any) -> str:
    """Return an input value (form text, JSON number or boolean, None) as field text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def parse_fields(specs: Iterable[FieldSpec], raw: Mapping[str, Any], *, partial: bool = False,
                 resolve_user: Callable[[str], int | None] | None = None,
                 check: Callable[[str, Any], Any] | None = None) -> dict[str, Any]:
    """Parse input for each field; raise ValidationFailed listing every problem at once.

    With ``partial`` only the fields present in ``raw`` are parsed (PATCH). ``check``
    gets each parsed value and may return it changed or raise FieldError.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[Any]] = {}
    for spec in specs:
        if partial and spec.name not in raw:
            continue
        try:
            value = spec.parse(input_text(raw.get(spec.name)), resolve_user=resolve_user)
            values[spec.name] = check(spec.name, value) if check else value
        except FieldError as error:
            errors[spec.name] = [error.message]
    if errors:
        raise ValidationFailed(errors)
    return values
