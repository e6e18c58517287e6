"""Queue mails in the outbox and deliver them by SMTP, or as .eml files without a server.

A mail that cannot be sent (server down, recipient refused) stays queued with its
error and is retried with exponential backoff. Each delivery run claims a mail
with a lease before sending, so two runs never send the same mail. A run that dies
after the server accepted a mail but before recording it as sent leaves it to be
sent again once the lease ends: with the same Message-ID (made once, when queued),
so the receiving side can recognise the repeat. Without ``MAIL_SERVER`` the mail is
written to ``instance/outbox/<Message-ID>.eml`` (readable by the owner only), and
the repeat overwrites the same file.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from sqlalchemy import or_, select, update

from lp.core.chunks import chunks
from lp.core.types import utcnow
from lp.mail.models import OutboxMail, new_message_id
from lp.web.database import insert_unless_present, rows_changed
from lp.web.extensions import db
from lp.web.files import make_private_directory, write_private

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


class Mail(NamedTuple):
    """A mail to queue (``enqueue_many``); ``attachment`` is (file name, CSV text)."""

    dedupe_key: str
    to_address: str
    subject: str
    text: str
    html: str
    recipient_id: int | None = None
    attachment: tuple[str, str] | None = None


def enqueue(dedupe_key: str, to_address: str, subject: str, text: str, html: str,
            recipient_id: int | None = None, attachment: tuple[str, str] | None = None) -> bool:
    """Queue a mail unless one with the same key exists; return whether it was queued.

    The caller commits. The unique key makes this safe across processes.
    """
    return bool(enqueue_many([Mail(dedupe_key, to_address, subject, text, html, recipient_id, attachment)]))


#: Mails per INSERT of ``enqueue_many``.
BATCH = 500


def enqueue_many(mails: Sequence[Mail]) -> set[str]:
    """Queue the mails whose key is not there yet, in a few multi-row INSERTs; return the keys queued.

    The caller commits. The unique key on ``dedupe_key`` makes this safe across processes.
    """
    now = utcnow()
    rows = [{"dedupe_key": mail.dedupe_key, "to_address": mail.to_address, "subject": mail.subject,
             "body_text": mail.text, "body_html": mail.html, "recipient_id": mail.recipient_id, "created_at": now,
             "attempts": 0, "last_error": "", "next_attempt_at": now, "message_id": new_message_id(),
             "attachment_name": mail.attachment[0] if mail.attachment else "",
             "attachment": mail.attachment[1] if mail.attachment else ""} for mail in mails]
    statement = insert_unless_present(OutboxMail, ["dedupe_key"]).returning(OutboxMail.dedupe_key)
    queued: set[str] = set()
    for batch in chunks(rows, BATCH):
        queued.update(row.dedupe_key for row in db.session.execute(statement, batch))
    return queued


def build_message(mail: OutboxMail) -> EmailMessage:
    """Return the mail as a MIME message with a plain-text and an HTML part."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    if mail.attachment_name:
        message.add_attachment(mail.attachment, subtype="csv", charset="utf-8", filename=mail.attachment_name)
    return message


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0


def _claim(mail_id: int) -> bool:
    now = utcnow()
    claimed = rows_changed(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
               or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
        .values(claimed_until=now + LEASE)
    )
    db.session.commit()
    return claimed == 1


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** attempts), MAX_BACKOFF)


def _send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        outbox = Path(current_app.instance_path) / "outbox"
        make_private_directory(outbox)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        write_private(outbox / f"{name}.eml", bytes(message))
        return
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=20)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            smtp.close()


def deliver_pending(limit: int = 200) -> DeliveryResult:
    """Send the queued mails that are due; record errors and schedule retries."""
    result = DeliveryResult()
    due = list(db.session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= utcnow())
        .order_by(OutboxMail.id).limit(limit)
    ))
    for mail_id in due:
        if not _claim(mail_id):
            continue  # another run has it
        mail = db.session.get_one(OutboxMail, mail_id)  # claimed just now, so it is there
        try:
            _send(build_message(mail))
        except (OSError, smtplib.SMTPException) as error:
            mail.attempts += 1
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            mail.next_attempt_at = utcnow() + _backoff(mail.attempts)
            mail.claimed_until = None
            result.failed += 1
            log.warning("mail %s not sent (attempt %s): %s", mail.id, mail.attempts, type(error).__name__)
        else:
            mail.sent_at = utcnow()
            mail.attempts += 1
            mail.last_error = ""
            result.sent += 1
        db.session.commit()
    return result
