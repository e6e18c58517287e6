"""WCAG 2.1 AA: axe-core finds no violation on any page, for any role, in the states people use.

Every HTML page of the URL map is opened (with ids from the module's demo data) as each
role at laptop width, and as the administrator (who sees every control) at 390 px; the request page is also checked with each action
panel open, forms with their error messages shown, and the navigation menu opened at
390 px. axe-core (the copy that ships with axe-playwright-python) is injected through
the test browser's DevTools connection (``page.evaluate``), so the app's Content
Security Policy stays as strict as it is. A new page, or a new colour, that fails a
WCAG 2.0/2.1 A or AA rule fails here, with axe's own description of what and where.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.e2e.conftest import dutch_context, log_in_through_form

pytestmark = pytest.mark.e2e

#: The WCAG 2.0 and 2.1 success criteria of levels A and AA (axe-core's tags).
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Pages that are not HTML (downloads, feeds) or that end the session.
NOT_PAGES = {"static", "auth.logout", "health.healthz", "calendar.feed", "country_transfer.export",
             "requests.export_csv", "insights.export_country", "insights.export_overall",
             "privacy.export_person"}
#: Pages that only answer a link from a mail (a token), checked signed out below.
SIGNED_OUT = ("/auth/login", "/auth/forgot", "/auth/reset?token=not-a-token", "/toegankelijkheid")
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


def _ids(app) -> dict[str, object]:
    """Return one existing id per URL argument, from the module's demo data."""
    from countries.models import Country, Mission
    from lp.auth.models import User
    from lp.persons.models import IdentityDocument
    from lp.reminders.models import Reminder
    from lp.requests.models import LpRequest
    from lp.web.extensions import db

    with app.app_context():
        first = lambda query: db.session.scalars(query.limit(1)).first()  # noqa: E731
        request = first(select(LpRequest).where(LpRequest.is_open.is_(True), LpRequest.status == "submitted").order_by(LpRequest.id))
        document = first(select(IdentityDocument).order_by(IdentityDocument.id))
        mission = first(select(Mission).order_by(Mission.id))
        country = db.session.get(Country, mission.country_id)
        agreement = country.agreements[0] if country.agreements else None
        ids = {
            "request_id": request.id, "person_id": document.person_id, "document_id": document.id,
            "alpha2": country.alpha2, "mission_id": mission.id,
            "reminder_id": first(select(Reminder.id).order_by(Reminder.id)),
            "user_id": first(select(User.id).where(User.role == "staff").order_by(User.id)),
            "items": "missions", "item_id": mission.id, "agreement": agreement,
        }
        db.session.remove()
    return ids


def page_urls(app) -> list[str]:
    """Return the path of every HTML page of the URL map, filled with demo ids."""
    ids = _ids(app)
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/"):
            continue
        if rule.rule.startswith("/auth/") and rule.endpoint != "auth.change_password":
            continue
        with app.test_request_context():
            from flask import url_for

            paths.append(url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments}))
    return paths


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
    return page_urls(seeded_app)


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
