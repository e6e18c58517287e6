"""A mail sent again after a crash carries the same Message-ID, so the receiver can drop the repeat."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from lp.mail.models import OutboxMail
from lp.web.extensions import db

START = datetime(2026, 3, 9, 8, 0)


@pytest.fixture
def config_overrides(mail_settings):
    """The app sends to the real SMTP server (aiosmtpd, ``smtp_server``) on a free port."""
    return mail_settings


def _queue(app) -> int:
    from lp.mail import outbox

    with time_machine.travel(START, tick=False), app.app_context():
        assert outbox.enqueue("test:crash", "holder@example.org", "Digest", "text", "<p>html</p>")
        db.session.commit()
        return db.session.scalar(select(OutboxMail.id))


def _deliver(runner, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        result = runner.invoke(args=["lp", "outbox", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_mail_resent_after_a_crash_keeps_its_message_id(app, runner, smtp_server):
    mail_id = _queue(app)
    assert "1 mails delivered" in _deliver(runner, START)
    # The run died after the server had accepted the mail and before its commit: the
    # row is as the claim left it, leased and not sent.
    with app.app_context():
        db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(sent_at=None, attempts=0))
        db.session.commit()

    assert "0 mails delivered" in _deliver(runner, START + timedelta(minutes=2))  # the lease holds
    assert "1 mails delivered" in _deliver(runner, START + timedelta(minutes=6))  # the lease ended

    assert len(smtp_server.messages) == 2
    first, repeat = (message["Message-ID"] for message in smtp_server.messages)
    assert first == repeat and first.endswith("@example.org>")
    with app.app_context():
        assert db.session.get(OutboxMail, mail_id).message_id == first


def test_every_mail_has_its_own_message_id(app, runner, smtp_server):
    from lp.mail import outbox

    with time_machine.travel(START, tick=False), app.app_context():
        for n in range(3):
            outbox.enqueue(f"test:{n}", "holder@example.org", "Digest", "text", "<p>html</p>")
        db.session.commit()
    _deliver(runner, START)
    assert len({message["Message-ID"] for message in smtp_server.messages}) == 3


def test_mails_queued_before_the_migration_get_a_message_id(empty_database_url, tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from lp import create_app
    from tests.conftest import base_config

    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0008")
        db.session.execute(text(
            "INSERT INTO outbox_mails (dedupe_key, to_address, subject, body_text, body_html, created_at, attempts,"
            " last_error, next_attempt_at) VALUES ('old', 'a@example.org', 's', 't', 'h', :now, 0, '', :now)"),
            {"now": START})
        db.session.commit()
        upgrade()  # to the newest, through the migration that adds message_id
        message_id = db.session.scalar(text("SELECT message_id FROM outbox_mails"))
        db.session.remove()
        db.engine.dispose()
    assert message_id.startswith("<") and message_id.endswith(">")
