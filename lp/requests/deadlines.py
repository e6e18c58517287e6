"""The deadline engine: when a reply is due and on which day each reminder fires.

Everything time-related in the reminder policy lives here (docs/design.md, "Due dates
and reminders"), as pure functions over plain facts, so the sweep can evaluate 100,000
requests quickly and the tests can check each rule day by day. Each rule names its source.

Legal limits (never shortened, whoever the person is):

- Applicable agreement: one that was in force on the request's submission date
  (``Agreement.in_force_since`` set and not after it). A signed agreement without a date
  of entry into force applies to nothing. Source: the agreement itself (its entry-into-force
  clause); ``Agreement.source`` records the Official Journal or treaty-database reference.
- Reply due = submission + the shortest reply time limit of the applicable agreements, in
  the agreement's unit: calendar days, or working days counted out without weekends and
  Dutch public holidays (the policy's ``reply_days``, 30 calendar days, when none gives
  one) + the days the clock
  was paused. Source: the agreement's article on the time limit for replying to a
  readmission request, recorded per agreement in ``Agreement.source`` (for example the
  Benelux-Kazakhstan agreement, art. 7(3): 21 calendar days). The person's detention does
  not change it.
- Silence is consent: where an applicable agreement says that no reply within its limit
  counts as acceptance (``silence_is_acceptance`` = yes; e.g. Benelux-Kazakhstan art. 7(3)),
  the request is deemed agreed from the day after that limit (``compute_deemed_agreed``;
  paused days added). It then gets the reminder "deemed agreed: arrange the handover and
  the flight" instead of any reply-overdue level or the no-reply prompt, and staff may
  record "handover agreed" with the basis "silence", naming the agreement. Source: that
  agreement's article.

Our own escalation (internal policy, not law):

- Reply overdue: level 1 from the day after reply due, level 2 ``overdue_level2_days``
  later (note verbale), level 3 ``overdue_level3_days`` later (escalate).
- No reply ``no_reply_days`` after submission: prompt to record "no reply".
- Presentation required but none scheduled ``presentation_unscheduled_days`` after
  submission.
- A person in detention halves (rounded up) only the level 2 and 3 intervals and
  "presentation not scheduled", and the request gets priority: courts want progress.

Lead times that protect the person or the return (never shortened):

- Presentability check ``presentability_working_days`` working days (Dutch public
  holidays skipped) before a scheduled presentation.
- Book the flight: an issued LP with fewer days left than the country's flight lead time
  (``Country.flight_lead_days``, else ``LP_FLIGHT_LEAD_DAYS``, 14: 48 hours' notice to the
  country plus escort planning), until departure.
- An issued LP that expires within ``lp_expiry_days`` days with no departure recorded.
- Detention term ending: four weeks before the last day of the person's detention term
  (lp.persons.detention: start ``in_detention_since`` + the person's maximum term, else
  ``LP_DETENTION_MAX_MONTHS``, 6). Source: Return Directive 2008/115/EC (OJ L 348,
  24.12.2008, p. 98), art. 15(5): at most six months; art. 15(6): extendable by at most
  twelve months more, among others for delays in obtaining documents from the third country.
  Fires while the clock is paused too.

Other:

- A country profile (with a portfolio holder) not reviewed for ``review_days`` days.

Nothing fires for closed requests; a paused clock stops all but the detention reminder.
Each policy value comes from the defaults below, then ``LP_POLICY_<NAME>`` settings, then
the country's own ``reminder_policy``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays
from flask import current_app

from lp.requests.lifecycle import AWAITING_ANSWER

POLICY_DEFAULTS: dict[str, int] = {
    "reply_days": 30,
    "overdue_level2_days": 30,
    "overdue_level3_days": 90,
    "no_reply_days": 365,
    "presentation_unscheduled_days": 60,
    "presentability_working_days": 3,
    "lp_expiry_days": 14,
    "review_days": 365,
}


def policy(country_policy: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Return the reminder policy: defaults, then settings, then a country's overrides."""
    values = dict(POLICY_DEFAULTS)
    values["reply_days"] = current_app.config.get("LP_DEFAULT_REPLY_DAYS", values["reply_days"])
    for name in POLICY_DEFAULTS:
        configured = current_app.config.get(f"LP_POLICY_{name.upper()}")
        if configured is not None:
            values[name] = int(configured)
    for name, value in (country_policy or {}).items():
        if name in POLICY_DEFAULTS and value is not None:
            values[name] = int(value)
    return values


def scaled(days: int, in_detention: bool) -> int:
    """Return one of our own escalation intervals, halved (rounded up) for a person in detention.

    Only for our intervals: a legal limit (the embassy's reply) or a lead time that protects
    the person (presentability, LP expiry) is never shortened.
    """
    return math.ceil(days / 2) if in_detention else days


