"""Each user's iCalendar feed of presentations and presentability checks, by secret URL.

Calendar programs cannot log in, so ``GET /calendar/<token>.ics`` is public and the
secret token in the URL is the credential. Only its SHA-256 is stored
(``User.calendar_token_hash``); regenerating replaces it and revoking clears it.
An unknown or revoked token, or a deactivated account, gets 404.

The feed lists, for the requests of the user's cases (the person's case officer) and
of the countries in the user's portfolio, every scheduled presentation and, as an
all-day event, its presentability check (the working day the reminder rules give); and
the presentation days (lp.presentations) at missions of those countries or with those cases.
Calendars end up on phones: events name only the request's reference, the country
and the mission, never the person's name or V-number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from countries.models import Country, Mission
from lp.auth.models import User
from lp.core.types import utcnow
from lp.insights.ical import Event, calendar
from lp.persons.models import Person
from lp.presentations.models import PresentationDay, PresentationItem
from lp.requests import deadlines
from lp.requests.models import LpRequest, RequestEvent
from lp.web.access import public
from lp.web.extensions import db
from lp.web.i18n import locale_for

bp = Blueprint("calendar", __name__)

#: At most this many presentations in one feed (a bound, not a expected number).
FEED_LIMIT = 500
UID_DOMAIN = "lp-tracker"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> str:
    """Give the user a new feed token (the old URL stops working); return it, shown once."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = _hash(token)
    db.session.commit()
    return token


def revoke_token(user: User) -> None:
    """Stop the user's feed: its URL gives 404 from now on."""
    user.calendar_token_hash = None
    db.session.commit()


def user_for_token(token: str) -> User | None:
    """Return the active user whose feed token this is, or None."""
    if not token or len(token) > 100:
        return None
    digest = _hash(token)
    user = db.session.scalar(select(User).where(User.calendar_token_hash == digest))
    if user is None or not user.active or not hmac.compare_digest(user.calendar_token_hash or "", digest):
        return None
    return user


def _places(request_ids: list[int]) -> dict[int, str]:
    """Return the place of the latest scheduled presentation of each request (one query)."""
    if not request_ids:
        return {}
    events = db.session.execute(
        select(RequestEvent.request_id, RequestEvent.data)
        .where(RequestEvent.request_id.in_(request_ids), RequestEvent.kind == "status",
               RequestEvent.to_status == "presentation_scheduled")
        .order_by(RequestEvent.id)
    )
    return {request_id: (data or {}).get("place", "") for request_id, data in events}


def feed_events(user: User) -> list[Event]:
    """Return the presentations of the user's cases and countries, and their checks (2 queries)."""
    name = Country.name_en if (user.preferred_language or "nl") == "en" else Country.name_nl
    rows = list(db.session.execute(
        select(LpRequest.id, LpRequest.reference, LpRequest.next_presentation_at, name.label("country"),
               Country.reminder_policy, Mission.name.label("mission"))
        .join(Person, Person.id == LpRequest.person_id)
        .join(Country, Country.id == LpRequest.country_id)
        .outerjoin(Mission, Mission.id == LpRequest.mission_id)
        .where(LpRequest.next_presentation_at.is_not(None), LpRequest.is_open.is_(True),
               or_(Person.case_officer_id == user.id, Country.portfolio_holder_id == user.id))
        .order_by(LpRequest.next_presentation_at, LpRequest.id)
        .limit(FEED_LIMIT)
    ))
    places = _places([row.id for row in rows])
    zone = ZoneInfo(current_app.config["LP_TIMEZONE"])
    events = []
    for row in rows:
        moment = row.next_presentation_at
        where = f"{row.country}, {row.mission}" if row.mission else row.country
        link = url_for("requests.show", request_id=row.id, _external=True)
        events.append(Event(
            uid=f"presentation-{row.id}-{moment:%Y%m%dT%H%M}@{UID_DOMAIN}",
            start=moment,
            summary=_("Presentation %(reference)s (%(country)s)", reference=row.reference, country=row.country),
            location=places.get(row.id, ""),
            description=_("Presentation in person for LP request %(reference)s (%(where)s).",
                          reference=row.reference, where=where),
            url=link,
        ))
        check = presentability_check(moment.astimezone(zone).date(), row.reminder_policy)
        events.append(Event(
            uid=f"check-{row.id}-{moment:%Y%m%dT%H%M}@{UID_DOMAIN}",
            start=check,
            summary=_("Presentability check %(reference)s (%(country)s)",
                      reference=row.reference, country=row.country),
            description=_("Check that the person can be presented on %(date)s for LP request %(reference)s.",
                          date=moment.astimezone(zone).date().isoformat(), reference=row.reference),
            url=link,
        ))
    return events + day_events(user)


