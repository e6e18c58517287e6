"""The access review (BIO2): every account with its role, last sign-in and second factor, and
which administrators are due for review, with each review recorded in the audit trail.

Sign-ins and reviews are read from the audit trail (``user.signed_in``, ``user.reviewed``),
which keeps them already, tamper-evident: no column of their own to drift from it.
Whether an account has a second factor is read from ``User.has_second_factor`` when the
second-factor feature provides it; without it the review shows "unknown" (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lp.auth.models import User
from lp.auth.roles import Role
from lp.auth.sessions import SIGNED_IN
from lp.core.types import utcnow
from lp.web import audit
from lp.web.audit import AuditEvent
from lp.web.extensions import db

REVIEWED = "user.reviewed"
#: An administrator's access is reviewed at least this often.
REVIEW_INTERVAL = timedelta(days=90)


@dataclass(frozen=True)
class AccountReview:
    user: User
    last_sign_in: datetime | None
    #: True or False when known; None when this installation has no second factor.
    second_factor: bool | None
    last_reviewed: datetime | None
    review_due: bool


def _latest(action: str) -> dict[int, datetime]:
    rows = db.session.execute(
        select(AuditEvent.subject_id, func.max(AuditEvent.at))
        .where(AuditEvent.subject_type == "user", AuditEvent.action == action, AuditEvent.result == audit.OK)
        .group_by(AuditEvent.subject_id))
    return {subject_id: moment for subject_id, moment in rows if subject_id is not None}


def second_factor_of(user: User) -> bool | None:
    value = getattr(user, "has_second_factor", None)
    return None if value is None else bool(value)


def access_review(now: datetime | None = None) -> list[AccountReview]:
    """Return every account for the review: administrators due first, then by name."""
    now = now or utcnow()
    signed_in, reviewed = _latest(SIGNED_IN), _latest(REVIEWED)
    rows = []
    for user in db.session.scalars(select(User).order_by(User.display_name, User.id)):
        last_reviewed = reviewed.get(user.id)
        due = user.active and user.role == Role.ADMIN.value and (
            last_reviewed is None or now - last_reviewed > REVIEW_INTERVAL)
        rows.append(AccountReview(user, signed_in.get(user.id), second_factor_of(user), last_reviewed, due))
    return sorted(rows, key=lambda row: not row.review_due)


def mark_reviewed(user: User, *, actor_id: int | None = None) -> None:
    """Record that an account's access was reviewed (and found right); commits."""
    audit.record(REVIEWED, "user", user.id, actor_id=actor_id, role=user.role, active=user.active)
    db.session.commit()
