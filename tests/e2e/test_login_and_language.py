"""Logging in and out, and switching the language, in a real browser."""

import re

import pytest

from tests.e2e import menu, playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def test_log_in_with_wrong_then_right_password_and_log_out(page, make_user):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")

    page.goto("/requests/")
    expect(page).to_have_url(re.compile(r"/auth/login"))  # a page behind the login sends you there
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()

    page.get_by_label("E-mailadres").fill("kim@example.org")
    page.get_by_label("Wachtwoord").fill("not the password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord is onjuist.")

    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.keyboard.press("Enter")
    # Back to the page asked for at first, with the menu of a logged-in user.
    expect(page.get_by_role("heading", name="Aanvragen", exact=True)).to_be_visible()
    navigation = menu(page)
    expect(navigation.get_by_role("link", name="Landen")).to_be_visible()
    expect(navigation.get_by_role("link", name="Beheer")).to_have_count(0)  # staff, not admin

    page.get_by_role("button", name="Kim Jansen").click()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("U bent uitgelogd.")
    page.goto("/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def test_switch_language_to_english_and_back(page, make_user, log_in):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    log_in("kim@example.org")
    expect(page.get_by_role("heading", name="Welkom, Kim Jansen")).to_be_visible()
    menu(page).get_by_role("link", name="Aanvragen").click()
    expect(page.get_by_role("heading", name="Aanvragen", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    page.get_by_role("button", name="EN English").click()
    # The same page again, now in English; the choice is saved with the account.
    expect(page).to_have_url(re.compile(r"/requests/$"))
    expect(page.get_by_role("heading", name="Requests", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(menu(page, "en").get_by_role("link", name="Countries")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome, Kim Jansen")).to_be_visible()

    page.get_by_role("button", name="NL Nederlands").click()
    expect(page.get_by_role("heading", name="Welkom, Kim Jansen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(menu(page).get_by_role("link", name="Inzicht")).to_be_visible()


def test_choose_english_on_the_login_page(page, make_user):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    page.goto("/auth/login")
    page.get_by_role("link", name="EN English").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email address").fill("kim@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Kim Jansen")).to_be_visible()
