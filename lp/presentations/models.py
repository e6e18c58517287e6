"""A presentation day at a mission, and the requests presented on it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.requests.models import LpRequest
from lp.web.extensions import IDS_NEVER_REUSED, Model

if TYPE_CHECKING:  # only for the annotations of the relationships; the mapper resolves them by name
    from countries.models import Mission


class PresentationDay(Model):
    """One day (and time) on which a mission receives several persons for their presentation."""

    __tablename__ = "presentation_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    interpreter: Mapped[str] = mapped_column(String(120), default="")
    #: Who brings the persons (transport and escort), and from which detention centre.
    transport_by: Mapped[str] = mapped_column(String(200), default="")
    detention_centre: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    mission: Mapped[Mission] = relationship()
    items: Mapped[list[PresentationItem]] = relationship(back_populates="day", order_by="PresentationItem.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_presentation_days_starts_at", "starts_at"),
                      Index("ix_presentation_days_mission", "mission_id", "starts_at"), IDS_NEVER_REUSED)


class PresentationItem(Model):
    """One request presented on a day, and its result once recorded (held, no-show, postponed)."""

    __tablename__ = "presentation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("presentation_days.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("lp_requests.id"), index=True)
    #: None until recorded; then held, no_show or postponed.
    result: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    day: Mapped[PresentationDay] = relationship(back_populates="items")
    request: Mapped[LpRequest] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("day_id", "request_id", name="uq_presentation_items_day_request"),
                      IDS_NEVER_REUSED)
