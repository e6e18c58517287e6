"""Errors that services raise when input breaks a rule; views turn them into messages."""

from __future__ import annotations

import re
from typing import Any

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


def search_text(raw: str | None, limit: int = 100) -> str:
    """Return what to search for: trimmed, at most ``limit`` characters, without control characters.

    Those can match nothing, and PostgreSQL refuses NUL outright.
    """
    return CONTROL_CHARACTERS.sub("", raw or "").strip()[:limit]


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
    def single(cls, field: str, message: Any) -> "ValidationFailed":
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
