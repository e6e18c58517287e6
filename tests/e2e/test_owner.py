"""Reassigning a request on its page: the new owner, the timeline, the menu count and the clock badges."""

import re
from datetime import timedelta

import pytest

from tests.conftest import app_today
from tests.e2e import menu, playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


@pytest.fixture
def config_overrides(mail_settings):
    """Serve as ``make run`` does, with mail going to the test's SMTP server."""
    return {"LP_ENV": "development", "SESSION_COOKIE_SECURE": False, **mail_settings}


def test_reassign_on_the_request_page_and_see_the_clock(page, runner, make_user, make_country, make_person,
                                                       make_request, log_in, smtp_server):
    me = make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_user("lotte@example.org", role="staff", display_name="Lotte van Dijk", language="en")
    make_country("GN", name_nl="Guinee", name_en="Guinea", portfolio_holder_id=me,
                 last_reviewed_on=app_today(), missions=[{"name": "Ambassade van Guinee"}])
    # Submitted 40 days ago: the reply (30 days) is 10 days overdue, reminder level 1.
    request_id = make_request("GN", person_id=make_person(name="Amadou Diallo", nationality="GN"),
                              submitted_on=app_today() - timedelta(days=40))
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    log_in("kim@example.org")

    page.goto("/requests/?owner=me")
    row = page.get_by_role("table", name="Aanvragen").locator("tbody tr").filter(has_text="Amadou Diallo")
    expect(row).to_contain_text("40 dagen wachtend")
    expect(row).to_contain_text("10 dagen te laat")
    expect(row).to_contain_text("herinnering niveau 1")
    expect(menu(page).get_by_role("link", name=re.compile("^Herinneringen")).locator(".badge")).to_have_text("1 open")

    row.get_by_role("link", name=re.compile(r"^LP-")).click()
    clock = page.locator("#clock")
    expect(clock).to_contain_text("40 dagen wachtend")
    expect(clock).to_contain_text("10 dagen te laat")
    expect(clock).to_contain_text("herinnering niveau 1")
    expect(page.locator("#owner-name")).to_have_text("Kim Jansen")

    page.get_by_role("combobox", name="Eigenaar").fill("Lotte van Dijk")
    page.get_by_role("button", name="Opnieuw toewijzen").click()
    flash = page.get_by_role("alert").filter(has_text="Toegewezen aan")
    expect(flash).to_contain_text("Toegewezen aan Lotte van Dijk.")
    expect(page.locator("#owner-name")).to_have_text("Lotte van Dijk")
    expect(page.get_by_role("heading", name="Toegewezen aan Lotte van Dijk")).to_be_visible()
    expect(page.get_by_role("combobox", name="Eigenaar")).to_have_value("Lotte van Dijk")
    # The reminder went with the request: my count is empty now, and so is my list.
    expect(menu(page).get_by_role("link", name=re.compile("^Herinneringen")).locator(".badge")).to_have_count(0)
    page.goto("/requests/?owner=me")
    expect(page.get_by_role("status").first).to_have_text("0 aanvragen")

    # Lotte is told once, in her language (English), by a real SMTP server; a second delivery sends nothing.
    for _ in range(2):
        result = runner.invoke(args=["lp", "outbox", "deliver"])
        assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp_server.messages] == ["lotte@example.org"]
    mail = smtp_server.messages[0]
    assert mail["Subject"].endswith("is assigned to you")
    assert f"/requests/{request_id}" in mail.get_body(("plain",)).get_content()
