"""Bulk work in the browser: acknowledge three reminders, one of which was closed meanwhile."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e import playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def test_bulk_acknowledge_of_three_reminders_one_closed_meanwhile(app, page, runner, make_user, make_country,
                                                                  make_person, make_request, log_in):
    from lp.requests import services
    from lp.requests.models import LpRequest
    from lp.web.extensions import db

    me = make_user("kim@example.org", role="staff", display_name="Kim Jansen", language="en")
    make_country("GN", name_nl="Guinee", name_en="Guinea", portfolio_holder_id=me,
                 last_reviewed_on=date.today(), missions=[{"name": "Ambassade van Guinee"}])
    submitted = date.today() - timedelta(days=40)
    ids = [make_request("GN", person_id=make_person(name=name, nationality="GN"), submitted_on=submitted)
           for name in ("Amadou Diallo", "Fatou Bah", "Ibrahima Sow")]
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    with app.app_context():
        refs = [db.session.get(LpRequest, rid).reference for rid in ids]
    log_in("kim@example.org")

    page.goto("/reminders/")
    expect(page.get_by_role("status")).to_have_text("3 reminders")
    page.get_by_label("Select all on this page").check()  # the one thing done by JavaScript
    for ref in refs:
        expect(page.get_by_label(re.compile(f"^Select .*{ref}$"))).to_be_checked()
    page.get_by_label("With the selection").select_option(label="Acknowledge")
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acknowledge")
    expect(page.locator("#confirm-count")).to_have_text("This will be done to 3 items:")

    with app.test_request_context():  # a colleague withdraws the second request: its reminder closes
        services.apply_transition(db.session.get(LpRequest, ids[1]), "withdraw",
                                  {"closure_reason": "absconded", "decided_on": date.today().isoformat()},
                                  user_id=None, note="")

    page.get_by_label("Note").fill("Called the embassy")
    page.get_by_role("button", name="Do it for 3 items").click()
    expect(page.get_by_role("status")).to_have_text("Done: 2. Refused: 1.")
    done = page.get_by_role("region", name="Done")
    expect(done.get_by_role("listitem")).to_have_count(2)
    expect(done).to_contain_text(refs[0])
    expect(done).to_contain_text(refs[2])
    refused = page.get_by_role("region", name="Refused")
    expect(refused).to_contain_text(f"{refs[1]}")
    expect(refused).to_contain_text("Closed in the meantime.")

    page.get_by_role("link", name="Back to the list").click()
    expect(page.get_by_role("status")).to_have_text("0 reminders")
