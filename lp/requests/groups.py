"""Linked requests: the requests of the members of one family or travelling group.

A request belongs to at most one group (``LpRequest.group_id``).
Linking a request to another one puts both in one group: the other's group, the
request's own, or a new one with the kind and label given. A group of one is no group:
unlinking the last but one member dissolves it. Every link and unlink is in the audit
trail; a presentation day offers to add a group's waiting requests together
(lp.presentations).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from lp.core.fields import FieldSpec, parse_fields
from lp.core.types import UTCDateTime, utcnow
from lp.core.validation import Conflict, ValidationFailed, identifier
from lp.requests.models import LpRequest
from lp.web import audit
from lp.web.extensions import IDS_NEVER_REUSED, Model, db

GROUP_KINDS = (
    ("family", _l("Family")),
    ("travel_group", _l("Travelling group")),
)
GROUP_FIELDS = {
    spec.name: spec
    for spec in (
        FieldSpec("other", _l("Our reference of the other request"), "text", required=True, max_length=20,
                  identifier=True, help=_l("For example LP-2026-000123.")),
        FieldSpec("kind", _l("Kind of group"), "choice", GROUP_KINDS, default="family"),
        FieldSpec("label", _l("Label of the group"), "text", max_length=80,
                  help=_l("A short label for colleagues, e.g. “family 3 (2026)”; no names needed.")),
    )
}


class RequestGroup(Model):
    """A family or travelling group whose requests are handled together (``LpRequest.group_id``)."""

    __tablename__ = "request_groups"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="family")
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def group_of(request: LpRequest) -> RequestGroup | None:
    """Return the group the request belongs to, or None (no query for a request in no group)."""
    return db.session.get(RequestGroup, request.group_id) if request.group_id is not None else None


def _members(group_id: int) -> list[LpRequest]:
    return list(db.session.scalars(select(LpRequest).where(LpRequest.group_id == group_id)
                                   .options(joinedload(LpRequest.person)).order_by(LpRequest.id)))


def linked_requests(request: LpRequest) -> list[LpRequest]:
    """Return the other requests of the request's group (empty when it is in none), by id."""
    if request.group_id is None:
        return []
    return [other for other in _members(request.group_id) if other.id != request.id]


def group_ids_of(request_ids: list[int]) -> dict[int, int]:
    """Return {request id: group id} for the requests that are in a group (one query)."""
    if not request_ids:
        return {}
    rows = db.session.execute(select(LpRequest.id, LpRequest.group_id)
                              .where(LpRequest.id.in_(request_ids), LpRequest.group_id.is_not(None)))
    return {row.id: row.group_id for row in rows}


def members_of_groups(group_ids: set[int]) -> dict[int, list[int]]:
    """Return {group id: [request ids]} (one query)."""
    if not group_ids:
        return {}
    found: dict[int, list[int]] = {}
    rows = db.session.execute(select(LpRequest.group_id, LpRequest.id)
                              .where(LpRequest.group_id.in_(group_ids)).order_by(LpRequest.id))
    for row in rows:
        if row.group_id is not None:
            found.setdefault(row.group_id, []).append(row.id)
    return found


def link(request: LpRequest, raw: dict[str, Any], *, user_id: int | None) -> int:
    """Link ``request`` with the request whose reference ``raw["other"]`` gives; or raise and change nothing."""
    values = parse_fields(GROUP_FIELDS.values(), raw)
    reference = identifier(values["other"]).upper()
    other = db.session.scalar(select(LpRequest).where(LpRequest.reference == reference))
    if other is None:
        raise ValidationFailed.single("other", _l("No request has this reference."))
    if other.id == request.id:
        raise ValidationFailed.single("other", _l("A request cannot be linked with itself."))
    if other.person_id == request.person_id:
        raise ValidationFailed.single("other", _l("Both requests are for the same person: link the requests "
                                                  "of different members of the family or group."))
    mine, theirs = request.group_id, other.group_id
    if mine is not None and theirs is not None:
        if mine == theirs:
            raise ValidationFailed.single("other", _l("These requests are linked already."))
        raise Conflict(_l("Both requests already belong to a group. Unlink one of them first."))
    group_id = mine or theirs
    if group_id is None:
        group = RequestGroup(kind=values["kind"] or "family", label=values["label"] or "", created_by_id=user_id,
                             created_at=utcnow())
        db.session.add(group)
        db.session.flush()
        group_id = group.id
    with _saving():
        request.group_id = other.group_id = group_id
        audit.record("request.linked", "request", request.id, actor_id=user_id, group=group_id, other=other.id)
    return group_id


def unlink(request: LpRequest, *, user_id: int | None) -> None:
    """Take the request out of its group; a group left with one request is dissolved."""
    group_id = request.group_id
    if group_id is None:
        raise Conflict(_l("This request is not linked to other requests (any more)."))
    rest = [other for other in _members(group_id) if other.id != request.id]
    dissolved = len(rest) < 2
    with _saving():
        for leaving in [request, *rest] if dissolved else [request]:
            leaving.group_id = None
        if dissolved:
            db.session.flush()  # the requests let go of the group first
            db.session.execute(delete(RequestGroup).where(RequestGroup.id == group_id))
        audit.record("request.unlinked", "request", request.id, actor_id=user_id, group=group_id,
                     dissolved=dissolved)


@contextmanager
def _saving() -> Iterator[None]:
    """Run the changes and commit; a request changed meanwhile by someone else refuses the whole step."""
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_l("Someone else changed one of these requests meanwhile. Nothing was saved; "
                          "reload and try again.")) from None
