"""How fast a country's embassies answer, and whether an LP can come before detention ends.

The observed time to answer is the country's median time to answer with the waiting
requests counted (Kaplan-Meier, lp.requests.answer_times, the same estimate the insights
show) over the requests submitted in the last two years; the request page and the digest
both use this one definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lp.persons import detention
from lp.requests import answer_times
from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import LpRequest

#: Below this many answers a median says too little to warn on.
MIN_ANSWERS = 3
#: Waiting for the LP: not yet submitted, or submitted and not yet answered.
WAITING_FOR_LP = AWAITING_ANSWER | {"draft"}


def median_response_days(country_id: int, today: date) -> int | None:
    """Return the country's median days to answer (waiting requests counted), or None.

    None with fewer than MIN_ANSWERS answers, and when fewer than half have been answered
    (the median is not reached: longer than any wait seen, so no date can be promised).
    """
    return median_response_days_by_country({country_id}, today).get(country_id)


def median_response_days_by_country(country_ids: Iterable[int], today: date) -> dict[int, int | None]:
    """Return ``median_response_days`` of each country, all from one query."""
    since = today - timedelta(days=answer_times.HISTORY_DAYS)
    curves = answer_times.curves("country", today, since, countries=set(country_ids))
    return {country_id: curve.median.day if curve.finished >= MIN_ANSWERS else None
            for country_id, curve in curves.items()}


@dataclass(frozen=True)
class DetentionRisk:
    """An LP that is unlikely to arrive before the person's detention term ends."""

    ends_on: date
    days_left: int
    median_days: int
    expected_on: date


def detention_risk(request: LpRequest, today: date, median_days: int | None = None) -> DetentionRisk | None:
    """Return the risk that the LP comes after the detention term ends, or None.

    The answer is expected ``median_days`` after submission (after today for a draft);
    when that lies beyond the last day of the term, the LP is unlikely to come in time.
    """
    if not request.is_open or request.status not in WAITING_FOR_LP or request.paused_since is not None:
        return None
    ends = detention.ends_on(request.person)
    if ends is None:
        return None
    if median_days is None:
        median_days = median_response_days(request.country_id, today)
    if median_days is None:
        return None
    expected = (request.submitted_on or today) + timedelta(days=median_days + request.paused_days)
    if expected <= ends:
        return None
    return DetentionRisk(ends, max(0, (ends - today).days), median_days, expected)