#: Presentation days this far back stay in the feed (their results may still need recording).
DAYS_BACK = 30


def day_events(user: User) -> list[Event]:
    """Return the presentation days at missions of the user's countries or with the user's cases (2 queries).

    A day names its mission, place, interpreter, transport and the references on it; no person.
    """
    since = utcnow() - timedelta(days=DAYS_BACK)
    mine = (select(PresentationItem.day_id).join(LpRequest, LpRequest.id == PresentationItem.request_id)
            .join(Person, Person.id == LpRequest.person_id).where(Person.case_officer_id == user.id))
    days = list(db.session.scalars(
        select(PresentationDay).join(Mission, Mission.id == PresentationDay.mission_id)
        .join(Country, Country.id == Mission.country_id)
        .where(PresentationDay.starts_at >= since,
               or_(Country.portfolio_holder_id == user.id, PresentationDay.id.in_(mine)))
        .options(joinedload(PresentationDay.mission))
        .order_by(PresentationDay.starts_at, PresentationDay.id).limit(FEED_LIMIT)))
    references: dict[int, list[str]] = {}
    if days:
        rows = db.session.execute(
            select(PresentationItem.day_id, LpRequest.reference)
            .join(LpRequest, LpRequest.id == PresentationItem.request_id)
            .where(PresentationItem.day_id.in_([day.id for day in days])).order_by(PresentationItem.id))
        for day_id, reference in rows:
            references.setdefault(day_id, []).append(reference or "")
    events = []
    for day in days:
        on_day = references.get(day.id, [])
        lines = [_("Presentation day at %(mission)s: %(count)d persons.", mission=day.mission.name, count=len(on_day))]
        if day.interpreter:
            lines.append(_("Interpreter: %(interpreter)s", interpreter=day.interpreter))
        if day.transport_by or day.detention_centre:
            lines.append(_("Transport: %(by)s, from %(centre)s", by=day.transport_by or "–",
                           centre=day.detention_centre or "–"))
        if on_day:
            lines.append(_("Requests: %(references)s", references=", ".join(on_day)))
        events.append(Event(
            uid=f"presentation-day-{day.id}@{UID_DOMAIN}",
            start=day.starts_at,
            end=day.starts_at + timedelta(hours=DAY_HOURS),
            summary=_("Presentation day %(mission)s (%(count)d)", mission=day.mission.name, count=len(on_day)),
            location=day.place,
            description="\n".join(lines),
            url=url_for("presentations.show", day_id=day.id, _external=True),
        ))
    return events


#: How long a presentation day blocks the calendar.
DAY_HOURS = 4


def presentability_check(presentation_on: date, country_policy) -> date:
    """Return the day of the presentability check, as the reminder rules compute it (never shortened)."""
    days = deadlines.policy(country_policy)["presentability_working_days"]
    return deadlines.working_days_before(presentation_on, days)


@bp.get("/calendar/<token>.ics")
@public
def feed(token: str):
    """Serve a user's feed; 404 unless the token is the current one of an active account."""
    user = user_for_token(token)
    if user is None:
        abort(404)
    with force_locale(locale_for(user.preferred_language)):
        body = calendar(_("LP-tracker: presentations"), feed_events(user), utcnow())
    return Response(body, mimetype="text/calendar", headers={
        "Cache-Control": "private, no-store",
        "Content-Disposition": 'inline; filename="lp-tracker.ics"',
    })
