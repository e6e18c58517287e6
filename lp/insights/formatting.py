"""Show figures as people read them: shares as percentages, a dash for a figure that does not exist."""

from __future__ import annotations

from flask_babel import format_percent

from lp.core.survival import Estimate, Quantile

DASH = "\u2013"


def percent(value: float | None) -> str:
    """Format a share (0..1) as a percentage in the UI language, or a dash."""
    return DASH if value is None else format_percent(value)


def number(value: int | None) -> str:
    """Format a count or a number of days, or a dash."""
    return DASH if value is None else str(value)


def share_of(part: int, whole: int) -> str:
    """Format a share with the counts it is made of: "40% (2/5)", or a dash without a whole."""
    return DASH if not whole else f"{format_percent(part / whole)} ({part}/{whole})"


def curve_days(curve: Estimate | None, share: float) -> str:
    """Format the day by which ``share`` was answered: "20", "> 91" when not reached, or a dash.

    "Not reached" means longer than the longest wait observed: that is all the data says.
    """
    if curve is None or not curve.cases:
        return DASH
    day = curve.quantile(share).day
    return str(day) if day is not None else f"> {curve.longest}"


def curve_interval(curve: Estimate | None, share: float) -> str:
    """Format the 95% interval of that day: "12–40", "≥ 12" (upper end not reached), or a dash."""
    if curve is None or not curve.cases:
        return DASH
    q: Quantile = curve.quantile(share)
    if q.low is None:
        return DASH
    return f"{q.low}\u2013{q.high}" if q.high is not None else f"\u2265 {q.low}"
