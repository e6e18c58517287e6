"""Saved views in the browser: a shared view is seen and opened by a colleague, a private one is not."""

from datetime import date, timedelta

import pytest

from tests.e2e import playwright_expect
from tests.e2e.conftest import dutch_context, log_in_through_form

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def _save(page, name: str, shared: bool) -> None:
    views = page.get_by_role("navigation", name="Saved views")
    views.get_by_text("Save these filters as a view").click()
    views.get_by_label("Name of the view").fill(name)
    if shared:
        views.get_by_label("Share with everyone").check()
    views.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"View “{name}” saved.")


def test_a_shared_view_is_seen_by_a_colleague_and_a_private_one_is_not(browser, live_server, page, log_in,
                                                                         make_user, make_country, make_person,
                                                                         make_request):
    make_user("ann@example.org", role="staff", display_name="Ann Smit", language="en")
    make_user("bob@example.org", role="viewer", display_name="Bob de Vries", language="en")
    make_country("GN", name_nl="Guinee", name_en="Guinea", missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", name_nl="Marokko", name_en="Morocco", missions=[{"name": "Ambassade van Marokko"}])
    submitted = date.today() - timedelta(days=10)
    for name in ("Amadou Diallo", "Fatou Bah"):
        make_request("GN", person_id=make_person(name=name, nationality="GN"), submitted_on=submitted)
    make_request("MA", person_id=make_person(name="Omar Alaoui", nationality="MA"), submitted_on=submitted)

    log_in("ann@example.org")
    page.goto("/requests/")
    page.get_by_label("Country").fill("GN")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_have_text("2 requests")
    _save(page, "Guinea team", shared=True)
    expect(page.get_by_role("status")).to_have_text("2 requests")  # the view opened: its list, filtered
    page.get_by_label("Country").fill("MA")
    page.get_by_role("button", name="Filter").click()
    _save(page, "My Morocco", shared=False)

    colleague = dutch_context(browser, live_server)
    try:
        other = colleague.new_page()
        log_in_through_form(other, "bob@example.org")
        other.goto("/requests/")
        views = other.get_by_role("navigation", name="Saved views")
        expect(views.get_by_role("link", name="Guinea team 2 (shared)")).to_be_visible()
        expect(views.get_by_role("link", name="My Morocco")).to_have_count(0)
        views.get_by_role("link", name="Guinea team 2 (shared)").click()
        expect(other.get_by_role("status")).to_have_text("2 requests")
        expect(other.get_by_role("row").filter(has_text="Omar Alaoui")).to_have_count(0)
        other.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Views").click()
        table = other.get_by_role("table", name="Saved views")
        expect(table.get_by_role("row").filter(has_text="Guinea team")).to_contain_text("Ann Smit")
        expect(table.get_by_role("link", name="My Morocco")).to_have_count(0)
        expect(table.get_by_role("link", name="Delete… Guinea team")).to_have_count(0)  # not his
    finally:
        colleague.close()
