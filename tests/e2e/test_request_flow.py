"""A person and an LP request from registration to issuance, through the forms of the browser."""

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date

from tests.e2e import menu, playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def _nl(day: date) -> str:
    """Return a date as the Dutch pages show it (medium style)."""
    return format_date(day, "medium", locale="nl")


def _action(page, label: str):
    """Open one action of the request page (a <details> card) and return its form."""
    card = page.locator("details").filter(has=page.locator("summary", has_text=label))
    card.locator("summary").click()
    return card.locator("form")


def _fact(page, label: str):
    """Return the value shown beside a label in the request's facts."""
    return page.locator(f"xpath=//section[@aria-labelledby='facts-heading']//dt[normalize-space()='{label}']"
                        "/following-sibling::dd[1]")


def test_register_person_create_request_present_and_issue(page, make_user, make_country, log_in):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_country("GN", name_nl="Guinee", name_en="Guinea",
                 missions=[{"name": "Ambassade van Guinee", "city": "Den Haag"}])
    today = date.today()
    submitted, presented = today - timedelta(days=20), today - timedelta(days=6)
    issued, valid_until = today - timedelta(days=1), today + timedelta(days=30)
    log_in("kim@example.org")

    # Register the person; the V-number field has the focus, the keyboard does the rest.
    menu(page).get_by_role("link", name="Aanvragen").click()
    page.get_by_role("link", name="Vreemdeling registreren").click()
    expect(page.get_by_role("heading", name="Vreemdeling registreren")).to_be_visible()
    expect(page.get_by_label("V-nummer")).to_be_focused()
    page.keyboard.type("1234567890")
    page.keyboard.press("Tab")
    page.keyboard.type("Amadou Diallo")
    page.get_by_label("Geboortedatum").fill("1990-02-01")
    page.get_by_label("Opgegeven nationaliteit").select_option(label="Guinee")
    page.get_by_label("Bereidheid tot terugkeer").select_option(label="bereid tot terugkeer")
    page.get_by_label("Naam").press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("Vreemdeling geregistreerd.")
    expect(page.get_by_role("heading", name="Amadou Diallo")).to_contain_text("1234567890")
    expect(page.get_by_role("table", name="LP-aanvragen")).to_contain_text("Nog geen aanvragen.")

    # A new request: the country comes from the claimed nationality, the mission is the first one.
    page.get_by_role("link", name="Nieuwe aanvraag").click()
    expect(page.get_by_role("heading", name="Nieuwe aanvraag voor Amadou Diallo")).to_be_visible()
    expect(page.get_by_label("Vertegenwoordiging")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Kenmerk van de ambassade").fill("GN/2026/17")
    page.get_by_label("Al ingediend bij de ambassade").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Al ingediend bij de ambassade")).to_be_checked()
    page.get_by_label("Ingediend op").fill(submitted.isoformat())
    page.get_by_label("Verzendwijze").select_option(label="E-mail")
    page.get_by_role("button", name="Aanvraag aanmaken").click()

    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Aanvraag LP-\d{4}-\d{6} aangemaakt\."))
    reference = page.get_by_role("heading", level=1).inner_text().split()[0]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ingediend")
    expect(_fact(page, "Ingediend op")).to_have_text(_nl(submitted))
    expect(_fact(page, "Kenmerk van de ambassade")).to_have_text("GN/2026/17")
    expect(_fact(page, "Vertegenwoordiging")).to_have_text("Ambassade van Guinee")

    # Schedule the presentation at the embassy.
    form = _action(page, "Presentatie plannen")
    form.get_by_label("Datum en tijd van de presentatie").fill(f"{presented.isoformat()}T10:30")
    form.get_by_label("Plaats").fill("Ambassade, Den Haag")
    form.get_by_label("Tolk").fill("Fulani-tolk")
    form.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd: Presentatie plannen.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Presentatie gepland")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Ambassade, Den Haag")

    # It took place.
    form = _action(page, "Resultaat van de presentatie vastleggen")
    form.get_by_label("Datum").fill(presented.isoformat())
    form.get_by_label("De presentatie heeft plaatsgevonden").select_option(label="ja")
    form.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd: Resultaat van de presentatie vastleggen.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gepresenteerd")

    # A bad date is refused with a message at the field, and nothing changes.
    form = _action(page, "Afgifte LP vastleggen")
    form.get_by_label("LP-nummer").fill("GN-LP-4711")
    form.get_by_label("Afgegeven op").fill((submitted - timedelta(days=1)).isoformat())
    form.get_by_label("Geldig tot").fill(valid_until.isoformat())
    form.get_by_role("button", name="Vastleggen").click()
    form = page.locator("details[open] form")
    expect(form.get_by_label("Afgegeven op")).to_have_class(re.compile("is-invalid"))
    expect(form).to_contain_text(f"Deze datum ligt vóór de indiening ({submitted.isoformat()}).")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gepresenteerd")

    # The embassy issued the LP.
    expect(form.get_by_label("LP-nummer")).to_have_value("GN-LP-4711")  # the input was kept
    form.get_by_label("Afgegeven op").fill(issued.isoformat())
    form.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Vastgelegd: Afgifte LP vastleggen.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("LP afgegeven")
    expect(_fact(page, "LP-nummer")).to_have_text("GN-LP-4711")
    expect(_fact(page, "Afgegeven op")).to_have_text(_nl(issued))
    expect(_fact(page, "Geldig tot")).to_have_text(_nl(valid_until))
    expect(timeline.locator("h3")).to_have_count(5)  # created+submitted, scheduled, presented, issued

    # The person's page lists the request with its outcome.
    page.get_by_role("link", name="Amadou Diallo").click()
    row = page.get_by_role("table", name="LP-aanvragen").get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("LP afgegeven")
    expect(row).to_contain_text("Guinee")
