"""Forgot the password: "Wachtwoord vergeten?" → mail (real SMTP server) → link → new password → log in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e import playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()
NEW_PASSWORD = "Lindeboom-Zomer-1987"


@pytest.fixture
def config_overrides(mail_settings):
    return {"LP_ENV": "development", "SESSION_COOKIE_SECURE": False, **mail_settings}


@pytest.fixture
def inbox(smtp_server):
    return smtp_server


def test_forgot_password_mail_link_new_password_and_log_in(app, page, make_user, inbox, console):
    from lp.mail.outbox import deliver_pending

    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    page.goto("/auth/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", name="Wachtwoord vergeten?")).to_be_visible()
    page.get_by_label("E-mailadres").fill("kim@example.org")
    page.get_by_role("button", name="Link versturen").click()
    expect(page.get_by_role("alert")).to_contain_text("Als er een account met dit e-mailadres is")

    with app.app_context():
        deliver_pending()  # what the scheduler's outbox job does every minute
    [message] = inbox.messages
    assert message["To"] == "kim@example.org"
    link = re.search(r"(\S+/auth/reset\?token=\S+)", message.get_body(("plain",)).get_content()).group(1)
    target = urlsplit(link)
    page.goto(f"{target.path}?{target.query}")

    expect(page.get_by_role("heading", name="Kies een nieuw wachtwoord")).to_be_visible()
    page.get_by_label("Nieuw wachtwoord").fill("kimjansen-2026")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("kimjansen-2026")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Het wachtwoord mag niet uw e-mailadres of naam bevatten.")).to_be_visible()
    page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Je nieuwe wachtwoord is ingesteld.")

    page.get_by_label("E-mailadres").fill("kim@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Welkom, Kim Jansen")).to_be_visible()

    page.goto(f"{target.path}?{target.query}")  # the link worked once
    expect(page.get_by_text("Deze link is ongeldig, al gebruikt of verlopen.")).to_be_visible()
    # The refused password (422) is logged as a failed load; nothing else.
    assert [error for error in console.errors if "Failed to load resource" not in error] == []
