"""The weekly digest: one mail per portfolio holder about their countries.

Overdue requests grouped by mission (with links and the date by which half of the
mission's or country's requests were answered: ``lp.requests.answer_times``),
presentations this week and LPs
expiring soon, in the holder's language, as HTML and plain text. Queued in the
outbox under the key digest:<user>:<ISO week>, so the database lets it through once
per person per week however often or wherever the job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from countries.models import Country
from lp.auth.models import User
from lp.mail import outbox
from lp.persons.models import Person
from lp.requests import deadlines, pace
from lp.requests.answer_times import ExpectedAnswer, expected_answers
from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import LpRequest
from lp.web.extensions import db
from lp.web.i18n import locale_for


@dataclass
class Digest:
    user: User
    week: str
    overdue_by_mission: list[tuple[str, list[LpRequest]]] = field(default_factory=list)
    presentations: list[LpRequest] = field(default_factory=list)
    expiring: list[LpRequest] = field(default_factory=list)
    #: The expected answer of each overdue request with enough history, by request id.
    expected: dict[int, ExpectedAnswer] = field(default_factory=dict)
    #: Detained persons whose LP is unlikely to come before their term ends.
    detention_risks: list[tuple[LpRequest, pace.DetentionRisk]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue_by_mission or self.presentations or self.expiring or self.detention_risks)


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_day(day: date) -> date:
    """Return the day the digest of ``day``'s week is due: Monday, or the next working day."""
    monday = day - timedelta(days=day.weekday())
    return deadlines.next_working_day(monday)


def is_digest_day(day: date) -> bool:
    """Return whether ``day`` is the first working day of its week."""
    return digest_day(day) == day


def build(user: User, as_of: date) -> Digest:
    """Collect what the holder's countries need this week."""
    zone = ZoneInfo(current_app.config["LP_TIMEZONE"])
    digest = Digest(user=user, week=iso_week(as_of))
    countries = select(Country.id).where(Country.portfolio_holder_id == user.id)
    base = (
        select(LpRequest)
        .where(LpRequest.country_id.in_(countries), LpRequest.is_open.is_(True))
        .options(joinedload(LpRequest.person), joinedload(LpRequest.mission), joinedload(LpRequest.country))
    )
    overdue = db.session.scalars(
        base.where(LpRequest.status.in_(AWAITING_ANSWER), LpRequest.reply_due_on < as_of)
        .order_by(LpRequest.mission_id, LpRequest.reply_due_on)
    ).all()
    digest.expected = expected_answers(overdue, as_of)
    for _mission_id, group in groupby(overdue, key=lambda r: r.mission_id):
        rows = list(group)
        mission = rows[0].mission
        name = f"{mission.name} ({rows[0].country.name(user.preferred_language or 'nl')})" if mission else _(
            "No mission recorded")
        digest.overdue_by_mission.append((name, rows))
    monday = as_of - timedelta(days=as_of.weekday())
    week_start = datetime.combine(monday, time.min, zone)
    digest.presentations = list(db.session.scalars(
        base.where(LpRequest.next_presentation_at >= week_start,
                   LpRequest.next_presentation_at < week_start + timedelta(days=7))
        .order_by(LpRequest.next_presentation_at)
    ))
    digest.expiring = list(db.session.scalars(
        base.where(LpRequest.status == "issued", LpRequest.valid_until >= as_of,
                   LpRequest.valid_until <= as_of + timedelta(days=deadlines.policy()["lp_expiry_days"]))
        .order_by(LpRequest.valid_until)
    ))
    digest.detention_risks = _detention_risks(base, as_of)
    return digest


def _detention_risks(base, as_of: date) -> list[tuple[LpRequest, pace.DetentionRisk]]:
    """Return the requests of detained persons whose LP is unlikely to come in time, soonest end first."""
    detained = db.session.scalars(
        base.join(Person, Person.id == LpRequest.person_id)
        .where(Person.in_detention_since.is_not(None), LpRequest.status.in_(pace.WAITING_FOR_LP))
        .order_by(LpRequest.id)
    ).unique().all()
    medians = pace.median_response_days_by_country({request.country_id for request in detained}, as_of)
    risks = []
    for request in detained:
        median = medians.get(request.country_id)
        risk = pace.detention_risk(request, as_of, median) if median else None
        if risk is not None:
            risks.append((request, risk))
    return sorted(risks, key=lambda pair: (pair[1].ends_on, pair[0].id))


def render(digest: Digest) -> tuple[str, str, str]:
    """Return (subject, text, html) in the holder's language."""
    base_url = current_app.config["LP_BASE_URL"].rstrip("/")
    with force_locale(locale_for(digest.user.preferred_language)):
        subject = _("LP-tracker weekly digest %(week)s", week=digest.week)
        context = {"digest": digest, "base_url": base_url, "subject": subject}
        return subject, render_template("mail/digest.txt", **context), render_template("mail/digest.html", **context)


@dataclass
class DigestResult:
    queued: int = 0
    already_sent: int = 0


def send_digests(as_of: date) -> DigestResult:
    """Queue this week's digest for every active portfolio holder (once per ISO week)."""
    result = DigestResult()
    holders = db.session.scalars(
        select(User).where(User.active.is_(True), User.id.in_(
            select(Country.portfolio_holder_id).where(Country.portfolio_holder_id.is_not(None))))
        .order_by(User.id)
    ).all()
    for user in holders:
        digest = build(user, as_of)
        subject, text, html = render(digest)
        if outbox.enqueue(f"digest:{user.id}:{digest.week}", user.email, subject, text, html, user.id):
            result.queued += 1
        else:
            result.already_sent += 1
        db.session.commit()
    return result
