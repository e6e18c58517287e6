"""Saved views: a filter set of a list under a name, private or shared, optionally mailed weekly as CSV."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import IDS_NEVER_REUSED, Model

if TYPE_CHECKING:  # only for the annotation of the relationship; the mapper resolves it by name
    from lp.auth.models import User


class SavedView(Model):
    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    #: Which list: "requests", "reminders" or "countries" (lp.saved.lists.LISTS).
    list_name: Mapped[str] = mapped_column(String(16))
    #: The list's filters as validated query arguments (text), validated again whenever used.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Mail the view's rows as CSV to its owner once a week.
    weekly_csv: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_saved_views_owner", "owner_id"),
        Index("ix_saved_views_shared", "shared"),
        IDS_NEVER_REUSED,
    )
