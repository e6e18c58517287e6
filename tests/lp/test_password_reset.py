"""Password resets: by an administrator, by "forgot password", and a one-time password from the CLI.

Mails go through the outbox to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from lp.web.extensions import db
from tests.conftest import PASSWORD, post_form

NEW_PASSWORD = "Lindeboom-Zomer-1987"
LINK = re.compile(r"https://lp\.example\.org(/auth/reset\?token=[\w-]+)\s")


@pytest.fixture
def config_overrides(mail_settings):
    return mail_settings


@pytest.fixture
def inbox(smtp_server):
    return smtp_server


def _deliver(app) -> None:
    from lp.mail.outbox import deliver_pending

    with app.app_context():
        deliver_pending()


def _link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return LINK.search(text).group(1)


def _audit(app) -> list[str]:
    from lp.web.audit import AuditEvent

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _set_password(client, path: str, password: str = NEW_PASSWORD):
    return post_form(client, path, {"new_password": password, "confirm_password": password})


def test_admin_sends_a_reset_link_that_works_once(app, client, auth, login_as, make_user, inbox, caplog):
    caplog.set_level(logging.DEBUG)
    login_as("admin")
    ann = make_user("ann@example.org", role="staff", display_name="Ann de Vries")
    ann_browser = app.test_client()
    post_form(ann_browser, "/auth/login", {"email": "ann@example.org", "password": PASSWORD})

    assert "Link voor een nieuw wachtwoord sturen" in client.get(f"/admin/users/{ann}").get_data(as_text=True)
    confirm = client.get(f"/admin/users/{ann}/reset-password")
    assert "eenmaal te gebruiken" in confirm.get_data(as_text=True)
    _deliver(app)
    assert inbox.messages == []  # nothing is sent before the confirmation
    sent = post_form(client, f"/admin/users/{ann}/reset-password")
    assert sent.status_code == 302
    _deliver(app)
    [message] = inbox.messages
    assert message["To"] == "ann@example.org"
    path = _link(message)
    token = path.split("token=")[1]

    visitor = app.test_client()
    weak = _set_password(visitor, path, "ann.devries-1234")
    assert weak.status_code == 422 and "niet uw e-mailadres of naam" in weak.get_data(as_text=True)
    assert _set_password(visitor, path).status_code == 302
    assert ann_browser.get("/").status_code == 302  # Ann's other session has ended
    assert auth.logout() and auth.login("ann@example.org").status_code == 422
    assert auth.login("ann@example.org", NEW_PASSWORD).status_code == 302

    assert "ongeldig, al gebruikt of verlopen" in visitor.get(path).get_data(as_text=True)
    resets = [action for action in _audit(app) if action.startswith("user.password_reset")]
    assert resets == ["user.password_reset_started", "user.password_reset_used"]
    from lp.auth.models import PasswordReset

    with app.app_context():
        stored = db.session.scalars(select(PasswordReset.token_hash)).all()
    assert token not in stored and len(stored) == 1
    assert not any(token in record.getMessage() for record in caplog.records)


def test_a_link_expires_after_one_hour(app, make_user, inbox):
    from lp.auth import reset, services

    make_user("ann@example.org")
    with app.test_request_context():
        reset.send_link(services.find_user_by_email("ann@example.org"), started_by=None)
    _deliver(app)
    path = _link(inbox.messages[0])
    client = app.test_client()
    assert "Nieuw wachtwoord" in client.get(path).get_data(as_text=True)
    with time_machine.travel(timedelta(minutes=61)):
        page = client.get(path).get_data(as_text=True)
        assert "ongeldig, al gebruikt of verlopen" in page and "Nieuw wachtwoord" not in page
        late = post_form(client, path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
                         page="/auth/login")
        assert "ongeldig, al gebruikt of verlopen" in late.get_data(as_text=True)
        assert post_form(client, "/auth/login", {"email": "ann@example.org", "password": PASSWORD}).status_code == 302


def test_forgot_password_says_the_same_for_known_and_unknown_addresses(app, client, make_user, inbox):
    make_user("ann@example.org")
    assert 'href="/auth/forgot"' in client.get("/auth/login").get_data(as_text=True)
    answers = []
    for address in ("nobody@example.org", "ann@example.org"):
        response = post_form(client, "/auth/forgot", {"email": address}, follow_redirects=True)
        # The form's CSRF token carries the second it was made in: two answers a second apart differ there only.
        answers.append(re.sub(r"<input[^>]*csrf_token[^>]*>", "<csrf token>", response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert "Als er een account met dit e-mailadres is" in answers[0]
    _deliver(app)
    assert [m["To"] for m in inbox.messages] == ["ann@example.org"]

    path = _link(inbox.messages[0])
    assert _set_password(client, path).status_code == 302
    assert post_form(client, "/auth/login", {"email": "ann@example.org", "password": NEW_PASSWORD}).status_code == 302


def test_forgot_password_sends_at_most_three_links_an_hour(app, client, make_user, inbox):
    make_user("ann@example.org")
    for _ in range(5):
        post_form(client, "/auth/forgot", {"email": "ann@example.org"})
    _deliver(app)
    assert len(inbox.messages) == 3


def test_cli_one_time_password_must_be_changed_at_login(app, runner, client, auth, make_user):
    make_user("ann@example.org")
    old_browser = app.test_client()
    post_form(old_browser, "/auth/login", {"email": "ann@example.org", "password": PASSWORD})

    result = runner.invoke(args=["lp", "users", "reset-password", "ann@example.org"])
    assert result.exit_code == 0, result.output
    one_time = re.search(r"shown once\): (\S+)", result.output).group(1)
    assert old_browser.get("/").status_code == 302
    assert auth.login("ann@example.org").status_code == 422  # the old password is gone

    response = auth.login("ann@example.org", one_time)
    assert response.headers["Location"].endswith("/auth/password")
    assert client.get("/requests/").headers["Location"].endswith("/auth/password")
    changed = post_form(client, "/auth/password", {"current_password": one_time, "new_password": NEW_PASSWORD,
                                                   "confirm_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert client.get("/requests/").status_code == 200
    assert "user.password_reset_started" in _audit(app)


def test_cli_reset_of_an_unknown_address(runner):
    result = runner.invoke(args=["lp", "users", "reset-password", "nobody@example.org"])
    assert result.exit_code == 1
