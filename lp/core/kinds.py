"""The kinds of field, one object each: how a kind of value is read, written, shown, edited and described.

A FieldSpec (lp.core.fields) names its kind ("date", "choice", ...); everything that
depends on the kind asks the kind object registered here under that name, instead of
branching on the name: parsing typed text (with the translated message), the stable
text of CSV files, the history and the API, the value as people read it, the form
field that edits it, and its JSON schema in the OpenAPI document.

Kinds that offer a choice of records (accounts, countries on record) cannot read the
database from here (lp.core is the bottom layer): the feature that builds the form
hands in a choices provider, a callable returning the select options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput, DateTimeLocalInput, EmailInput

from lp.core.validation import ValidationFailed, whole_number, yes_or_no

if TYPE_CHECKING:  # only for annotations: lp.core.fields imports this module
    from lp.core.fields import FieldSpec

#: A callable returning select options; WTForms calls it each time the form is built, with
#: (form, field) if it can take two arguments, so wrap one whose parameters mean other things.
ChoicesProvider = Callable[[], list[SelectChoice]]
#: The empty option of a select that must not preselect a value.
NONE_CHOSEN = ("", "—")
YES_NO = (("yes", _l("yes")), ("no", _l("no")))
#: Text as the fields take it (lp.core.validation.CONTROL_CHARACTERS refused), in ECMA-262 regex syntax.
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
#: The largest whole number a number field takes unless its definition says (extra["max"]).
DEFAULT_MAX = 100_000


class FieldError(ValueError):
    """A value that does not fit its field; the message is translated."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def yes_no(value: bool | None) -> str:
    """Return yes or no in the UI language, or an empty string for none."""
    return "" if value is None else (_("yes") if value else _("no"))


def territory_choices() -> list[SelectChoice]:
    """Return every country and territory CLDR knows, by its name in the UI language."""
    territories = get_locale().territories
    codes = (code for code in territories if len(code) == 2 and code.isalpha() and code != "ZZ")
    return options(sorted(((code, territories[code]) for code in codes), key=lambda choice: choice[1]))


class FieldKind:
    """The rules of one kind of value; the defaults fit plain text."""

    name: ClassVar[str]
    #: Compared in its Unicode NFKC form (look-alike digits count as the same).
    identifier: ClassVar[bool] = False
    #: Free text a person typed, which may say anything about anyone (retention clears it).
    free_text: ClassVar[bool] = False
    #: Shown with its line breaks, on a line of its own.
    long: ClassVar[bool] = False
    #: Shown without wrapping in a table cell.
    nowrap: ClassVar[bool] = False
    #: The parsed value is a staff account's id; the model holds the account itself.
    account: ClassVar[bool] = False

    def parse(self, spec: FieldSpec, text: str, *, resolve_user: Callable[[str], int | None] | None) -> Any:
        """Turn non-empty, trimmed text without control characters into a value, or raise FieldError."""
        return text

    def empty_value(self, spec: FieldSpec) -> Any:
        """Return what an empty input stores."""
        return None

    def to_text(self, spec: FieldSpec, value: Any) -> str:
        """Return a value as stable text (CSV, history, API): what ``parse`` reads back."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat(timespec="minutes")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    def shown(self, spec: FieldSpec, value: Any, *, users: Mapping[str, Any] | None = None) -> str:
        """Return a value, or its stable text as history and events keep it, as people read it.

        A text stored before its field's format changed is shown as it is.
        """
        if value is None or value == "":
            return ""
        text = value if isinstance(value, str) else self.to_text(spec, value)
        try:
            return self.shown_text(spec, text)
        except ValueError:
            return text

    def shown_text(self, spec: FieldSpec, text: str) -> str:
        return text

    def form_data(self, spec: FieldSpec, value: Any) -> Any:
        """Return a value as the form field built by ``form_field`` shows it."""
        return value if isinstance(value, str) else self.to_text(spec, value)

    def form_field(self, spec: FieldSpec, kw: dict[str, Any], choices: Mapping[str, ChoicesProvider]) -> Field:
        """Return an unbound WTForms field; ``kw`` holds label, description, validators and filters."""
        render_kw = {"maxlength": spec.max_length} if spec.max_length else None
        return StringField(render_kw=render_kw, **kw)

    def json_value(self, spec: FieldSpec, value: Any) -> Any:
        """Return a value for an API answer: stable text, unset as null."""
        return None if value is None else self.to_text(spec, value)

    def json_input_error(self, value: Any) -> Any:
        """Return why a JSON value cannot be this field's input (None if it can): text or null."""
        return None if value is None or isinstance(value, str) else _l("Send text or null.")

    def json_schema(self, spec: FieldSpec) -> dict[str, Any]:
        """Describe the field's API value: empty text when unset, and no control characters."""
        schema: dict[str, Any] = {"type": "string", "pattern": TEXT_PATTERN}
        if spec.max_length:
            schema["maxLength"] = spec.max_length
        return schema


