"""WCAG 2.1 AA: axe-core finds no violation on any page, for any role, in the states people use.

Every HTML page of the URL map is opened (with ids from the module's demo data) as each
role at laptop width, and as the administrator (who sees every control) at 390 px; the request page
is also checked with each action
panel open, forms with their error messages shown, and the navigation menu opened at
390 px. axe-core (the copy that ships with axe-playwright-python) is injected through
the test browser's DevTools connection (``page.evaluate``), so the app's Content
Security Policy stays as strict as it is. A new page, or a new colour, that fails a
WCAG 2.0/2.1 A or AA rule fails here, with axe's own description of what and where.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.e2e.conftest import dutch_context, log_in_through_form
from tests.e2e.pages import page_urls, seeded_ids

pytestmark = pytest.mark.e2e

#: The WCAG 2.0 and 2.1 success criteria of levels A and AA (axe-core's tags).
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Pages that only answer a link from a mail (a token), checked signed out below.
SIGNED_OUT = ("/auth/login", "/auth/forgot", "/auth/reset?token=not-a-token", "/toegankelijkheid")
SIGNED_OUT_PREFIXES = ("/auth/", "/toegankelijkheid")
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(page) -> list[str]:
    """Run axe on the page as it is now; return one line per violation and node."""
    results = _axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            found.append(f"{page.url} [{violation['id']}] {violation['help']}: {node['target']} "
                         f"{node.get('failureSummary', '').splitlines()[-1:]}")
    return found


def signed_in_pages(app) -> list[str]:
    """Return every HTML page of the app (tests/e2e/pages.py) but the signed-out ones."""
    return [url for url in page_urls(app, seeded_ids(app))
            if not url.startswith(SIGNED_OUT_PREFIXES) or url.startswith("/auth/password")]


def ids_alpha2(paths: list[str]) -> str:
    """Return the country code the page list uses."""
    return next(re.fullmatch(r"/countries/([A-Z]{2})", path).group(1) for path in paths
                if re.fullmatch(r"/countries/[A-Z]{2}", path))


def _staff_accounts(app) -> dict[str, str]:
    """Return the e-mail address of one account per role."""
    from lp.auth.models import User
    from lp.web.extensions import db

    with app.app_context():
        accounts = {}
        for role in ("viewer", "staff", "admin"):
            accounts[role] = db.session.scalars(
                select(User.email).where(User.role == role, User.active.is_(True)).order_by(User.id).limit(1)).first()
        db.session.remove()
    return {role: email for role, email in accounts.items() if email}


@pytest.fixture(scope="module")
def paths(seeded_app) -> list[str]:
    return signed_in_pages(seeded_app)


@pytest.fixture(scope="module", params=["viewer", "staff", "admin"])
def role_context(request, browser, seeded_app, seeded_server):
    """A browser context signed in as the role's first demo account."""
    email = _staff_accounts(seeded_app)[request.param]
    context = dutch_context(browser, seeded_server)
    page = context.new_page()
    log_in_through_form(page, email, PASSWORD)
    page.close()
    yield context
    context.close()


def test_every_page_for_every_role_has_no_wcag_violation(request, role_context, paths):
    """Every role at laptop width; at phone width the administrator, who sees every control."""
    page = role_context.new_page()
    found = []
    sizes = (LAPTOP, PHONE) if request.node.callspec.params["role_context"] == "admin" else (LAPTOP,)
    for size in sizes:
        page.set_viewport_size(size)
        for path in paths:
            page.goto(path)  # a page the role may not see shows the refusal page: checked too
            found += violations(page)
    page.close()
    assert not found, "\n".join(found)


def test_signed_out_pages_have_no_wcag_violation(browser, seeded_server):
    context = dutch_context(browser, seeded_server)
    page = context.new_page()
    found = []
    for path in SIGNED_OUT:
        page.goto(path)
        found += violations(page)
        submit = page.locator("main form[method=post] [type=submit]")
        if submit.count():
            submit.first.click()  # submitted empty: the error messages are shown
            page.wait_for_load_state()
            found += violations(page)
    context.close()
    assert not found, "\n".join(found)


