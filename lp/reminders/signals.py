"""What the reminders package does when another feature tells it about a change (see lp.core.signals)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from countries.models import Country
from lp.core.signals import item_removing, profile_changed, reminder_levels, request_changed, request_closed
from lp.reminders import notifications
from lp.reminders.models import Reminder
from lp.reminders.sweep import close_for_request, follow_requests_off_mission
from lp.requests.models import LpRequest, RequestEvent
from lp.requests.ownership import EVENT_KIND as REASSIGNED
from lp.requests.services import ANSWERS
from lp.web.extensions import db


def _request_closed(request: LpRequest, **_extra: Any) -> None:
    # A closed request needs no more reminders; the closing transition commits this too.
    close_for_request(request.id)


def _request_changed(request: LpRequest, *, event: RequestEvent, **_extra: Any) -> None:
    if event.kind == REASSIGNED:
        owner_id = (event.data or {}).get("owner_id")
        # The request's reminders follow it to its new owner ("mine" in the inbox and the navigation).
        db.session.execute(update(Reminder).where(Reminder.request_id == request.id).values(owner_id=owner_id))
        if owner_id is not None and owner_id != event.user_id:
            notifications.notify(owner_id, notifications.ASSIGNED, request, f"v{request.version}",
                                 actor_id=event.user_id)
    elif (event.kind == "status" and event.to_status in ANSWERS and request.owner_id is not None
          and request.owner_id != event.user_id):
        notifications.notify(request.owner_id, notifications.ANSWER, request,
                             f"v{request.version}:{event.to_status}", actor_id=event.user_id)


def _profile_changed(country: Country, **_extra: Any) -> None:
    # A reminder about the country itself (profile review) is its portfolio holder's.
    db.session.execute(update(Reminder).where(Reminder.country_id == country.id, Reminder.request_id.is_(None),
                                              Reminder.owner_id.is_distinct_from(country.portfolio_holder_id))
                       .values(owner_id=country.portfolio_holder_id))


def _levels(request_ids: list[int], **_extra: Any) -> dict[int, int]:
    # The highest level of each request's open reminders: one query for a page of requests.
    rows = db.session.execute(
        select(Reminder.request_id, func.max(Reminder.level))
        .where(Reminder.request_id.in_(request_ids), Reminder.closed_at.is_(None),
               Reminder.acknowledged_at.is_(None))
        .group_by(Reminder.request_id)).all()
    return {request_id: level for request_id, level in rows if request_id is not None}


def connect() -> None:
    """Listen to the signals the reminders package acts on (connecting twice is harmless)."""
    request_closed.connect(_request_closed)
    request_changed.connect(_request_changed)
    profile_changed.connect(_profile_changed)
    reminder_levels.connect(_levels)
    item_removing.connect(follow_requests_off_mission)