#: Every kind by the name a FieldSpec gives: the one place kinds are registered.
KINDS: dict[str, FieldKind] = {}


def register(kind_class: type[FieldKind]) -> type[FieldKind]:
    """Register one instance of a kind under its name."""
    if kind_class.name in KINDS:
        raise ValueError(f"field kind {kind_class.name!r} is registered twice")
    KINDS[kind_class.name] = kind_class()
    return kind_class


@register
class Text(FieldKind):
    name = "text"
    free_text = True

    def parse(self, spec, text, *, resolve_user):
        if spec.max_length and len(text) > spec.max_length:
            raise FieldError(_l("Use at most %(n)d characters (you entered %(entered)d).",
                                n=spec.max_length, entered=len(text)))
        return text

    def empty_value(self, spec):
        return ""


@register
class LongText(Text):
    name = "longtext"
    long = True

    def form_field(self, spec, kw, choices):
        # No maxlength: the browser would cut a pasted text without a word. A live count
        # (lp/static/js/char-count.js) shows the limit; the server refuses a longer text.
        limit = {"data-max-chars": spec.max_length} if spec.max_length else {}
        return TextAreaField(render_kw=limit | {"rows": 4}, **kw)


@register
class Email(Text):
    name = "email"
    identifier = True
    free_text = False

    def parse(self, spec, text, *, resolve_user):
        if "@" not in text or " " in text:
            raise FieldError(_l("This is not a valid email address."))
        return super().parse(spec, text, resolve_user=resolve_user)

    def form_field(self, spec, kw, choices):
        render_kw = {"maxlength": spec.max_length} if spec.max_length else None
        return StringField(widget=EmailInput(), render_kw=render_kw, **kw)


@register
class WholeNumber(FieldKind):
    name = "int"

    def parse(self, spec, text, *, resolve_user):
        if not (text.isascii() and text.isdigit()):  # "²" is a digit that int() refuses
            raise FieldError(_l("Enter a whole number of 0 or more."))
        number = whole_number(text)
        if number is None or number > spec.extra.get("max", DEFAULT_MAX):
            raise FieldError(_l("This number is too large."))
        return number

    def form_field(self, spec, kw, choices):
        # Text, not type=number: some browsers send an empty value for a typo there,
        # which would quietly clear the field instead of showing the parse error.
        return StringField(render_kw={"inputmode": "numeric"}, **kw)

    def json_value(self, spec, value):
        return value

    def json_input_error(self, value):
        # bool is an int in Python, but true is not a number of days.
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return None if value is None or isinstance(value, str) else _l("Enter a whole number of 0 or more.")

    def json_schema(self, spec):
        # "min": a lower bound the field's own rule enforces (its message says why), e.g. a term of months.
        return {"type": ["integer", "null"], "minimum": spec.extra.get("min", 0),
                "maximum": spec.extra.get("max", DEFAULT_MAX)}


@register
class Day(FieldKind):
    name = "date"
    nowrap = True

    def parse(self, spec, text, *, resolve_user):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise FieldError(_l("Enter a date as YYYY-MM-DD.")) from None

    def shown_text(self, spec, text):
        return format_date(date.fromisoformat(text), "medium")

    def form_field(self, spec, kw, choices):
        return StringField(widget=DateInput(), **kw)

    def json_schema(self, spec):
        return {"type": ["string", "null"], "format": "date"}


