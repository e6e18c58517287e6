"""A reminder letter is recorded only after a confirmation naming the count, and undone the same day."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e import menu, playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def test_the_letter_asks_to_confirm_the_count_and_can_be_undone(page, runner, make_user, make_country,
                                                                 make_person, make_request, log_in):
    """Defect 10 of issue 11: "Brief verzonden" recorded a note verbale on 8 requests in one click."""
    me = make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_country("GN", name_nl="Guinee", name_en="Guinea", portfolio_holder_id=me, last_reviewed_on=date.today(),
                 missions=[{"name": "Ambassade van Guinee", "city": "Den Haag", "correspondence_language": "fr"}])
    submitted = date.today() - timedelta(days=40)  # reply overdue: level 1
    for name in ("Amadou Diallo", "Fatou Bah", "Ibrahima Sow"):
        make_request("GN", person_id=make_person(name=name, nationality="GN"), submitted_on=submitted)
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    log_in("kim@example.org")

    menu(page).get_by_role("link", name=re.compile("^Herinneringen")).click()
    expect(page.get_by_role("status")).to_have_text("3 herinneringen")
    page.get_by_role("link", name="Herinneringsbrieven").click()
    page.get_by_role("link", name="Ambassade van Guinee").click()
    expect(page.locator("address.letter-addressee")).to_contain_text("Ambassade de Guinée")

    page.get_by_role("button", name="Bevestigen dat de brief is verzonden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Herinneringsbrief aan Ambassade van Guinee vastleggen")
    expect(page.locator("#confirm-count")).to_have_text(
        "De brief wordt als nota verbale vastgelegd bij 3 aanvragen:")
    expect(page.locator("#confirm-requests li")).to_have_count(3)
    page.get_by_role("link", name="Annuleren").click()  # changed my mind: nothing recorded
    page.get_by_role("button", name="Bevestigen dat de brief is verzonden").click()
    page.get_by_role("button", name="Vastleggen bij 3 aanvragen").click()
    expect(page.get_by_role("alert")).to_contain_text("Herinneringsbrief vastgelegd als nota verbale bij 3 aanvragen")

    menu(page).get_by_role("link", name=re.compile("^Herinneringen")).click()
    expect(page.get_by_role("status")).to_have_text("0 herinneringen")  # the letter answered them

    page.get_by_role("link", name="Herinneringsbrieven").click()
    today_section = page.get_by_role("region", name="Vandaag vastgelegd")
    expect(today_section).to_contain_text("3 aanvragen")
    today_section.get_by_role("button", name=re.compile("^Ongedaan maken")).click()
    expect(page.get_by_role("alert")).to_contain_text("Herinneringsbrief ongedaan gemaakt bij 3 aanvragen")
    expect(page.get_by_role("region", name="Vandaag vastgelegd")).to_have_count(0)

    menu(page).get_by_role("link", name=re.compile("^Herinneringen")).click()
    expect(page.get_by_role("status")).to_have_text("3 herinneringen")  # as before the letter
    page.get_by_role("table", name="Herinneringen").get_by_role("link", name=re.compile(r"^LP-\d")).first.click()
    expect(page.get_by_text("Vastlegging ongedaan gemaakt (per vergissing vastgelegd)")).to_be_visible()
