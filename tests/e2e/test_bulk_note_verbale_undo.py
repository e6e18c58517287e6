"""The request list's bulk note verbale is recorded only after a confirmation naming the count,
and undone the same day."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from countries.services import get_country
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.e2e import playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def test_the_bulk_note_verbale_asks_to_confirm_the_count_and_can_be_undone(app, page, make_user, make_country,
                                                                            make_person, make_request, log_in):
    """Defect 10 of issue 11: the list's bulk form recorded a note verbale on every ticked request in one click."""
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_country("GN", name_nl="Guinee", name_en="Guinea",
                 missions=[{"name": "Ambassade van Guinee", "city": "Den Haag"}])
    submitted = date.today() - timedelta(days=40)
    for name in ("Amadou Diallo", "Fatou Bah", "Ibrahima Sow", "Mariama Barry"):
        make_request("GN", person_id=make_person(name=name, nationality="GN"), submitted_on=submitted)
    with app.app_context():
        mission = get_country("GN").missions[0].id
        references = list(db.session.scalars(select(LpRequest.reference).order_by(LpRequest.id)))
    log_in("kim@example.org")

    page.goto(f"/requests/?mission={mission}")
    for reference in references[:3]:
        page.get_by_label(f"{reference} selecteren").check()
    bulk = page.locator("#bulk-form")
    bulk.get_by_label("Notitie").fill("Tweede herinnering")
    bulk.get_by_role("button", name="Nota verbale vastleggen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Eén nota verbale aan Ambassade van Guinee vastleggen")
    expect(page.locator("#confirm-count")).to_have_text("De nota verbale wordt vastgelegd bij 3 aanvragen:")
    expect(page.locator("#confirm-requests li")).to_have_count(3)
    expect(page.locator("#confirm-note")).to_have_text("Tweede herinnering")
    page.get_by_role("button", name="Vastleggen bij 3 aanvragen").click()
    expect(page.get_by_role("alert")).to_contain_text("Nota verbale vastgelegd bij 3 aanvragen")

    today_section = page.get_by_role("region", name="Vandaag vastgelegd")
    expect(today_section).to_contain_text("3 aanvragen")
    today_section.get_by_role("button", name=re.compile("^Ongedaan maken")).click()
    expect(page.get_by_role("alert")).to_contain_text("Nota verbale ongedaan gemaakt bij 3 aanvragen")
    expect(page.get_by_role("region", name="Vandaag vastgelegd")).to_have_count(0)

    page.get_by_role("link", name=references[0]).click()
    expect(page.get_by_text("Vastlegging ongedaan gemaakt (per vergissing vastgelegd)")).to_be_visible()
