"""Sessions end on the server after 15 minutes without a request and 10 hours after sign-in.

Time is frozen and moved with time-machine; every check is a plain request, as a
browser without the warning script would make it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from lp.auth.models import UserSession
from lp.web.extensions import db
from tests.conftest import Auth, csrf_token_from, post_form

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def config_overrides():
    """The defaults, not the suite's month-long ones (tests/conftest.py)."""
    return {"LP_IDLE_TIMEOUT_MINUTES": 15, "LP_ABSOLUTE_TIMEOUT_HOURS": 10}


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_fifteen_minutes_without_a_request_end_the_session(client, login_as, clock):
    login_as("staff")
    clock.shift(timedelta(minutes=14))
    assert _signed_in(client)
    clock.shift(timedelta(minutes=14))  # 28 minutes after sign-in, 14 after the last request
    assert _signed_in(client)
    clock.shift(timedelta(minutes=15, seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "U bent uitgelogd omdat uw sessie is verlopen." in login_page
    clock.shift(timedelta(seconds=1))
    assert not _signed_in(client)  # and it stays ended


def test_the_session_ends_ten_hours_after_sign_in_however_active(client, login_as, clock):
    login_as("staff")
    for _ in range(59):
        clock.shift(timedelta(minutes=10))
        assert _signed_in(client)
    clock.shift(timedelta(minutes=10, seconds=1))  # 10 hours and a second
    assert not _signed_in(client)


def test_the_warning_asks_without_counting_as_activity_and_stay_signed_in_counts(client, login_as, clock):
    login_as("staff")
    page = client.get("/").get_data(as_text=True)
    assert 'id="session-warning"' in page and "js/session-timeout.js" in page
    clock.shift(timedelta(minutes=14))
    assert client.get("/auth/session").get_json() == {"idle": 60, "absolute": 10 * 3600 - 14 * 60}
    clock.shift(timedelta(seconds=30))
    assert client.get("/auth/session").get_json()["idle"] == 30  # asking did not move it
    stay = client.post("/auth/session", headers={"X-CSRFToken": csrf_token_from(page)})
    assert stay.get_json()["idle"] == 15 * 60
    clock.shift(timedelta(minutes=14))
    assert _signed_in(client)


def test_stay_signed_in_needs_the_csrf_token(client, login_as, clock):
    login_as("staff")
    assert client.post("/auth/session").status_code == 400


def test_sign_out_everywhere_ends_every_session_of_the_account_and_no_other(app, client, login_as, make_user,
                                                                           clock):
    from lp.web.audit import AuditEvent

    user_id = login_as("staff")
    other_browser = app.test_client()
    assert Auth(other_browser).login("staff@example.org").status_code == 302
    make_user("colleague@example.org", role="staff")
    colleague = app.test_client()
    assert Auth(colleague).login("colleague@example.org").status_code == 302

    assert "Overal uitloggen" in client.get("/auth/account").get_data(as_text=True)
    done = post_form(client, "/auth/sessions/end-all", page="/auth/account")
    assert done.status_code == 302 and done.headers["Location"] == "/auth/login"
    assert not _signed_in(client) and not _signed_in(other_browser)
    assert _signed_in(colleague)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.ended_everywhere")).one()
        assert (event.actor_id, event.subject_id) == (user_id, user_id)


def test_the_warning_works_on_the_password_page_of_a_one_time_password(app, client, runner, make_user, clock):
    """Only the password page opens then; the warning's requests must not be sent there (a loop)."""
    import re

    make_user("ann@example.org")
    one_time = re.search(r"shown once\): (\S+)",
                         runner.invoke(args=["lp", "users", "reset-password", "ann@example.org"]).output).group(1)
    assert Auth(client).login("ann@example.org", one_time).headers["Location"].endswith("/auth/password")
    page = client.get("/auth/password").get_data(as_text=True)
    assert client.get("/auth/session").get_json()["idle"] == 15 * 60
    assert client.post("/auth/session", headers={"X-CSRFToken": csrf_token_from(page)}).status_code == 200
    assert client.get("/requests/").headers["Location"].endswith("/auth/password")  # the rest stays shut


@pytest.mark.parametrize(("name", "value"), [("LP_IDLE_TIMEOUT_MINUTES", 1), ("LP_ABSOLUTE_TIMEOUT_HOURS", 0)])
def test_a_time_out_too_short_for_its_warning_stops_the_app_from_starting(database_url, tmp_path, name, value):
    from lp import create_app
    from tests.conftest import base_config

    with pytest.raises(ValueError, match=name):
        create_app({**base_config(database_url, tmp_path), name: value})


def test_activity_is_written_at_most_every_fifteen_seconds_and_never_extends_the_time_out(
        app, client, login_as, clock):
    def last_seen():
        with app.app_context():
            return db.session.scalar(select(UserSession.last_seen_at))

    login_as("staff")
    signed_in_at = last_seen()
    clock.shift(timedelta(seconds=10))
    assert _signed_in(client)
    assert last_seen() == signed_in_at  # ten seconds later: not written again
    clock.shift(timedelta(seconds=10))
    assert _signed_in(client)
    assert last_seen() == signed_in_at + timedelta(seconds=20)
    # Idle from the last request (t+20 s) for 15 minutes and a second: ended, although the
    # session row was last written then, not at a later request.
    clock.shift(timedelta(seconds=5))
    assert _signed_in(client)  # t+25 s, not written (5 s after the last write)
    clock.shift(timedelta(minutes=15) - timedelta(seconds=4))
    assert not _signed_in(client)  # 15 min after the write at t+20 s: ends early rather than late
