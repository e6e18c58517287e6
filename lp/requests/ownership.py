"""Who owns a request: the default owner, and reassigning it (from the request page, the API, bulk work).

``reassign`` is one transaction per request: it checks, records the change on the timeline
("assigned to X") and in the audit trail, and commits; or it raises ``Conflict`` /
``ValidationFailed`` with the reason and changes nothing. The reminders package hears of
the change through ``lp.core.signals.request_changed`` (an event of kind ``owner``): it
moves the request's reminders to the new owner and tells the new owner.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.validation import Conflict, ValidationFailed
from lp.requests import services
from lp.requests.models import LpRequest, RequestEvent
from lp.web import audit
from lp.web.extensions import db

#: The timeline event of a reassignment.
EVENT_KIND = "owner"


def name_of(user: User | None) -> str:
    """Return how a person is named on the timeline and in lists (an empty string for nobody)."""
    return (user.display_name or user.email) if user is not None else ""


def may_own(user: User | None) -> bool:
    """Return whether ``user`` can own requests: an active staff (or admin) account."""
    return user is not None and user.active and user.may(Role.STAFF)


def reassign(request: LpRequest, new_owner: User | None, actor: User | None, *,
             expected_version: int | None = None, note: str = "") -> RequestEvent:
    """Make ``new_owner`` the owner of ``request`` in a transaction of its own, and commit.

    Raise ``ValidationFailed`` (field ``owner``) when ``new_owner`` cannot own requests or
    owns it already, and ``Conflict`` when the request is closed or changed since
    ``expected_version``; then nothing is changed.
    """
    actor_id = actor.id if actor is not None else None
    if not may_own(new_owner):
        raise ValidationFailed.single("owner", _l("Choose an active staff member as the owner."))
    assert new_owner is not None  # may_own says so
    if expected_version is not None and request.version != expected_version:
        raise services._stale()
    if not request.is_open:
        raise Conflict(_l("This request is closed: its owner no longer changes."))
    if request.owner_id == new_owner.id:
        raise ValidationFailed.single("owner", _l("%(name)s already owns this request.", name=name_of(new_owner)))
    previous = request.owner
    data: dict[str, Any] = {"owner": [name_of(previous), name_of(new_owner)],
                            "owner_id": new_owner.id, "previous_owner_id": previous.id if previous else None}
    request.owner = new_owner
    flag_modified(request, "owner_id")  # the version moves on: a form opened before is refused
    try:
        db.session.flush()  # the version check of the database, before anyone acts on the change
    except StaleDataError:
        db.session.rollback()
        raise services._stale() from None
    event = services._record(request, EVENT_KIND, user_id=actor_id, note=note, data=data)
    audit.record("request.reassigned", "request", request.id, actor_id=actor_id, owner_id=new_owner.id,
                 previous_owner_id=data["previous_owner_id"])
    services._commit()
    return event


def find_owner(user_id: int | None) -> User | None:
    """Return the account with ``user_id`` (None for none)."""
    return db.session.get(User, user_id) if user_id is not None else None
