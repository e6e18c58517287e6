"""Show figures as people read them: shares as percentages, a dash for a figure that does not exist."""

from __future__ import annotations

from flask_babel import format_percent

DASH = "\u2013"


def percent(value: float | None) -> str:
    """Format a share (0..1) as a percentage in the UI language, or a dash."""
    return DASH if value is None else format_percent(value)


def number(value: int | None) -> str:
    """Format a count or a number of days, or a dash."""
    return DASH if value is None else str(value)
