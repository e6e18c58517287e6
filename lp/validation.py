"""Errors that services raise when input breaks a rule; views turn them into messages."""

from __future__ import annotations

from typing import Any


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
