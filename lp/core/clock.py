"""The one clock every feature reads: today's date where the users are."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """Return today's date where the users are (the configured time zone)."""
    return datetime.now(ZoneInfo(current_app.config["LP_TIMEZONE"])).date()
