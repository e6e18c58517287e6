"""The deadline engine: when a reply is due, and (later) when each reminder fires.

Reply due = submission + the country's agreement time limit in calendar days (the
default when no agreement gives one), plus the days the clock was paused. A person
in detention halves the interval.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from flask import current_app

from lp.requests.lifecycle import AWAITING_ANSWER


def reply_limit_days(country) -> int:
    """Return the reply time limit for a country: the shortest its agreements give."""
    limits = [a.reply_time_limit_days for a in country.agreements if a.reply_time_limit_days]
    return min(limits) if limits else current_app.config["LP_DEFAULT_REPLY_DAYS"]


def scaled(days: int, in_detention: bool) -> int:
    """Return an interval, halved (rounded up) for a person in detention."""
    return math.ceil(days / 2) if in_detention else days


def reply_due_on(request) -> date | None:
    """Return the day by which the embassy should have answered, or None.

    None when the request is not waiting for an answer or its clock is paused.
    """
    if request.status not in AWAITING_ANSWER or request.submitted_on is None:
        return None
    if request.paused_since is not None:
        return None
    days = scaled(reply_limit_days(request.country), request.person.in_detention)
    return request.submitted_on + timedelta(days=days + request.paused_days)
