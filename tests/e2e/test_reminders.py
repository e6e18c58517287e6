"""A reminder appears after the sweep and goes when acknowledged, in inbox and menu badge."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e import menu, playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def _badge(page):
    """Return the count beside "Herinneringen" in the main navigation."""
    link = menu(page).get_by_role("link", name=re.compile("^Herinneringen"))
    return link.locator(".badge")


def test_overdue_request_gets_a_reminder_that_can_be_acknowledged(page, runner, make_user, make_country,
                                                                  make_person, make_request, log_in):
    me = make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    # Reviewed today, so that the profile itself is not due for review.
    make_country("GN", name_nl="Guinee", name_en="Guinea", portfolio_holder_id=me,
                 last_reviewed_on=date.today(), missions=[{"name": "Ambassade van Guinee"}])
    # Submitted 40 days ago: the reply (30 days) is overdue, level 1; level 2 comes only after 60.
    submitted = date.today() - timedelta(days=40)
    first = make_request("GN", person_id=make_person(name="Amadou Diallo", nationality="GN"),
                         submitted_on=submitted)
    make_request("GN", person_id=make_person(name="Fatou Bah", nationality="GN"), submitted_on=submitted)
    log_in("kim@example.org")

    menu(page).get_by_role("link", name="Herinneringen").click()
    expect(page.get_by_role("status")).to_have_text("0 herinneringen")
    expect(page.get_by_role("cell", name="Geen herinneringen voldoen aan deze filters.")).to_be_visible()
    expect(_badge(page)).to_have_count(0)

    result = runner.invoke(args=["lp", "reminders", "sweep"])  # what the scheduler runs at 07:00
    assert result.exit_code == 0, result.output

    page.reload()
    expect(page.get_by_role("status")).to_have_text("2 herinneringen")
    rows = page.get_by_role("table", name="Herinneringen").locator("tbody tr")
    expect(rows).to_have_count(2)
    amadou = rows.filter(has_text="Amadou Diallo")
    expect(amadou).to_contain_text("Antwoord te laat – niveau 1")
    expect(amadou).to_contain_text("Ambassade van Guinee")
    expect(amadou.get_by_role("link", name=re.compile(rf"^LP-\d{{4}}-0*{first}$"))).to_be_visible()
    expect(_badge(page)).to_have_text("2 open")

    amadou.get_by_role("button", name=re.compile("^Afhandelen")).click()
    expect(page.get_by_role("alert")).to_contain_text("Herinnering afgehandeld.")
    expect(page.get_by_role("status")).to_have_text("1 herinnering")
    expect(rows.filter(has_text="Amadou Diallo")).to_have_count(0)
    expect(rows.filter(has_text="Fatou Bah")).to_have_count(1)
    expect(_badge(page)).to_have_text("1 open")

    # The acknowledged one is still there when asked for, marked as handled by me.
    page.get_by_label("Ook afgehandelde en uitgestelde").check()
    page.get_by_role("button", name="Filteren").click()
    expect(rows.filter(has_text="Amadou Diallo")).to_contain_text("Afgehandeld door Kim Jansen")
