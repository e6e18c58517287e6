"""Logging in and out, passwords, throttling, cookies and CSRF."""

import pytest

from tests.conftest import PASSWORD, csrf_token_from, post_form


def test_login_and_logout(client, auth, make_user):
    make_user("ann@example.org", role="viewer", display_name="Ann de Vries")
    response = auth.login("Ann@Example.org")
    assert response.status_code == 302
    assert "Ann de Vries" in client.get("/").get_data(as_text=True)
    response = auth.logout()
    assert response.headers["Location"].endswith("/auth/login")
    assert client.get("/").status_code == 302


def test_wrong_password_gives_clear_message_in_dutch(client, auth, make_user):
    make_user("ann@example.org")
    response = auth.login("ann@example.org", "wrong password!")
    assert response.status_code == 422
    assert "E-mailadres of wachtwoord is onjuist." in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(app, auth, make_user):
    from lp.auth import services
    from lp.web.extensions import db

    user_id = make_user("ann@example.org")
    with app.app_context():
        user = services.get_user(user_id)
        user.active = False
        db.session.commit()
    assert auth.login("ann@example.org").status_code == 422


def test_login_post_without_csrf_token_is_refused(client, make_user):
    make_user("ann@example.org")
    response = client.post("/auth/login", data={"email": "ann@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Het formulier is verlopen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_failed_logins_lock_the_account(client, auth, make_user):
    make_user("ann@example.org")
    for _ in range(5):
        assert auth.login("ann@example.org", "not the password").status_code == 422
    response = auth.login("ann@example.org")  # the right password, too late
    assert response.status_code == 422
    assert "Te veel mislukte inlogpogingen" in response.get_data(as_text=True)


def test_locked_account_opens_again_after_the_window(client, auth, make_user):
    from datetime import UTC, datetime, timedelta

    import time_machine

    make_user("ann@example.org")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            auth.login("ann@example.org", "not the password")
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert auth.login("ann@example.org").status_code == 302


@pytest.fixture
def config_overrides():
    return {"LP_LOGIN_MAX_FAILURES_PER_ADDRESS": 8}


def test_failed_logins_from_one_address_are_limited_across_accounts(client, auth, make_user):
    make_user("target@example.org")
    for n in range(8):
        auth.login(f"guess{n}@example.org", "whatever password")
    response = auth.login("target@example.org")
    assert response.status_code == 422
    assert "Te veel mislukte inlogpogingen" in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(client, make_user):
    make_user("ann@example.org")
    html = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": csrf_token_from(html)},
    )
    assert response.headers["Location"] == "/"


def test_change_password(client, auth, login_as):
    login_as("viewer")
    too_short = post_form(
        client,
        "/auth/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert too_short.status_code == 422
    assert "Gebruik minstens 12 tekens." in too_short.get_data(as_text=True)
    wrong_current = post_form(
        client,
        "/auth/password",
        {"current_password": "nope", "new_password": "a new long password", "confirm_password": "a new long password"},
    )
    assert "Het huidige wachtwoord is onjuist." in wrong_current.get_data(as_text=True)
    done = post_form(
        client,
        "/auth/password",
        {"current_password": PASSWORD, "new_password": "a new long password",
         "confirm_password": "a new long password"},
    )
    assert done.status_code == 302
    auth.logout()
    assert auth.login("viewer@example.org").status_code == 422
    assert auth.login("viewer@example.org", "a new long password").status_code == 302


def test_passwords_are_stored_hashed(app, make_user):
    from lp.auth import services

    user_id = make_user("ann@example.org")
    with app.app_context():
        stored = services.get_user(user_id).password_hash
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")


def test_session_cookie_flags_in_production(app, make_user, database_url, tmp_path):
    from lp import create_app
    from tests.conftest import base_config

    make_user("ann@example.org")
    production = create_app({**base_config(database_url, tmp_path / "i"), "SESSION_COOKIE_SECURE": True})
    client = production.test_client()
    https = {"base_url": "https://lp.example.org", "headers": {"Referer": "https://lp.example.org/auth/login"}}
    token = csrf_token_from(client.get("/auth/login", **https).get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token}, **https
    )
    assert response.status_code == 302
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" in session_cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with production.app_context():
        from lp.web.extensions import db

        db.engine.dispose()
