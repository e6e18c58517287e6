"""Dutch first, English fully: language choice, catalogs, dates and time zone."""

from datetime import UTC, datetime

import pytest

from lp import catalogs
from tests.conftest import post_form


def test_dutch_by_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="nl"' in page and "Inloggen" in page


def test_browser_language_is_followed(client):
    page = client.get("/auth/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page
    page = client.get("/auth/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert 'lang="nl"' in page


def test_visitor_switches_language_on_the_login_page(client):
    client.get("/auth/login?lang=en")
    assert "Email address" in client.get("/auth/login").get_data(as_text=True)


def test_saved_preference_beats_the_browser_and_the_switch_saves_it(client, login_as):
    login_as("viewer")
    nl_browser = {"Accept-Language": "nl"}
    response = post_form(client, "/auth/language", {"language": "en", "next": "/auth/password"}, page="/")
    assert response.headers["Location"] == "/auth/password"
    page = client.get("/", headers=nl_browser).get_data(as_text=True)
    assert "Change password" in page and 'lang="en"' in page
    post_form(client, "/auth/language", {"language": "nl", "next": "/"}, page="/")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wachtwoord wijzigen" in page


def test_unknown_language_is_refused_and_changes_nothing(client, login_as):
    login_as("viewer")
    response = post_form(client, "/auth/language", {"language": "xx"}, page="/", follow_redirects=True)
    assert "Onbekende taal." in response.get_data(as_text=True)


@pytest.mark.parametrize("locale", catalogs.LOCALES)
def test_catalog_is_complete(locale):
    """Fails when a string in code or templates is missing, untranslated or fuzzy."""
    assert catalogs.problems(locale) == []


def test_times_are_shown_in_amsterdam_time_per_locale(app):
    from flask_babel import force_locale, format_datetime

    moment = datetime(2026, 7, 1, 10, 30, tzinfo=UTC)  # 12:30 in Amsterdam (summer time)
    with app.test_request_context():
        with force_locale("nl"):
            dutch = format_datetime(moment, "medium")
        with force_locale("en"):
            english = format_datetime(moment, "medium")
    assert "12:30" in dutch and "jul" in dutch
    assert "12:30" in english and "Jul" in english
