"""Errors that services raise when input breaks a rule; views turn them into messages."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

#: The largest whole number an id, version or page can be (a PostgreSQL INTEGER holds no more).
MAX_INT = 2**31 - 1


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


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: an id beyond MAX_INT cannot exist, so it is a 404, not a query."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


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
