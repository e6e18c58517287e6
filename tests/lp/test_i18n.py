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


def test_a_request_switched_to_another_language_speaks_it_and_then_its_own_again(app):
    """The translations kept for a request follow force_locale (a mail in the recipient's language)."""
    from flask import render_template_string
    from flask_babel import force_locale, lazy_gettext

    from lp.web.i18n import gettext, ngettext

    label = lazy_gettext("Change password")
    template = "{{ _('Change password') }} · {{ ngettext('%(num)d day waiting', '%(num)d days waiting', 2) }}"
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert gettext("Change password") == "Wachtwoord wijzigen" == str(label)
        with force_locale("en"):
            assert gettext("Change password") == "Change password" == str(label)
            assert ngettext("%(num)d day waiting", "%(num)d days waiting", 1) == "1 day waiting"
            assert render_template_string(template) == "Change password · 2 days waiting"
        assert render_template_string(template).startswith("Wachtwoord wijzigen · 2 dagen")
        assert gettext("Change password") == "Wachtwoord wijzigen" == str(label)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dates_and_moments_read_as_babel_writes_them(app, language):
    """The request page's day() and moment() write what Flask-Babel's format_date and format_datetime write."""
    from datetime import date

    from flask_babel import force_locale, format_date, format_datetime

    from lp.requests.display import day, moment
    from lp.web.i18n import locale_for

    moments = [datetime(2026, month, 28, hour, 5, tzinfo=UTC) for month in (1, 3, 10, 12) for hour in (0, 1, 22, 23)]
    moments += [datetime(2026, 3, 29, 1, 30), datetime(2026, 10, 25, 0, 59)]  # naive: UTC, across the clock changes
    with app.test_request_context(), force_locale(locale_for(language)):
        for value in moments:
            assert moment(value) == format_datetime(value, "short")
            for style in ("short", "medium", "long"):
                assert day(value.date(), style) == format_date(value.date(), style)
        assert day(date(2026, 9, 6)) == ("6 sep 2026" if language == "nl" else "6 Sept 2026")
        assert day(None) == moment(None) == ""
