"""Reminders: one record per (subject, kind, level), acknowledged or snoozed by staff.

Of one subject and kind only the highest level that fired stays open: a higher level
closes the lower one with ``closed_reason = "superseded"`` (kept, never deleted).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import IDS_NEVER_REUSED, Model

if TYPE_CHECKING:  # only for the annotations of the relationships; the mapper resolves them by name
    from countries.models import Country, Mission
    from lp.auth.models import User
    from lp.requests.models import LpRequest


class Reminder(Model):
    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "request:<id>" or "country:<id>": one unique key for either kind of subject.
    subject: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(default=1)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("lp_requests.id"))
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"))
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("missions.id"))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    due_since: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the sweep closed it: "superseded" by a higher level, else None (no longer due).
    closed_reason: Mapped[str | None] = mapped_column(String(16))
    #: Whose reminder it is ("mine"), kept equal to the request's owner (the country's portfolio
    #: holder for a reminder about a country): the navigation counts it with one index lookup.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[LpRequest | None] = relationship()
    country: Mapped[Country] = relationship()
    mission: Mapped[Mission | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    __table_args__ = (
        UniqueConstraint("subject", "kind", "level", name="uq_reminders_subject_kind_level"),
        Index("ix_reminders_open", "closed_at", "acknowledged_at", "country_id"),
        # A request's reminders; its open ones with their levels from the index alone (the request list's
        # "highest level" of 50 requests: without the state columns SQLite read every open reminder instead).
        Index("ix_reminders_request_open", "request_id", "closed_at", "acknowledged_at", "level"),
        # My open reminders (the navigation's count, the dashboard's lines) from the index alone (migration 0019).
        Index("ix_reminders_owner_open", "owner_id", "closed_at", "acknowledged_at", "snoozed_until", "priority",
              "due_since", "id", "subject"),
        IDS_NEVER_REUSED,
    )

    def is_open_on(self, day: date) -> bool:
        """Return whether the reminder still asks for attention on ``day``."""
        if self.closed_at is not None or self.acknowledged_at is not None:
            return False
        return self.snoozed_until is None or self.snoozed_until <= day


SUPERSEDED = "superseded"


class JobRun(Model):
    """The last time each scheduled job ran to completion (to catch up once after downtime)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_result: Mapped[str] = mapped_column(Text, default="")


class NotificationPreference(Model):
    """How one person wants to hear about one kind of event: at once, in the daily summary, or not."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    #: "immediately", "daily" or "never".
    mode: Mapped[str] = mapped_column(String(16))

    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)


class Notification(Model):
    """One thing a person is told about, once: the unique key lets it through once whoever records it.

    ``occasion`` says which time it happened (the timeline event, the reminder), so the same
    kind of news about the same request can come again on a later occasion.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    #: "request:<id>": what it is about (as ``Reminder.subject``).
    subject: Mapped[str] = mapped_column(String(32))
    occasion: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("lp_requests.id"))
    #: The person's choice when it was recorded: "immediately" or "daily".
    mode: Mapped[str] = mapped_column(String(16))
    #: Who caused it, if anyone (shown in the mail).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The day of the daily summary that carried it (None: not yet, or sent on its own).
    summarised_on: Mapped[date | None] = mapped_column(Date)

    request: Mapped[LpRequest | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject", "occasion", name="uq_notifications_once"),
        Index("ix_notifications_daily", "mode", "summarised_on", "user_id"),
        Index("ix_notifications_request", "request_id"),
        IDS_NEVER_REUSED,
    )


class SweepDay(Model):
    """The day the daily reminder sweep must look at an open request again (lp.reminders.sweep).

    Kept apart from the request's row: on PostgreSQL a changed value of an indexed column
    writes the row's new version into every index of its table (lp_requests has 20), here
    into two; storing 5,000 days took 558 ms in lp_requests and 42 ms in a table of its own
    (100,000 requests). ``LpRequest.next_due_on`` stays as the mark that the request changed
    (lp.reminders.due): the sweep reads the requests marked or whose day here has come.
    """

    __tablename__ = "sweep_days"

    request_id: Mapped[int] = mapped_column(ForeignKey("lp_requests.id"), primary_key=True)
    next_due_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_sweep_days_next_due", "next_due_on"),)
