"""A presentation day in the browser: two linked requests and a third put on a planned day, their results
recorded in one step, and the day list printed for transport and escort."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import app_today
from tests.e2e import playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


def test_a_day_with_three_persons_recorded_in_one_step(app, page, make_user, make_country, make_person,
                                                       make_request, log_in):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_country("GN", name_nl="Guinee", name_en="Guinea",
                 missions=[{"name": "Ambassade van Guinee", "city": "Den Haag"}])
    submitted = (app_today() - timedelta(days=40)).isoformat()
    detained = (app_today() - timedelta(days=10)).isoformat()
    names = ("Amadou Diallo", "Fatou Diallo", "Ibrahima Sow")
    ids = [make_request("GN", person_id=make_person(name=name, v_number=f"200000000{n}", nationality="GN",
                                                    in_detention_since=detained), submitted_on=submitted)
           for n, name in enumerate(names, start=1)]
    with app.app_context():
        references = list(db.session.scalars(select(LpRequest.reference).order_by(LpRequest.id)))
    log_in("kim@example.org")

    # Amadou and Fatou are one family: link their requests from Amadou's page.
    page.goto(f"/requests/{ids[0]}")
    page.get_by_text("Koppelen aan een andere aanvraag").click()
    page.get_by_label("Ons kenmerk van de andere aanvraag").fill(references[1])
    page.get_by_label("Aanduiding van de groep").fill("gezin 1")
    page.get_by_role("button", name="Koppelen", exact=True).click()
    expect(page.locator("#linked-requests")).to_contain_text("Fatou Diallo")
    page.goto(f"/requests/{ids[1]}")
    expect(page.locator("#linked-requests")).to_contain_text("Amadou Diallo")

    # Plan a day at the embassy through the form.
    page.goto("/presentations/")
    page.get_by_role("link", name="Presentatiedag plannen").click()
    page.get_by_label("Datum en tijd").fill(f"{app_today().isoformat()}T10:00")
    page.get_by_label("Plaats").fill("Ambassade van Guinee, Den Haag")
    page.get_by_label("Tolk(en)").fill("Mw. Bah (Fula)")
    page.get_by_label("Vervoer en begeleiding door").fill("Team vervoer Noord")
    page.get_by_label("Vanuit detentiecentrum").fill("DC Rotterdam")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Presentatiedag gepland")

    # Ticking Amadou brings his family along (the box for the group is ticked); then Ibrahima.
    page.get_by_label(f"{references[0]} · Amadou Diallo").check()
    page.get_by_role("button", name="Aan deze dag toevoegen").click()
    expect(page.get_by_role("alert").first).to_contain_text("2 aanvragen toegevoegd aan de dag")
    page.get_by_label(f"{references[2]} · Ibrahima Sow").check()
    page.get_by_role("button", name="Aan deze dag toevoegen").click()
    rows = page.locator("#day-persons tbody tr")
    expect(rows).to_have_count(3)

    # One form, one row per person.
    rows.nth(0).get_by_label("Gehouden").check()
    rows.nth(1).get_by_label("Niet verschenen").check()
    rows.nth(1).get_by_label(f"Notitie bij {references[1]}").fill("ziek gemeld")
    rows.nth(2).get_by_label("Uitgesteld").check()
    page.get_by_role("button", name="Resultaten vastleggen").click()
    expect(page.get_by_role("alert").first).to_contain_text("Resultaten vastgelegd voor 3 vreemdelingen.")
    expect(rows.nth(0)).to_contain_text("Gepresenteerd")
    expect(rows.nth(1)).to_contain_text("Niet verschenen: ziek gemeld")
    expect(rows.nth(2)).to_contain_text("Uitgesteld")

    # Each request's status and timeline follow.
    page.goto(f"/requests/{ids[0]}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gepresenteerd")
    page.goto(f"/requests/{ids[1]}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ingediend")
    expect(page.locator(".timeline")).to_contain_text("Niet verschenen: ziek gemeld")

    # The day list prints the persons and nothing of the navigation.
    page.goto("/presentations/")
    page.get_by_role("link", name=app_today().strftime("%d-%m-%Y"), exact=False).click()
    page.get_by_role("link", name="Daglijst voor vervoer en begeleiding").click()
    page.emulate_media(media="print")
    table = page.locator("#day-list")
    expect(table).to_contain_text("Amadou Diallo")
    expect(table).to_contain_text("2000000001")
    expect(table).to_contain_text("DC Rotterdam")
    expect(table).to_contain_text("Mw. Bah (Fula)")
    expect(page.locator("nav").first).to_be_hidden()
