"""The second factor of local accounts: enrolment, the code step, recovery codes, reset by another admin.

Codes are computed with pyotp from the secret the enrolment page shows, as the
authenticator app does; time is frozen and moved by whole 30-second steps, since a
code is accepted only once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from lp.web.extensions import db
from tests.conftest import PASSWORD, csrf_token_from, post_form

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')
RECOVERY = re.compile(r"<li>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4})</li>")


@pytest.fixture
def config_overrides():
    return {"LP_MFA_REQUIRED": "admin"}


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _next_step(clock) -> None:
    clock.shift(timedelta(seconds=30))


def _enrol(client, auth, email: str) -> tuple[str, list[str]]:
    """Log in, set up the app from the enrolment page; return the secret and the recovery codes."""
    response = auth.login(email)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/mfa/setup"
    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    done = post_form(client, "/auth/mfa/setup", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = RECOVERY.findall(done.get_data(as_text=True))
    return secret, codes


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _code_step(client, code: str):
    return post_form(client, "/auth/mfa/code", {"code": code})


def test_an_admin_must_enrol_at_sign_in_and_is_not_signed_in_before(client, auth, make_user, clock):
    make_user("boss@example.org", role="admin")
    response = auth.login("boss@example.org")
    assert response.headers["Location"] == "/auth/mfa/setup"
    assert not _signed_in(client)  # a correct password alone opens nothing
    assert client.get("/admin/users").status_code == 302

    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, rendered by the app
    assert "Tweede factor instellen" in page
    secret = SECRET.search(page).group(1).replace(" ", "")
    assert client.get("/auth/mfa/setup").get_data(as_text=True).count(SECRET.search(page).group(1)) == 1  # kept

    wrong = post_form(client, "/auth/mfa/setup", {"code": "000000"})
    assert wrong.status_code == 422 and not _signed_in(client)
    done = post_form(client, "/auth/mfa/setup", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert len(set(RECOVERY.findall(done.get_data(as_text=True)))) == 10
    assert _signed_in(client)
    assert client.get("/admin/users").status_code == 200


def test_the_secret_is_stored_encrypted_and_the_recovery_codes_hashed(app, client, auth, make_user, clock):
    from lp.auth.models import RecoveryCode, User

    user_id = make_user("boss@example.org", role="admin")
    secret, codes = _enrol(client, auth, "boss@example.org")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.totp_secret and secret not in user.totp_secret
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored)

    from lp.auth import sealing

    with app.app_context():  # what a copy of the database is worth without the SECRET_KEY
        app.config["SECRET_KEY"] = "another-secret-key-of-enough-length-1234"
        with pytest.raises(sealing.Unreadable):
            sealing.unseal(db.session.get(User, user_id).totp_secret)


def test_sign_in_with_a_code_which_works_only_once(app, client, auth, make_user, clock):
    make_user("boss@example.org", role="admin")
    secret, _codes = _enrol(client, auth, "boss@example.org")
    auth.logout()
    _next_step(clock)

    response = auth.login("boss@example.org")
    assert response.headers["Location"] == "/auth/mfa/code"
    assert not _signed_in(client)
    wrong = _code_step(client, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    assert wrong.status_code == 422 and "Deze code is niet juist" in wrong.get_data(as_text=True)
    code = pyotp.TOTP(secret).now()
    right = _code_step(client, code)
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert _signed_in(client)

    auth.logout()
    auth.login("boss@example.org")
    assert _code_step(client, code).status_code == 422  # the same code again: refused
    assert not _signed_in(client)


def test_a_recovery_code_works_once(app, client, auth, make_user, clock):
    from lp.web.audit import AuditEvent

    make_user("boss@example.org", role="admin")
    _secret, codes = _enrol(client, auth, "boss@example.org")
    auth.logout()

    auth.login("boss@example.org")
    used = _code_step(client, codes[3].upper().replace("-", " "))  # as typed from paper
    assert used.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and "nog 9 over" in home.get_data(as_text=True)

    auth.logout()
    auth.login("boss@example.org")
    again = _code_step(client, codes[3])
    assert again.status_code == 422 and not _signed_in(client)
    assert _code_step(client, codes[4]).status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("mfa.recovery_code_used") == 2 and "mfa.enrolled" in actions


def test_the_code_step_waits_ten_minutes_for_the_code(client, auth, make_user, clock):
    make_user("boss@example.org", role="admin")
    secret, _codes = _enrol(client, auth, "boss@example.org")
    auth.logout()
    auth.login("boss@example.org")
    page = client.get("/auth/mfa/code").get_data(as_text=True)
    clock.shift(timedelta(minutes=11))
    late = client.post("/auth/mfa/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token_from(page)})
    assert late.status_code == 302 and late.headers["Location"] == "/auth/login"
    assert not _signed_in(client)


def test_wrong_codes_count_towards_the_login_lock(client, auth, make_user, clock):
    make_user("boss@example.org", role="admin")
    secret, _codes = _enrol(client, auth, "boss@example.org")
    auth.logout()
    auth.login("boss@example.org")
    for _ in range(5):
        _code_step(client, "000000")
    locked = _code_step(client, pyotp.TOTP(secret).now())
    assert locked.status_code == 422 and "Te veel mislukte inlogpogingen" in locked.get_data(as_text=True)


def test_staff_sign_in_without_a_code_when_only_admins_need_one(client, auth, make_user):
    make_user("kim@example.org", role="staff")
    response = auth.login("kim@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize(("rule", "role", "asked"), [
    ("all", "viewer", True), ("admin", "admin", True), ("admin", "staff", False), ("off", "admin", False)])
def test_who_must_enrol(app, client, auth, make_user, rule, role, asked):
    app.config["LP_MFA_REQUIRED"] = rule
    make_user("someone@example.org", role=role)
    location = auth.login("someone@example.org").headers["Location"]
    assert (location == "/auth/mfa/setup") is asked


def test_a_factor_set_up_by_choice_is_asked_for_also_when_not_required(app, client, auth, make_user, clock):
    app.config["LP_MFA_REQUIRED"] = "off"
    make_user("kim@example.org", role="staff")
    auth.login("kim@example.org")
    account = client.get("/auth/account").get_data(as_text=True)
    assert "Tweede factor instellen" in account
    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    assert post_form(client, "/auth/mfa/setup", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    auth.logout()
    _next_step(clock)
    assert auth.login("kim@example.org").headers["Location"] == "/auth/mfa/code"


def test_another_admin_resets_a_lost_factor_audited_but_nobody_their_own(app, client, auth, make_user, clock):
    from lp.auth.models import RecoveryCode, User
    from lp.web.audit import AuditEvent

    boss = make_user("boss@example.org", role="admin")
    _enrol(client, auth, "boss@example.org")
    mine = client.get(f"/admin/users/{boss}").get_data(as_text=True)
    assert "reset-second-factor" not in mine
    refused = post_form(client, f"/admin/users/{boss}/reset-second-factor")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(User, boss).has_second_factor

    lost = make_user("ann@example.org", role="admin")
    ann = app.test_client()
    from tests.conftest import Auth

    _next_step(clock)
    _enrol(ann, Auth(ann), "ann@example.org")
    assert ann.get("/").status_code == 200
    assert "reset-second-factor" in client.get(f"/admin/users/{lost}").get_data(as_text=True)
    done = post_form(client, f"/admin/users/{lost}/reset-second-factor")
    assert done.status_code == 302
    assert ann.get("/").status_code == 302  # her sessions ended with it
    with app.app_context():
        user = db.session.get(User, lost)
        assert not user.has_second_factor and user.totp_secret is None
        assert not db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == lost)).all()
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa.reset")).one()
        assert (event.actor_id, event.subject_id) == (boss, lost)
    assert Auth(ann).login("ann@example.org").headers["Location"] == "/auth/mfa/setup"  # enrols anew


def test_an_unknown_rule_stops_the_app_from_starting(database_url, tmp_path):
    from lp import create_app
    from tests.conftest import base_config

    with pytest.raises(ValueError, match="LP_MFA_REQUIRED"):
        create_app({**base_config(database_url, tmp_path), "LP_MFA_REQUIRED": "admins"})


def test_password_login_of_accounts_without_a_factor_is_unchanged(client, auth, make_user):
    make_user("kim@example.org", role="viewer")
    assert auth.login("kim@example.org", PASSWORD).headers["Location"] == "/"
    assert _signed_in(client)


def test_new_recovery_codes_replace_the_old_ones_after_a_code_of_the_app(app, client, auth, make_user, clock):
    from lp.web.audit import AuditEvent

    make_user("boss@example.org", role="admin")
    secret, old = _enrol(client, auth, "boss@example.org")
    account = client.get("/auth/account").get_data(as_text=True)
    assert 'href="/auth/mfa/recovery-codes"' in account
    _next_step(clock)
    # A recovery code is not enough to make new ones, nor a wrong code: nothing changes.
    refused = post_form(client, "/auth/mfa/recovery-codes", {"code": old[0]})
    assert refused.status_code == 422 and "niet juist" in refused.get_data(as_text=True)
    done = post_form(client, "/auth/mfa/recovery-codes", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    new = RECOVERY.findall(done.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert "de oude werken niet meer" in done.get_data(as_text=True)
    # The same app code again (a replay) is refused.
    assert post_form(client, "/auth/mfa/recovery-codes", {"code": pyotp.TOTP(secret).now()}).status_code == 422
    auth.logout()

    auth.login("boss@example.org")
    assert _code_step(client, old[1]).status_code == 422 and not _signed_in(client)
    assert _code_step(client, new[1]).status_code == 302 and _signed_in(client)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("mfa.recovery_codes_renewed") == 1
