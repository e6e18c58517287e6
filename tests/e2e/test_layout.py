"""Layout a person notices: no page scrolls sideways on a phone, and a printed request shows the record only."""

import re

import pytest
from sqlalchemy import select

from tests.e2e import playwright_expect
from tests.e2e.pages import page_urls, seeded_ids

pytestmark = pytest.mark.e2e
expect = playwright_expect()

#: A common phone's width in CSS pixels (iPhone 12 to 15).
PHONE_WIDTH = 390
#: Name the innermost elements that stick out on the right (and are not inside a box that
#: scrolls or clips), so that a failure says what to fix.
STICKING_OUT = """width => {
  const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
                           if (getComputedStyle(p).overflowX !== 'visible') return true;
                         return false; };
  const out = e => e.getBoundingClientRect().right > width + 0.5 && !clipped(e);
  return [...document.querySelectorAll('body *')]
    .filter(e => out(e) && ![...e.children].some(out)).slice(0, 3)
    .map(e => e.tagName.toLowerCase()
              + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/ +/).join('.') : '')
              + ' ' + (e.textContent || '').trim().slice(0, 30));
}"""


def test_no_page_scrolls_sideways_on_a_phone(admin_page, seeded_app):
    admin_page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    urls = page_urls(seeded_app, seeded_ids(seeded_app))
    assert len(urls) >= 25, urls
    too_wide = {}
    for url in urls:
        response = admin_page.goto(url)
        assert response.status == 200, url
        width = admin_page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide[url] = (width, admin_page.evaluate(STICKING_OUT, PHONE_WIDTH))
    assert not too_wide, "\n".join(f"{url}: {width} px; sticking out: {what}"
                                    for url, (width, what) in too_wide.items())


def test_reminder_buttons_stay_on_a_phone_screen(admin_page):
    admin_page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    admin_page.goto("/reminders/?scope=all")
    buttons = admin_page.get_by_role("button", name=re.compile("^Afhandelen"))
    expect(buttons.first).to_be_visible()
    assert buttons.count() >= 5
    for button in buttons.all()[:5]:
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box
    snooze = admin_page.get_by_role("link", name="Uitstellen…").first
    box = snooze.bounding_box()
    assert box["x"] + box["width"] <= PHONE_WIDTH, box
    assert admin_page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _request_with_warning(app) -> int:
    """Return an open request whose country's checklist warns (a presentation in person is required)."""
    from countries.models import Country
    from lp.requests.models import LpRequest
    from lp.web.extensions import db

    with app.app_context():
        return db.session.scalar(select(LpRequest.id).join(Country, Country.id == LpRequest.country_id)
                                 .where(LpRequest.is_open.is_(True), Country.presentation_required == "yes")
                                 .order_by(LpRequest.id).limit(1))


def test_a_printed_request_shows_data_checklist_and_timeline_only(admin_page, seeded_app):
    page = admin_page
    page.goto(f"/requests/{_request_with_warning(seeded_app)}")
    record = [page.locator("section[aria-labelledby='facts-heading']"),
              page.get_by_role("note").filter(has_text="presentatie in persoon"),
              page.locator("ol.timeline li").first]
    actions = page.locator("form[action*='/actions/']")
    assert actions.count() >= 1
    not_printed = [page.get_by_role("navigation", name="Hoofdnavigatie"),
                   page.get_by_role("navigation", name="Kruimelpad"),
                   page.get_by_role("heading", name="Acties"),
                   page.get_by_role("link", name="Gegevens wijzigen"),
                   *(action.locator("xpath=..") for action in actions.all())]  # each action's card
    for shown in record + not_printed:
        expect(shown).to_be_visible()

    page.emulate_media(media="print")
    for shown in record:
        expect(shown).to_be_visible()
    for hidden in not_printed:
        expect(hidden).to_be_hidden()
    assert page.locator("button:visible, form:visible").count() == 0
