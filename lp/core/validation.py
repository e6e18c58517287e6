"""Errors that services raise when input breaks a rule; views turn them into messages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

#: The largest whole number an id, version or page can be (a PostgreSQL INTEGER holds no more).
MAX_INT = 2**31 - 1
#: Characters no input may hold: control characters other than tab and line ends.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def whole_number(text: str | None, *, minimum: int = 0) -> int | None:
    """Return ``text`` as a whole number from ``minimum`` to MAX_INT, or None when it is not one.

    ``str.isdigit`` alone lets through digits ``int`` refuses ("²") and numbers no
    column holds (10**30), which then fail deep inside a query as a server error.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_INT)):
        return None
    number = int(text)
    return number if minimum <= number <= MAX_INT else None


#: Every way a form or an API client says yes or no. WTForms' checkbox sends "y".
YES_WORDS = frozenset({"1", "y", "yes", "true", "on", "ja"})
NO_WORDS = frozenset({"0", "n", "no", "false", "off", "nee"})


def yes_or_no(raw: str | bool | None, *, name: str = "_", default: bool = False) -> bool:
    """Return the yes/no a form or an API client sent; raise ValidationFailed for anything else.

    The one parser of booleans in query strings, forms and CSV cells: an empty or missing
    value is ``default``; a value that is neither yes nor no is refused, never read as no.
    """
    if isinstance(raw, bool):
        return raw
    text = identifier(raw).lower()
    if not text:
        return default
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise ValidationFailed.single(name, _l("Choose yes or no."))


def flag(args: Mapping[str, str], name: str, errors: dict[str, list[Any]], *, default: bool = False) -> bool:
    """Return the yes/no under ``name`` in query or form arguments, adding a refusal to ``errors``."""
    try:
        return yes_or_no(args.get(name), name=name, default=default)
    except ValidationFailed as failed:
        errors.update(failed.errors)
        return default


def identifier(raw: str | None) -> str:
    """Return what a person typed as an identifier, as it is compared: Unicode NFKC, trimmed.

    NFKC folds look-alikes onto their plain form: full-width digits "１２３" become
    "123", a non-breaking space a space. So one V-number, reference, e-mail address or
    country code is stored, found and checked for uniqueness in one form only.
    """
    return unicodedata.normalize("NFKC", raw or "").strip()


def search_text(raw: str | None, limit: int = 100) -> str:
    """Return what to search for: NFKC, trimmed, at most ``limit`` characters, without control characters.

    Those can match nothing, and PostgreSQL refuses NUL outright.
    """
    return CONTROL_CHARACTERS.sub("", identifier(raw)).strip()[:limit]


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: an id beyond MAX_INT cannot exist, so it is a 404, not a failing query."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_INT:
            # Not ValidationError (the ``max`` argument): Werkzeug then answers 405
            # instead of 404 when other methods serve the same path.
            raise NotFound()
        return number


class ValidationFailed(Exception):
    """Input was refused; ``errors`` maps a field name (or ``"_"``) to messages."""

    def __init__(self, errors: dict[str, list[Any]]):
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: Any) -> ValidationFailed:
        return cls({field: [message]})

    def as_json(self) -> dict[str, list[str]]:
        return {field: [str(m) for m in messages] for field, messages in self.errors.items()}


class Conflict(Exception):
    """Someone else changed the record since it was read; nothing was saved."""

    def __init__(self, message: Any, changes: list[Any] | None = None):
        super().__init__(str(message))
        self.message = message
        #: What the other party changed, for showing to the user (entries are the
        #: owning package's history records).
        self.changes = changes or []


class InUse(Exception):
    """A record cannot be removed: other records still use it; nothing was changed."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message
