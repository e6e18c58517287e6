"""The mail outbox: every mail is stored first, then delivered (and retried) from here."""

from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid, parseaddr

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import Model


def new_message_id() -> str:
    """Return a new, globally unique Message-ID on the domain of ``MAIL_FROM``."""
    address = parseaddr(current_app.config["MAIL_FROM"])[1] if has_app_context() else ""
    return make_msgid(idstring="lp", domain=address.rpartition("@")[2] or None)


class OutboxMail(Model):
    __tablename__ = "outbox_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Makes a mail unique, e.g. "digest:<user id>:<ISO year>-W<week>": enqueued once.
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: One attached file (a saved view's weekly CSV): its name ('' for none) and its text.
    attachment_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    attachment: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Made once, when queued: every attempt sends the same Message-ID, so a receiving
    #: server can drop a repeat (a run that died after the server accepted the mail).
    message_id: Mapped[str] = mapped_column(String(250), default=new_message_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A delivery run owns the mail until then, so two runs never send it both.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_mails_pending", "sent_at", "next_attempt_at"),)