def test_open_menus_action_panels_and_form_errors_have_no_wcag_violation(admin_context, seeded_app, paths):
    page = admin_context.new_page()
    found = []
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("button", name=re.compile("Menu", re.I)).click()
    page.locator("#nav-main.show").wait_for()
    found += violations(page)
    page.set_viewport_size(LAPTOP)
    request_page = next(path for path in paths if re.fullmatch(r"/requests/\d+", path))
    page.goto(request_page)
    for summary in page.locator("details > summary").all():
        summary.click()
    found += violations(page)
    for path in ("/persons/new", "/admin/users/new", "/auth/password", "/countries/" + ids_alpha2(paths) + "/edit"):
        page.goto(path)
        submit = page.locator("main form[method=post] [type=submit]").last
        submit.click()
        page.wait_for_load_state()
        found += violations(page)
    page.close()
    assert not found, "\n".join(found)


#: The focused element's ring: its width and the contrast of its colour with the page behind it.
FOCUS_RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const rgb = c => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                       .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let back = el.parentElement, bg = 'rgba(0, 0, 0, 0)';
  while (back && (bg = getComputedStyle(back).backgroundColor) === 'rgba(0, 0, 0, 0)') back = back.parentElement;
  if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
  const [a, b] = [lum(rgb(style.outlineColor)), lum(rgb(bg))];
  return {tag: el.tagName, name: el.name || el.id || '', visible: el.matches(':focus-visible'),
          text: (el.innerText || el.value || '').trim().slice(0, 40), width: parseFloat(style.outlineWidth),
          style: style.outlineStyle, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""


def tab_to(page, matches, limit: int = 200) -> dict:
    """Press Tab until the focused element matches; check the focus ring on every stop on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_RING)
        assert focused["style"] != "none" and focused["width"] >= 2, f"no visible focus ring on {focused}"
        assert focused["contrast"] >= 3, f"focus ring below 3:1 on {focused}"
        if matches(focused):
            return focused
    raise AssertionError("never reached by Tab")


def test_a_request_action_opens_fills_and_submits_with_the_keyboard_alone(admin_page, seeded_app):
    """From the top of a request page: Tab to an action, Enter opens it, type the note, Tab to Record, Enter."""
    from lp.requests.models import RequestEvent
    from lp.web.extensions import db

    request_id = seeded_ids(seeded_app)["request_id"]
    with seeded_app.app_context():
        events_before = db.session.query(RequestEvent).filter_by(request_id=request_id).count()
    page = admin_page
    page.goto(f"/requests/{request_id}")
    first = tab_to(page, lambda f: True)
    assert first["text"] in ("Naar de inhoud", "Skip to content")  # the skip link comes first
    tab_to(page, lambda f: f["tag"] == "SUMMARY" and f["text"] == "Contact met de ambassade vastleggen")
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "SELECT")  # the contact's kind
    page.keyboard.press("ArrowDown")
    tab_to(page, lambda f: f["name"] == "contact-occurred_on")
    day = date.today()
    # Today, with the arrow keys (from empty). Chromium lays out a date field in its own
    # interface language (en-US here: month, day, year), not the page's.
    for presses in (day.month, day.day, 1):
        for _ in range(presses):
            page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowRight")
    tab_to(page, lambda f: f["tag"] == "TEXTAREA")
    page.keyboard.type("Telefonisch herinnerd, alleen met het toetsenbord")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Vastleggen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator(".is-invalid").evaluate_all("els => els.map(e => e.name + \"=\" + e.value)")
    assert not errors, errors
    assert "Telefonisch herinnerd, alleen met het toetsenbord" in page.content()
    with seeded_app.app_context():
        assert db.session.query(RequestEvent).filter_by(request_id=request_id).count() == events_before + 1
