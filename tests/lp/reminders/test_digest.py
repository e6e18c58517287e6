"""The weekly digest through a real SMTP server (aiosmtpd), and the outbox's retries."""

from datetime import datetime, timedelta

import pytest
import time_machine

from lp.mail.models import OutboxMail
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.smtp_server import Inbox, smtp_inbox


@pytest.fixture
def config_overrides(mail_settings):
    return mail_settings


@pytest.fixture
def portfolio(app, make_user, make_country, make_request):
    """A holder of two countries with overdue requests at two missions, one LP expiring."""
    holder = make_user("holder@example.org", role="staff", display_name="Hanna Holder", language="en")
    make_country("GN", portfolio_holder_id=holder, missions=[{"name": "Embassy of Guinea, Brussels"}])
    make_country("MA", portfolio_holder_id=holder, missions=[{"name": "Embassy of Morocco, The Hague"}])
    make_country("DZ", missions=[{"name": "Embassy of Algeria"}])  # someone else's
    ids = {
        "gn1": make_request("GN", submitted_on="2026-01-05"),
        "gn2": make_request("GN", submitted_on="2026-02-02"),
        "ma1": make_request("MA", submitted_on="2026-01-12"),
        "dz1": make_request("DZ", submitted_on="2026-01-05"),
        "ma_lp": make_request("MA", submitted_on="2026-01-05"),
    }
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, ids["ma_lp"]), "issue",
                                  {"lp_number": "MA-77", "issued_on": "2026-02-20", "valid_until": "2026-03-20"},
                                  user_id=None)
    return ids


MONDAY = datetime(2026, 3, 9, 8, 0)  # a Monday in week 11


def _send(runner, moment=MONDAY):
    with time_machine.travel(moment, tick=False):
        result = runner.invoke(args=["lp", "digest", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def _reference(app, request_id):
    with app.app_context():
        return db.session.get(LpRequest, request_id).reference


def test_digest_arrives_grouped_by_mission_in_the_holders_language(app, runner, portfolio, smtp_server):
    _send(runner)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "holder@example.org"
    assert message["Subject"] == "LP-tracker weekly digest 2026-W11"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    guinea = text.index("Embassy of Guinea, Brussels")
    morocco = text.index("Embassy of Morocco, The Hague")
    gn1, gn2, ma1 = (_reference(app, portfolio[k]) for k in ("gn1", "gn2", "ma1"))
    assert guinea < text.index(gn1) < morocco or morocco < guinea < text.index(gn1)
    section = text[guinea:morocco] if guinea < morocco else text[guinea:]
    assert gn1 in section and gn2 in section and ma1 not in section
    assert _reference(app, portfolio["dz1"]) not in text  # not this holder's country
    assert f"https://lp.example.org/requests/{portfolio['gn1']}" in html
    assert "LPs expiring soon" in text and _reference(app, portfolio["ma_lp"]) in text


def test_digest_is_sent_once_per_week(app, runner, portfolio, smtp_server):
    _send(runner)
    output = _send(runner, MONDAY + timedelta(hours=3))
    assert "0 queued, 1 already sent" in output
    assert len(smtp_server.messages) == 1
    _send(runner, MONDAY + timedelta(days=7))
    assert len(smtp_server.messages) == 2


def test_server_down_keeps_the_mail_and_delivers_it_once_when_back(app, runner, portfolio, smtp_port):
    output = _send(runner)
    assert "0 mails delivered, 1 failed" in output
    with app.app_context():
        mail = db.session.scalars(db.select(OutboxMail)).one()
        assert mail.sent_at is None and "ConnectionRefused" in mail.last_error and mail.attempts == 1
    with smtp_inbox(smtp_port) as inbox:
        with time_machine.travel(MONDAY + timedelta(seconds=30), tick=False):
            assert "0 mails delivered" in runner.invoke(args=["lp", "outbox", "deliver"]).output  # backoff
        for minutes in (5, 6):
            with time_machine.travel(MONDAY + timedelta(minutes=minutes), tick=False):
                runner.invoke(args=["lp", "outbox", "deliver"])
    assert len(inbox.messages) == 1
    with app.app_context():
        assert db.session.scalars(db.select(OutboxMail)).one().sent_at is not None


def test_refused_recipient_stays_queued_with_its_error(app, runner, portfolio, smtp_port):
    class Refusing(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 no such user"

    with smtp_inbox(smtp_port, Refusing()):
        _send(runner)
    with app.app_context():
        mail = db.session.scalars(db.select(OutboxMail)).one()
        assert mail.sent_at is None and "550" in mail.last_error


def test_without_a_mail_server_mails_become_eml_files(app, runner, portfolio, tmp_path):
    app.config["MAIL_SERVER"] = None
    _send(runner)
    files = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert b"weekly digest 2026-W11" in files[0].read_bytes()