@dataclass(frozen=True)
class Terms:
    """What one agreement says about the reply to a readmission request."""

    in_force_since: date | None
    limit_days: int | None
    silence_is_consent: bool
    #: The limit counts working days (Dutch public holidays and weekends left out), not calendar days.
    working_days: bool = False

    def in_force_on(self, day: date | None) -> bool:
        """Return whether the agreement was in force on ``day`` (a signed one without a date never is)."""
        return self.in_force_since is not None and day is not None and self.in_force_since <= day

    def calendar_days(self, submitted_on: date) -> int:
        """Return the limit in calendar days from ``submitted_on`` (a working-day limit counted out)."""
        assert self.limit_days, "only applicable agreements, which give a limit, are asked"
        if not self.working_days:
            return self.limit_days
        return (working_days_after(submitted_on, self.limit_days) - submitted_on).days


def terms_of(agreements: Iterable[Any]) -> tuple[Terms, ...]:
    """Return the reply terms of a country's agreements (``countries.models.Agreement`` rows)."""
    return tuple(Terms(a.in_force_since, a.reply_time_limit_days, a.silence_is_acceptance == "yes",
                       a.reply_time_limit_unit == "working")
                 for a in agreements)


def applicable(terms: Iterable[Terms], submitted_on: date | None) -> list[Terms]:
    """Return the agreements that apply to a request: those in force on its submission date."""
    return [t for t in terms if t.in_force_on(submitted_on) and t.limit_days]


def limit_from_terms(terms: Iterable[Terms], submitted_on: date | None, fallback_days: int) -> int:
    """Return the reply limit: the shortest an applicable agreement gives, else ``fallback_days``."""
    if submitted_on is None:
        return fallback_days
    limits = [t.calendar_days(submitted_on) for t in applicable(terms, submitted_on)]
    return min(limits) if limits else fallback_days


def compute_deemed_agreed(terms: Iterable[Terms], submitted_on: date | None, status: str,
                          paused_since: date | None, paused_days: int) -> date | None:
    """Return the day silence becomes consent: the day after an applicable agreement's limit.

    None when no agreement in force on the submission date says silence is consent, when
    no longer waiting for an answer, or while the clock is paused.
    """
    if status not in AWAITING_ANSWER or submitted_on is None or paused_since is not None:
        return None
    limits = [t.calendar_days(submitted_on) for t in applicable(terms, submitted_on) if t.silence_is_consent]
    return submitted_on + timedelta(days=min(limits) + paused_days + 1) if limits else None


def deemed_agreed_on(request) -> date | None:
    """Return the day a request counts (or will count) as agreed by silence, or None."""
    return compute_deemed_agreed(terms_of(request.country.agreements), request.submitted_on, request.status,
                                 request.paused_since, request.paused_days)


def deemed_agreed_since(request, today: date) -> date | None:
    """Return since when a request is deemed agreed by silence on ``today``, or None if it is not (yet)."""
    day = deemed_agreed_on(request)
    return day if day is not None and day <= today else None


def silence_agreement(request) -> Any | None:
    """Return the agreement whose silence clause makes the request agreed, or None.

    The one whose limit runs out first in calendar days, as ``compute_deemed_agreed`` counts it (a limit
    in working days is counted out first, so 8 working days can end after 10 calendar days).
    """
    submitted_on, agreements = request.submitted_on, request.country.agreements
    candidates = [(terms.calendar_days(submitted_on), agreement)
                  for agreement, terms in zip(agreements, terms_of(agreements), strict=True)
                  if terms.silence_is_consent and applicable([terms], submitted_on)]
    return min(candidates, key=lambda pair: pair[0], default=(None, None))[1]


def reply_limit_days(country, submitted_on: date | None) -> int:
    """Return the reply time limit for a request to ``country`` submitted on ``submitted_on``."""
    return limit_from_terms(terms_of(country.agreements), submitted_on,
                            policy(country.reminder_policy)["reply_days"])


def compute_reply_due(submitted_on: date | None, status: str, paused_since: date | None, paused_days: int,
                      limit_days: int) -> date | None:
    """Return the day the answer is due, or None when not waiting or while paused."""
    if status not in AWAITING_ANSWER or submitted_on is None or paused_since is not None:
        return None
    return submitted_on + timedelta(days=limit_days + paused_days)