@register
class Moment(FieldKind):
    name = "datetime"

    def parse(self, spec, text, *, resolve_user):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise FieldError(_l("Enter a date and time as YYYY-MM-DD HH:MM.")) from None
        if moment.tzinfo is None:  # people type local time
            moment = moment.replace(tzinfo=ZoneInfo(current_app.config["LP_TIMEZONE"]))
        return moment.astimezone(UTC)

    def shown_text(self, spec, text):
        return format_datetime(datetime.fromisoformat(text), "short")

    def form_data(self, spec, value):
        if isinstance(value, datetime):  # the datetime-local input takes local time without offset
            return value.astimezone(ZoneInfo(current_app.config["LP_TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")
        return super().form_data(spec, value)

    def form_field(self, spec, kw, choices):
        return StringField(widget=DateTimeLocalInput(), **kw)

    def json_schema(self, spec):
        # Input may omit the offset (local time), so no "date-time" format.
        return {"type": ["string", "null"]}


@register
class YesNo(FieldKind):
    name = "bool"

    def parse(self, spec, text, *, resolve_user):
        try:
            return yes_or_no(text)
        except ValidationFailed as failed:
            raise FieldError(failed.errors["_"][0]) from None

    def shown_text(self, spec, text):
        return yes_no(text == "yes")

    def form_data(self, spec, value):
        if not spec.required:  # a checkbox
            return value in (True, "yes")
        return super().form_data(spec, value)

    def form_field(self, spec, kw, choices):
        if not spec.required:
            return BooleanField(**kw)
        # Required: no answer must be possible, which an unticked checkbox cannot say.
        return SelectField(choices=options([NONE_CHOSEN, *YES_NO]), validate_choice=False, **kw)

    def json_value(self, spec, value):
        return value

    def json_schema(self, spec):
        return {"type": "boolean"}


@register
class Choice(FieldKind):
    name = "choice"

    def parse(self, spec, text, *, resolve_user):
        if text not in dict(spec.choices):
            allowed = ", ".join(value for value, _label in spec.choices)
            raise FieldError(_l("Not one of the allowed values: %(allowed)s.", allowed=allowed))
        return text

    def empty_value(self, spec):
        return spec.default

    def shown_text(self, spec, text):
        return str(spec.choice_label(text))

    def form_field(self, spec, kw, choices):
        # A choice without a default starts empty, so that nobody records one by accident.
        pairs = spec.choices if spec.default is not None else (NONE_CHOSEN, *spec.choices)
        return SelectField(choices=options(pairs), validate_choice=False, **kw)

    def json_schema(self, spec):
        # An optional choice left empty ("") is unset, as the form's empty option is.
        values = [value for value, _label in spec.choices]
        return {"type": "string", "enum": values if spec.required or "" in values else [*values, ""]}


@register
class CountryCode(FieldKind):
    """An ISO 3166 alpha-2 code; the model may hold the code or a country on record (``alpha2``)."""

    name = "country"
    identifier = True

    def parse(self, spec, text, *, resolve_user):
        code = text.upper()
        if len(code) != 2 or not code.isalpha():
            raise FieldError(_l("Enter a two-letter country code."))
        return code

    def empty_value(self, spec):
        # A mission's country is NOT NULL; empty means the default (NL), not none.
        return spec.default

    def to_text(self, spec, value):
        return super().to_text(spec, getattr(value, "alpha2", value))

    def shown(self, spec, value, *, users=None):
        if value is not None and not isinstance(value, str):  # a country on record, named as it is there
            return value.name(get_locale().language)
        return super().shown(spec, value)

    def shown_text(self, spec, text):
        return get_locale().territories.get(text, text)

    def form_field(self, spec, kw, choices):
        return SelectField(choices=choices.get(self.name, territory_choices), validate_choice=False, **kw)

    def json_schema(self, spec):
        return {"type": "string", "pattern": "^[A-Z]{2}$"}


@register
class StaffAccount(FieldKind):
    """A staff account, typed as its email address; parsed to the account's id."""

    name = "user"
    account = True

    def parse(self, spec, text, *, resolve_user):
        user_id = resolve_user(text) if resolve_user else None
        if user_id is None:
            raise FieldError(_l("No staff account with this email address."))
        return user_id

    def to_text(self, spec, value):
        return "" if value is None else value.email

    def shown(self, spec, value, *, users=None):
        """Return the account's name; a stored email is named through ``users`` (accounts by email)."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            user = (users or {}).get(value)
            return (user.display_name or value) if user is not None else value
        return value.display_name or value.email

    def form_field(self, spec, kw, choices):
        if self.name not in choices:
            raise TypeError(f"{spec.name}: a user field needs a choices provider for {self.name!r}")
        return SelectField(choices=choices[self.name], validate_choice=False, **kw)

    def json_schema(self, spec):
        return {"type": ["string", "null"], "format": "email"}
