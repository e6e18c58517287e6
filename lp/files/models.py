"""An uploaded file on a request or a person; its bytes live on disk by content hash (lp.files.storage)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import IDS_NEVER_REUSED, Model

if TYPE_CHECKING:  # only for the annotations of the relationships; the mapper resolves them by name
    from lp.auth.models import User
    from lp.persons.models import Person
    from lp.requests.models import LpRequest, RequestEvent


class Attachment(Model):
    """One version of an uploaded file, on a request (and then its person) or on a person only.

    A new version is a new row whose ``previous_id`` names the one it replaces; the old
    row gets ``superseded_at`` and stays downloadable. A removed file keeps its row and
    bytes (``removed_at``) until the retention period has passed (``lp retention``).
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("lp_requests.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    #: The timeline event it came with (a contact: "note verbale sent" with the letter), if any.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("request_events.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Whether ClamAV scanned it before it was stored (False when no scanner is configured).
    scanned: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[LpRequest | None] = relationship()
    person: Mapped[Person] = relationship()
    event: Mapped[RequestEvent | None] = relationship()
    previous: Mapped[Attachment | None] = relationship(remote_side=[id])
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])

    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_attachments_request", "request_id", "id"),
        Index("ix_attachments_person", "person_id", "id"),
        Index("ix_attachments_sha256", "sha256"),
        Index("ix_attachments_event", "event_id"),
        IDS_NEVER_REUSED,
    )

    @property
    def is_current(self) -> bool:
        """Return whether this is the newest version and not removed."""
        return self.superseded_at is None and self.removed_at is None
