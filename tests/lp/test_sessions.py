"""Sessions end on the server: logout, password change and reset, role change, deactivation.

Each test keeps the session cookie a browser had, lets the event happen, and replays
the old cookie from another client as an attacker who copied it would.
"""

from __future__ import annotations

import base64
import zlib

import pytest

from tests.conftest import PASSWORD, csrf_token_from, post_form

NEW_PASSWORD = "Lindeboom-Zomer-1987"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """GET the home page with only ``cookie``, as from another browser."""
    stranger = app.test_client()
    stranger.set_cookie("session", cookie)
    return stranger.get("/")


def _signed_in(response) -> bool:
    return response.status_code == 200


def _cookie_payload(cookie: str) -> str:
    """Decode the signed (not encrypted) session cookie as anyone holding it can."""
    compressed = cookie.startswith(".")
    data = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_logout_ends_the_session_on_the_server(app, client, login_as, auth):
    login_as("viewer")
    cookie = _cookie(client)
    assert _signed_in(_replay(app, cookie))
    auth.logout()
    replay = _replay(app, cookie)
    assert replay.status_code == 302 and "/auth/login" in replay.headers["Location"]


def test_password_change_ends_other_sessions_and_keeps_this_browser(app, client, login_as, auth):
    login_as("viewer")
    before_change = _cookie(client)
    other_browser = app.test_client()
    assert Auth_login(other_browser, "viewer@example.org").status_code == 302
    done = post_form(client, "/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                 "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in, with a new cookie
    assert _cookie(client) != before_change
    assert other_browser.get("/").status_code == 302  # the other browser is signed out
    assert _replay(app, before_change).status_code == 302  # and so is the cookie from before


def Auth_login(client, email: str, password: str = PASSWORD):
    return post_form(client, "/auth/login", {"email": email, "password": password})


def test_role_change_and_deactivation_end_the_sessions(app, client, login_as, make_user):
    login_as("admin")
    target = make_user("ann@example.org", role="staff")
    ann = app.test_client()
    assert Auth_login(ann, "ann@example.org").status_code == 302
    ann_cookie = _cookie(ann)
    page = client.get(f"/admin/users/{target}").get_data(as_text=True)
    version = page.split('name="version"')[1].split('value="')[1].split('"')[0]
    saved = client.post(f"/admin/users/{target}", data={
        "csrf_token": csrf_token_from(page), "display_name": "Ann", "role": "viewer",
        "preferred_language": "", "version": version})
    assert saved.status_code == 302
    assert _replay(app, ann_cookie).status_code == 302

    assert Auth_login(ann, "ann@example.org").status_code == 302
    ann_cookie = _cookie(ann)
    assert _signed_in(_replay(app, ann_cookie))
    post_form(client, f"/admin/users/{target}/deactivate")
    assert _replay(app, ann_cookie).status_code == 302


def test_login_starts_a_new_session_and_the_old_csrf_token_stops_working(client, make_user):
    make_user("ann@example.org")
    login_page = client.get("/auth/login").get_data(as_text=True)
    token_before = csrf_token_from(login_page)
    response = client.post("/auth/login", data={"email": "ann@example.org", "password": PASSWORD,
                                                "csrf_token": token_before})
    assert response.status_code == 302
    assert "csrf_token" not in _cookie_payload(_cookie(client))  # the pre-login secret is gone
    refused = client.post("/auth/password", data={"csrf_token": token_before, "current_password": PASSWORD,
                                                  "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert refused.status_code == 400
    assert "Het formulier is verlopen" in refused.get_data(as_text=True)


def test_language_chosen_before_login_survives_it(client, make_user):
    make_user("ann@example.org")
    client.get("/auth/login?lang=en")
    Auth_login(client, "ann@example.org")
    assert "Log out" in client.get("/").get_data(as_text=True)


@pytest.fixture
def searched(client, login_as):
    """A viewer who searched persons for a name; returns that name."""
    login_as("viewer")
    name = "Zebedeus Achterberg"
    assert post_form(client, "/persons/", {"q": name}).status_code == 302
    return name


def test_search_terms_are_not_in_the_cookie_and_end_with_the_session(app, client, auth, searched):
    assert searched not in _cookie_payload(_cookie(client))
    location = client.post("/persons/", data={
        "q": searched, "csrf_token": csrf_token_from(client.get("/persons/").get_data(as_text=True))
    }).headers["Location"]
    assert searched in client.get(location).get_data(as_text=True)  # the form shows the term again
    auth.logout()
    auth.login("viewer@example.org")
    page = client.get(location).get_data(as_text=True)
    assert searched not in page
    assert searched not in _cookie_payload(_cookie(client))


def test_twenty_long_searches_keep_the_cookie_small(client, login_as):
    login_as("viewer")
    token = csrf_token_from(client.get("/persons/").get_data(as_text=True))
    for n in range(20):
        client.post("/persons/", data={"q": f"{n:02d}" + "Achternaam " * 9, "csrf_token": token})
    assert len(_cookie(client)) < 600
    assert "Achternaam" not in _cookie_payload(_cookie(client))


def test_a_session_ends_on_the_server_after_the_session_lifetime(app, client, login_as):
    from datetime import timedelta

    import time_machine

    login_as("viewer")
    cookie = _cookie(client)
    with time_machine.travel(timedelta(days=30)):
        assert _signed_in(_replay(app, cookie))
    with time_machine.travel(app.permanent_session_lifetime + timedelta(minutes=1)):
        assert _replay(app, cookie).status_code == 302
