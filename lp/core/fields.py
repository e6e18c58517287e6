"""The field-definition engine: a field is named, labelled, parsed and shown the same everywhere.

Forms, CSV exports and imports, the API and the history read a feature's FieldSpec
definitions (the country profile's are in countries.fields, a request's in
lp.requests.lifecycle), so a rule about a kind of value lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Callable, Iterable, Mapping

from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from lp.core.validation import CONTROL_CHARACTERS, ValidationFailed, identifier, whole_number, yes_or_no


class FieldError(ValueError):
    """A value that does not fit its field; the message is translated."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    kind: str  # choice, text, longtext, int, date, datetime, bool, email, user, country
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

    @property
    def is_identifier(self) -> bool:
        return self.identifier or self.kind in ("email", "country")

    @property
    def model_attribute(self) -> str:
        return self.attribute or self.name

    def choice_label(self, value: str | None) -> Any:
        labels: dict[str | None, Any] = dict(self.choices)
        return labels.get(value, value)

    def to_text(self, value: Any) -> str:
        """Return a value as stable text (CSV, history, API); users by email."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat(timespec="minutes")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return "yes" if value else "no"
        if self.kind == "user":
            return value.email
        return str(value)

    def text_of(self, obj: Any) -> str:
        """Return the field's current value on a model object as text."""
        return self.to_text(getattr(obj, self.name))

    def value_of(self, obj: Any) -> Any:
        """Return the field's stored value (an id for the user field)."""
        return getattr(obj, self.model_attribute)

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
        if self.kind == "choice":
            if text not in dict(self.choices):
                allowed = ", ".join(value for value, _label in self.choices)
                raise FieldError(_l("Not one of the allowed values: %(allowed)s.", allowed=allowed))
            return text
        if self.kind == "int":
            if not (text.isascii() and text.isdigit()):  # "²" is a digit that int() refuses
                raise FieldError(_l("Enter a whole number of 0 or more."))
            number = whole_number(text)
            if number is None or number > self.extra.get("max", 100_000):
                raise FieldError(_l("This number is too large."))
            return number
        if self.kind == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise FieldError(_l("Enter a date as YYYY-MM-DD.")) from None
        if self.kind == "bool":
            try:
                return yes_or_no(text)
            except ValidationFailed as failed:
                raise FieldError(failed.errors["_"][0]) from None
        if self.kind == "datetime":
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise FieldError(_l("Enter a date and time as YYYY-MM-DD HH:MM.")) from None
            if moment.tzinfo is None:  # people type local time
                moment = moment.replace(tzinfo=ZoneInfo(current_app.config["LP_TIMEZONE"]))
            return moment.astimezone(UTC)
        if self.kind == "country":
            code = text.upper()
            if len(code) != 2 or not code.isalpha():
                raise FieldError(_l("Enter a two-letter country code."))
            return code
        if self.kind == "email" and ("@" not in text or " " in text):
            raise FieldError(_l("This is not a valid email address."))
        if self.kind == "user":
            user_id = resolve_user(text) if resolve_user else None
            if user_id is None:
                raise FieldError(_l("No staff account with this email address."))
            return user_id
        if self.max_length and len(text) > self.max_length:
            raise FieldError(_l("Use at most %(n)d characters (you entered %(entered)d).",
                                n=self.max_length, entered=len(text)))
        return text

    def empty_value(self) -> Any:
        if self.kind in ("text", "longtext", "email"):
            return ""
        if self.kind in ("choice", "country"):
            # A mission's country is NOT NULL; empty means the default (NL), not none.
            return self.default
        return None


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