def reply_due_on(request) -> date | None:
    """Return the day by which the embassy should have answered a request, or None."""
    return compute_reply_due(request.submitted_on, request.status, request.paused_since,
                             request.paused_days, reply_limit_days(request.country, request.submitted_on))


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is a Dutch working day (not a weekend or public holiday)."""
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def working_days_before(day: date, count: int) -> date:
    """Return the working day that lies ``count`` working days before ``day``."""
    current = day
    while count > 0:
        current -= timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def working_days_after(day: date, count: int) -> date:
    """Return the working day that lies ``count`` working days after ``day``."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def next_working_day(day: date) -> date:
    """Return ``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class RequestFacts:
    """What the reminder rules need to know about one open request."""

    status: str
    submitted_on: date | None
    reply_due_on: date | None
    paused: bool
    in_detention: bool
    presentation_required: str
    next_presentation_on: date | None
    valid_until: date | None
    policy: Mapping[str, int]
    #: The day silence becomes consent under an applicable agreement, else None.
    deemed_agreed_on: date | None = None
    #: The day the person's detention term reminder fires (lp.persons.detention), else None.
    detention_warning_on: date | None = None
    #: Days before an issued LP expires by which the flight must be booked (see ``flight_lead_days``).
    flight_lead_days: int = 14


#: Reminder kinds, and the level numbers they use.
KINDS = ("reply_overdue", "deemed_agreed", "detention_ending", "no_reply", "presentation_not_scheduled",
         "presentability_check", "book_flight", "lp_expiring", "profile_review")


#: One reminder a request earns: (kind, level, first day, last day or None when it lasts).
Window = tuple[str, int, date, date | None]


def reminder_windows(facts: RequestFacts) -> list[Window]:
    """Return every reminder the request earns, with the days it is due: the rules, for any day.

    ``request_reminders`` (what is due on a day) and ``next_change`` (the first later day on
    which that differs) both read these windows, so the sweep and the day it next has to look
    at a request come from one definition.
    """
    found: list[Window] = []
    # The person's detention runs on whatever the request waits for, a paused clock included.
    if facts.detention_warning_on is not None:
        found.append(("detention_ending", 1, facts.detention_warning_on, None))
    if facts.paused:
        return found
    p, detained = facts.policy, facts.in_detention
    if facts.deemed_agreed_on is not None:
        # Silence is consent: the transfer is agreed, so nothing to chase at the embassy.
        found.append(("deemed_agreed", 1, facts.deemed_agreed_on, None))
    elif facts.status in AWAITING_ANSWER and facts.reply_due_on is not None:
        first = facts.reply_due_on + timedelta(days=1)
        found += [("reply_overdue", 1, first, None),
                  ("reply_overdue", 2, first + timedelta(days=scaled(p["overdue_level2_days"], detained)), None),
                  ("reply_overdue", 3, first + timedelta(days=scaled(p["overdue_level3_days"], detained)), None)]
    if facts.status in AWAITING_ANSWER and facts.submitted_on is not None and facts.deemed_agreed_on is None:
        found.append(("no_reply", 1, facts.submitted_on + timedelta(days=p["no_reply_days"]), None))
    # "submitted" means no presentation is scheduled now (also after a no-show).
    if facts.status == "submitted" and facts.presentation_required == "yes" and facts.submitted_on is not None:
        found.append(("presentation_not_scheduled", 1,
                      facts.submitted_on + timedelta(days=scaled(p["presentation_unscheduled_days"], detained)),
                      None))
    if facts.status == "presentation_scheduled" and facts.next_presentation_on is not None:
        found.append(("presentability_check", 1,
                      working_days_before(facts.next_presentation_on, p["presentability_working_days"]),
                      facts.next_presentation_on))
    if facts.status == "issued" and facts.valid_until is not None:
        found.append(("book_flight", 1, facts.valid_until - timedelta(days=facts.flight_lead_days), facts.valid_until))
        found.append(("lp_expiring", 1, facts.valid_until - timedelta(days=p["lp_expiry_days"]), facts.valid_until))
    return found


def request_reminders(facts: RequestFacts, today: date) -> list[tuple[str, int, date]]:
    """Return (kind, level, due since) for every reminder a request has earned by ``today``."""
    return [(kind, level, since) for kind, level, since, last in reminder_windows(facts)
            if since <= today and (last is None or today <= last)]


def next_change(facts: RequestFacts, today: date) -> date | None:
    """Return the first day after ``today`` on which ``request_reminders`` differs, or None if it never will.

    Until that day (the facts unchanged) the request's reminders stay as they are on ``today``:
    the sweep need not look at it before.
    """
    days = [day for _kind, _level, since, last in reminder_windows(facts)
            for day in (since, last + timedelta(days=1) if last is not None else None)
            if day is not None and day > today]
    return min(days, default=None)


def flight_lead_days(country_days: int | None) -> int:
    """Return the flight lead time: the country's own, else the setting ``LP_FLIGHT_LEAD_DAYS`` (14)."""
    return country_days if country_days is not None else int(current_app.config.get("LP_FLIGHT_LEAD_DAYS", 14))


def profile_review_due(last_reviewed_on: date | None, country_policy: Mapping[str, int], today: date) -> date | None:
    """Return since when a profile is due for review, or None if it is not."""
    if last_reviewed_on is None:
        return today
    since = last_reviewed_on + timedelta(days=country_policy["review_days"])
    return since if since <= today else None
