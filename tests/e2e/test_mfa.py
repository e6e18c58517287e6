"""The second factor and the time-out warning in the browser, as a person meets them.

An administrator signs in for the first time: enrolment (QR code, the key typed
into "the app", here pyotp), recovery codes shown once; the next sign-ins ask for a
code, and a recovery code works once. Then the warning a minute before the idle
time-out, and "stay signed in".
"""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import update

from lp.web.extensions import db
from tests.conftest import PASSWORD
from tests.e2e import playwright_expect
from tests.e2e.conftest import log_in_through_form

pytestmark = pytest.mark.e2e
expect = playwright_expect()


@pytest.fixture
def config_overrides():
    return {"LP_ENV": "development", "SESSION_COOKIE_SECURE": False, "LP_MFA_REQUIRED": "admin",
            "LP_IDLE_TIMEOUT_MINUTES": 15, "LP_ABSOLUTE_TIMEOUT_HOURS": 10}


def _password_step(page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def _log_out(page) -> None:
    page.get_by_role("button", name="Ada Admin").click()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def _code_step(page, code: str) -> None:
    expect(page.get_by_role("heading", name="Tweede stap: code")).to_be_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Bevestigen").click()


def _enrol(page) -> tuple[pyotp.TOTP, list[str]]:
    """Set up the second factor on the page shown after the password; return "the app" and the codes shown."""
    expect(page.get_by_role("heading", name="Tweede factor instellen")).to_be_visible()
    qr = page.get_by_role("img", name="QR-code voor de authenticator-app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG rendered (CSP allows it)
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)  # the authenticator app, with the key typed in
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_text("Deze code is niet juist.")).to_be_visible()
    page.get_by_label("Code").fill(app.now())
    page.get_by_role("button", name="Bevestigen").click()

    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    codes = page.get_by_role("list", name="Herstelcodes").get_by_role("listitem").all_inner_texts()
    assert len(set(codes)) == 10
    page.get_by_role("link", name="Ik heb ze bewaard: verder").click()
    return app, codes


def test_enrol_at_first_sign_in_then_codes_and_a_recovery_code_once(page, make_user, console):
    make_user("ada@example.org", role="admin", display_name="Ada Admin")
    _password_step(page, "ada@example.org")
    app, codes = _enrol(page)
    expect(page.get_by_role("heading", name="Welkom, Ada Admin")).to_be_visible()
    _log_out(page)

    _password_step(page, "ada@example.org")  # the next sign-in asks for the code
    _code_step(page, app.at(time.time() + 30))  # the next code: each is accepted once
    expect(page.get_by_role("heading", name="Welkom, Ada Admin")).to_be_visible()
    _log_out(page)

    _password_step(page, "ada@example.org")  # phone lost: a recovery code, from paper
    _code_step(page, codes[0])
    expect(page.get_by_role("heading", name="Welkom, Ada Admin")).to_be_visible()
    expect(page.get_by_text("er zijn er nog 9 over")).to_be_visible()
    _log_out(page)

    _password_step(page, "ada@example.org")
    _code_step(page, codes[0])  # used already
    expect(page.get_by_text("Deze code is niet juist, of is al gebruikt.")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    # Chromium reports each refused code's 422 answer; nothing else may appear.
    assert [error for error in console.errors if "status of 422" not in error] == []


def test_new_recovery_codes_from_the_account_page_replace_the_old_ones(page, make_user, console):
    make_user("ada@example.org", role="admin", display_name="Ada Admin")
    _password_step(page, "ada@example.org")
    app, old = _enrol(page)
    page.goto("/auth/account")
    expect(page.get_by_text("Herstelcodes over: 10.")).to_be_visible()
    page.get_by_role("link", name="Nieuwe herstelcodes").click()
    expect(page.get_by_role("heading", name="Nieuwe herstelcodes")).to_be_visible()
    page.get_by_label("Code").fill(old[0])  # a recovery code does not make new ones
    page.get_by_role("button", name="Nieuwe herstelcodes maken").click()
    expect(page.get_by_text("Deze code is niet juist, of is al gebruikt.")).to_be_visible()
    page.get_by_label("Code").fill(app.at(time.time() + 30))  # the app's next code
    page.get_by_role("button", name="Nieuwe herstelcodes maken").click()
    expect(page.get_by_text("Er zijn nieuwe herstelcodes gemaakt; de oude werken niet meer.")).to_be_visible()
    new = page.get_by_role("list", name="Herstelcodes").get_by_role("listitem").all_inner_texts()
    assert len(set(new)) == 10 and not set(new) & set(old)
    page.get_by_role("link", name="Ik heb ze bewaard: verder").click()
    expect(page.get_by_role("heading", name="Uw account")).to_be_visible()
    page.goto("/")  # the account page has "sign out everywhere" too
    _log_out(page)

    _password_step(page, "ada@example.org")
    _code_step(page, old[1])  # an old code no longer works
    expect(page.get_by_text("Deze code is niet juist, of is al gebruikt.")).to_be_visible()
    _code_step(page, new[1])
    expect(page.get_by_role("heading", name="Welkom, Ada Admin")).to_be_visible()
    assert [error for error in console.errors if "status of 422" not in error] == []


def test_accounts_without_a_second_factor_log_in_as_before(page, make_user, console):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    log_in_through_form(page, "kim@example.org")
    expect(page.get_by_role("heading", name="Welkom, Kim Jansen")).to_be_visible()
    assert console.errors == []


def test_a_minute_before_the_idle_time_out_a_warning_offers_to_stay_signed_in(app, page, make_user, console):
    from lp.auth.models import UserSession
    from lp.core.types import utcnow

    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    page.clock.install()  # the page's timers; the server keeps real time
    log_in_through_form(page, "kim@example.org")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()

    with app.app_context():  # 14½ minutes pass without a request (the server's side of it)
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=14, seconds=30)))
        db.session.commit()
    page.clock.fast_forward(14 * 60 * 1000)  # the page's side: its check comes a minute before the end
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("U wordt over een minuut uitgelogd")

    warning.get_by_role("button", name="Ingelogd blijven").click()
    expect(warning).to_be_hidden()
    with app.app_context():
        last_seen = db.session.scalar(db.select(UserSession.last_seen_at))
    assert utcnow() - last_seen < timedelta(seconds=30)  # the session was kept alive on the server
    assert console.errors == []
