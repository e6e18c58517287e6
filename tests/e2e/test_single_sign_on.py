"""Single sign-on in a real browser against a real OpenID Connect provider on 127.0.0.1.

The provider is oidc-provider-mock: its own authorisation page is filled in as the user,
and its end-session page confirmed, as a person would.
"""

import re

import pytest

from tests.e2e import menu, playwright_expect
from tests.oidc_provider import PROVIDER_WARNINGS, running_provider

pytestmark = [pytest.mark.e2e, PROVIDER_WARNINGS]
expect = playwright_expect()


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test provider speaks plain HTTP on 127.0.0.1
    with running_provider() as provider:
        yield provider


@pytest.fixture
def config_overrides(provider):
    """Serve as ``make run`` does, with single sign-on to the test's provider and no password login."""
    return {"LP_ENV": "development", "SESSION_COOKIE_SECURE": False, "LP_OIDC_ISSUER": provider.url,
            "LP_OIDC_CLIENT_ID": "lp-tracker", "LP_OIDC_CLIENT_SECRET": "development-only",
            "LP_OIDC_PROVIDER_NAME": "Rijks-SSO", "LP_OIDC_ROLE_MAP": "lp-staff=staff,lp-admins=admin",
            "LP_LOCAL_LOGIN": False}


def test_sign_in_through_the_provider_and_sign_out_there_too(page, provider, live_server):
    provider.set_user("k.jansen", email="kim@example.org", name="Kim Jansen", groups=["lp-staff"])

    page.goto("/requests/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.get_by_label("Wachtwoord")).to_have_count(0)  # local login is off
    page.get_by_role("link", name="Inloggen met Rijks-SSO").click()

    expect(page).to_have_url(re.compile(re.escape(provider.url) + r"/oauth2/authorize"))
    page.get_by_placeholder("sub").fill("k.jansen")
    page.get_by_role("button", name="Authorize").click()

    # Back to the page asked for at first, signed in with the provider's name and role.
    expect(page.get_by_role("heading", name="Aanvragen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Kim Jansen")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Beheer")).to_have_count(0)  # staff, not admin

    page.get_by_role("button", name="Kim Jansen").click()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(re.escape(provider.url) + r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/auth/login"))
    expect(page.get_by_role("alert")).to_contain_text("U bent uitgelogd.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_an_admin_without_a_second_factor_is_refused_in_the_browser(page, provider):
    provider.set_user("a.admin", email="ada@example.org", name="Ada Admin", groups=["lp-admins"], amr=["pwd"])

    page.goto("/auth/login")
    page.get_by_role("link", name="Inloggen met Rijks-SSO").click()
    page.get_by_placeholder("sub").fill("a.admin")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Inloggen geweigerd")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("met twee factoren")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
