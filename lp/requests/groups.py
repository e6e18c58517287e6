"""Linked requests: the requests of the members of one family or travelling group.

A request belongs to at most one group (``RequestGroupMember.request_id`` is its key).
Linking a request to another one puts both in one group: the other's group, the
request's own, or a new one with the kind and label given. A group of one is no group:
unlinking the last but one member dissolves it. Every link and unlink is in the audit
trail; a presentation day offers to add a group's waiting requests together
(lp.presentations).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

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
    """A family or travelling group whose requests are handled together."""

    __tablename__ = "request_groups"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="family")
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[RequestGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="RequestGroupMember.request_id")


class RequestGroupMember(Model):
    """One request in a group (a request is in one group at most)."""

    __tablename__ = "request_group_members"

    request_id: Mapped[int] = mapped_column(ForeignKey("lp_requests.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("request_groups.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    group: Mapped[RequestGroup] = relationship(back_populates="members")
    request: Mapped[LpRequest] = relationship()


def group_of(request_id: int) -> RequestGroup | None:
    """Return the group the request belongs to, or None."""
    member = db.session.get(RequestGroupMember, request_id)
    return member.group if member is not None else None


def linked_requests(request: LpRequest) -> list[LpRequest]:
    """Return the other requests of the request's group (empty when it is in none), by id."""
    member = db.session.get(RequestGroupMember, request.id)
    if member is None:
        return []
    return list(db.session.scalars(
        select(LpRequest).join(RequestGroupMember, RequestGroupMember.request_id == LpRequest.id)
        .where(RequestGroupMember.group_id == member.group_id, LpRequest.id != request.id)
        .options(joinedload(LpRequest.person)).order_by(LpRequest.id)))


def group_ids_of(request_ids: list[int]) -> dict[int, int]:
    """Return {request id: group id} for the requests that are in a group (one query)."""
    if not request_ids:
        return {}
    rows = db.session.execute(select(RequestGroupMember.request_id, RequestGroupMember.group_id)
                              .where(RequestGroupMember.request_id.in_(request_ids)))
    return {row.request_id: row.group_id for row in rows}


def members_of_groups(group_ids: set[int]) -> dict[int, list[int]]:
    """Return {group id: [request ids]} (one query)."""
    if not group_ids:
        return {}
    found: dict[int, list[int]] = {}
    rows = db.session.execute(select(RequestGroupMember.group_id, RequestGroupMember.request_id)
                              .where(RequestGroupMember.group_id.in_(group_ids))
                              .order_by(RequestGroupMember.request_id))
    for group_id, request_id in rows:
        found.setdefault(group_id, []).append(request_id)
    return found


def link(request: LpRequest, raw: dict[str, Any], *, user_id: int | None) -> RequestGroup:
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
    mine, theirs = group_of(request.id), group_of(other.id)
    if mine is not None and theirs is not None:
        if mine.id == theirs.id:
            raise ValidationFailed.single("other", _l("These requests are linked already."))
        raise Conflict(_l("Both requests already belong to a group. Unlink one of them first."))
    group = mine or theirs
    if group is None:
        group = RequestGroup(kind=values["kind"] or "family", label=values["label"] or "", created_by_id=user_id)
        db.session.add(group)
        joining = [request, other]
    else:
        joining = [other] if mine is not None else [request]
    for joiner in joining:
        group.members.append(RequestGroupMember(request=joiner, added_by_id=user_id))
    db.session.flush()
    audit.record("request.linked", "request", request.id, actor_id=user_id, group=group.id, other=other.id)
    db.session.commit()
    return group


def unlink(request: LpRequest, *, user_id: int | None) -> None:
    """Take the request out of its group; a group left with one request is dissolved."""
    member = db.session.get(RequestGroupMember, request.id)
    if member is None:
        raise Conflict(_l("This request is not linked to other requests (any more)."))
    group = member.group
    group.members.remove(member)
    dissolved = len(group.members) < 2
    if dissolved:
        db.session.delete(group)
    audit.record("request.unlinked", "request", request.id, actor_id=user_id, group=group.id,
                 dissolved=dissolved)
    db.session.commit()
