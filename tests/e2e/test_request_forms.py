"""Issue 11 in the browser: the list's checkboxes filter (defect 1); a long note is counted, never cut (defect 6)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lp.persons.models import Person
from lp.requests.lifecycle import AWAITING_ANSWER
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.e2e import playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()


@pytest.fixture
def cases(app, make_country, make_person, make_request):
    """Overdue, recent, detained and closed requests to one country."""
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade van Guinee"}])
    detained = make_person(name="Karim Bewaring", nationality="GN", in_detention_since="2026-01-01")
    ids = [make_request("GN", submitted_on="2026-01-05"), make_request("GN", submitted_on="2026-01-06"),
           make_request("GN", person_id=detained, submitted_on=date.today().isoformat()), make_request("GN")]
    from lp.requests import services
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, ids[1]), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-02-01"}, user_id=None)
    return ids


def _independent(app, box: str) -> set[str]:
    """The references the filter should show, straight from the database."""
    query = select(LpRequest.reference).join(Person, Person.id == LpRequest.person_id)
    if box == "overdue":
        query = query.where(LpRequest.is_open.is_(True), LpRequest.status.in_(AWAITING_ANSWER),
                            LpRequest.reply_due_on < date.today())
    else:
        query = query.where(Person.in_detention_since.is_not(None))
    with app.app_context():
        return set(db.session.scalars(query))


def _listed(page) -> set[str]:
    # The reference column (the first is the bulk selection's checkbox).
    return set(page.locator("table tbody tr td a[href^='/requests/']").all_inner_texts())


@pytest.mark.parametrize("box, label", [("overdue", "Antwoord te laat"), ("detention", "In vreemdelingenbewaring")])
def test_ticking_a_filter_box_and_pressing_filter_narrows_the_list(app, page, make_user, log_in, cases, box, label):
    make_user("kim@example.org", role="viewer")
    log_in("kim@example.org")
    page.goto("/requests/")
    assert len(_listed(page)) == 4
    page.get_by_label(label).check()
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url(re.compile(rf"{box}=y"))
    expect(page.get_by_label(label)).to_be_checked()
    expected = _independent(app, box)
    assert expected and _listed(page) == expected
    expect(page.get_by_role("status")).to_contain_text(f"{len(expected)} aanvra")


def test_a_note_over_the_limit_is_counted_refused_and_kept(app, page, make_user, log_in, cases, console):
    make_user("kim@example.org", role="staff")
    log_in("kim@example.org")
    request_id = cases[0]
    page.goto(f"/requests/{request_id}")
    card = page.locator("details").filter(has=page.locator("summary", has_text="Contact met de ambassade vastleggen"))
    card.locator("summary").click()
    form = card.locator("form")
    note = form.get_by_label("Notitie")
    expect(note).not_to_have_attribute("maxlength", re.compile(".*"))
    counter = form.locator("[data-char-count-for]")
    expect(counter).to_have_text("0 van 4000 tekens")
    form.get_by_label("Soort contact").select_option(label="Telefoongesprek")
    form.get_by_label("Datum").fill("2026-02-01")
    text = "x" * 5000
    note.fill(text)  # as a paste: the whole text arrives in the box
    expect(counter).to_have_text("5000 van 4000 tekens: 1000 te veel")
    expect(counter).to_have_class(re.compile("text-danger"))
    form.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("Gebruik hoogstens 4000 tekens (u voerde er 5000 in).")).to_be_visible()
    kept = page.locator("#contact-note")
    expect(kept).to_be_visible()
    assert kept.input_value() == text  # the typed text stays
    with app.app_context():
        kinds = list(db.session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == request_id)))
    assert "contact" not in kinds
    # The counter runs under the CSP (no inline script); the refused form's 422 is expected.
    assert [error for error in console.errors if "status of 422" not in error] == []
