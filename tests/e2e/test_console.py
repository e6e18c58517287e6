"""Every page of the app loads in the browser without a CSP violation or a JavaScript error."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lp.web.extensions import db
from tests.e2e import playwright_expect
from tests.e2e.pages import attachment_of, page_urls, presentation_day, saved_view_id

pytestmark = pytest.mark.e2e
expect = playwright_expect()

@pytest.fixture
def ids(app, runner, make_user, make_country, make_person, make_request) -> dict[str, object]:
    """Make one of everything a page shows; return the values of the URL rules' arguments.

    An administrator holds Guinea (one agreement, one mission) and is the case officer of
    a person with a passport whose request is overdue, so the sweep gives a reminder.
    """
    from countries.models import Mission
    from lp.persons.models import IdentityDocument
    from lp.reminders.models import Reminder
    from lp.requests.models import LpRequest

    admin = make_user("admin@example.org", role="admin", display_name="Ada Admin")
    colleague = make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_country("GN", name_nl="Guinee", name_en="Guinea", portfolio_holder_id=admin,
                 agreements=[{"kind": "mou", "title": "MoU terugkeer", "in_force_since": date(2000, 1, 1),
                                  "reply_time_limit_days": 30}],
                 missions=[{"name": "Ambassade van Guinee", "city": "Den Haag"}])
    person = make_person(name="Amadou Diallo", nationality="GN", case_officer="admin@example.org",
                         documents=[{"kind": "passport", "number": "P123", "copy_on_file": True}])
    request = make_request("GN", person_id=person, submitted_on=date.today() - timedelta(days=45))
    make_request("GN", submitted_on=date.today() - timedelta(days=10))
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    with app.app_context():
        mission = db.session.scalar(select(Mission.id))
        return {
            "alpha2": "GN", "items": "missions", "item_id": mission, "mission_id": mission,
            "person_id": person, "request_id": request, "user_id": colleague,
            "document_id": db.session.scalar(select(IdentityDocument.id)),
            "reminder_id": db.session.scalar(select(Reminder.id).where(Reminder.request_id == request)),
            "day_id": presentation_day(mission),
            "attachment_id": attachment_of(db.session.get(LpRequest, request)),
            "view_id": saved_view_id(app),
        }


def test_no_page_has_csp_violations_or_script_errors(page, app, ids, log_in, console):
    log_in("admin@example.org")
    urls = page_urls(app, ids)
    assert len(urls) >= 25, urls
    failed = []
    for url in urls:
        response = page.goto(url)
        if response.status != 200 or not page.title().endswith("· LP-tracker"):
            failed.append(f"{url}: {response.status} {page.title()!r}")
    assert failed == []
    assert console.errors == []

    # The scripts did run: Bootstrap opens the account menu.
    page.goto("/")
    page.get_by_role("button", name="Ada Admin").click()
    expect(page.get_by_role("link", name="Wachtwoord wijzigen")).to_be_visible()
    assert console.errors == []


def test_the_console_check_sees_a_csp_violation(page, make_user, log_in, console):
    """Make sure the check above can fail: an inline style is refused and reported."""
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    log_in("kim@example.org")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(100)
    assert any("Content Security Policy" in error for error in console.errors), console.errors
