"""An append-only audit trail of administrative actions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import Model, db

if TYPE_CHECKING:  # only for the annotation of AuditEvent.actor; the mapper resolves it by name
    from lp.auth.models import User


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    # The view log and the right-of-access export look events up per subject.
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)


def record(
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    actor_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller commits.

    The actor is the logged-in user unless ``actor_id`` says otherwise (CLI, jobs).
    """
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    db.session.add(event)
    return event
