"""Every filter, against an independent count: set each control of each list page in the browser
as a person does (tick, choose, type), submit, and compare the rows with the same filter written
here as plain SQL, apart from the views' code.

A test fails when a list page has a filter control that no walk sets (each page's test checks
that the controls it walks are all the controls its form has).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from lp.web.extensions import db
from tests.e2e import playwright_expect
from tests.e2e.conftest import ADMIN_EMAIL
from tests.e2e.walks import form_fields, set_value

pytestmark = pytest.mark.e2e
expect = playwright_expect()

TODAY = date.today()
AWAITING_ANSWER = "('submitted', 'presentation_scheduled', 'presented')"
#: The ids of the rows a list page shows: the first link of each body row that points at a record.
ROW_IDS = """pattern => [...document.querySelectorAll('main table tbody tr')].map(tr =>
  [...tr.querySelectorAll('a[href]')].map(a => new URL(a.href).pathname.match(new RegExp(pattern)))
    .find(m => m)).filter(m => m).map(m => m[1])"""


@dataclass(frozen=True)
class Setting:
    """One control set to one value, and the SQL that lists the rows it should leave."""

    control: str
    value: str
    sql: str
    params: tuple[tuple[str, object], ...] = ()


def _ids(app, sql: str, params=()) -> set[str]:
    with app.app_context():
        rows = {str(value) for value in db.session.execute(text(sql), dict(params)).scalars()}
        db.session.remove()
    return rows


def _one(app, sql: str, params=()):
    with app.app_context():
        value = db.session.execute(text(sql), dict(params)).scalar()
        db.session.remove()
    return value


def _filter_form(page, label: str):
    main = page.get_by_role("main")  # not the header's search box, which is on every page
    return main.get_by_role("search").or_(main.locator(f"form[aria-label='{label}']")).first


def walk_filters(page, app, url: str, form_label: str, row_pattern: str, settings: list[Setting],
                 also: dict[str, str] | None = None) -> None:
    """Set each setting on the list page ``url`` and compare its rows with the setting's SQL.

    ``also`` holds controls set in every walk (a page size large enough for all rows). Fails
    when the form has a control that no setting covers.
    """
    page.goto(url)
    controls = form_fields(_filter_form(page, form_label))
    covered = {setting.control for setting in settings} | set(also or {})
    assert set(controls) == covered, f"{url}: filter controls without a walk: {set(controls) - covered}"
    problems = []
    for setting in settings:
        # From the list as the last setting left it: put every control back, then set this one.
        values = {**{name: entry["value"] for name, entry in controls.items()}, **(also or {}),
                  setting.control: setting.value}
        form = _filter_form(page, form_label)
        submitted = False  # a form with data-autosubmit sends itself when a select changes
        for name, value in values.items():
            entry = form_fields(form)[name]
            if entry["value"] == value:
                continue
            if form.get_attribute("data-autosubmit") is not None and entry["tag"] == "select":
                with page.expect_navigation():
                    set_value(form, entry, value)
                form, submitted = _filter_form(page, form_label), True
            else:
                set_value(form, entry, value)
                submitted = False
        if not submitted:
            with page.expect_navigation():
                form.locator("[type=submit]").first.click()
        shown = set(page.evaluate(ROW_IDS, row_pattern))
        expected = _ids(app, setting.sql, setting.params)
        kept = form_fields(_filter_form(page, form_label))[setting.control]["value"]
        if shown != expected:
            problems.append(f"{setting.control}={setting.value!r}: the page lists {len(shown)} rows, the query "
                            f"{len(expected)}; only on the page: {sorted(shown - expected)[:5]}, "
                            f"only in the query: {sorted(expected - shown)[:5]}")
        if kept != setting.value:
            problems.append(f"{setting.control}={setting.value!r}: after filtering the control shows {kept!r}")
        status = page.get_by_role("status")
        count = re.search(r"\d+", status.first.inner_text()) if status.count() else None
        if count and int(count[0]) != len(expected):
            problems.append(f"{setting.control}={setting.value!r}: the page counts {count[0]}, "
                            f"the query {len(expected)}")
    assert not problems, f"{url}:\n" + "\n".join(problems)


# -- the request list -----------------------------------------------------------------

REQUESTS = "SELECT r.id FROM lp_requests r JOIN persons p ON p.id = r.person_id "


def test_request_list_filters(admin_page, seeded_app):
    app = seeded_app
    person = _one(app, "SELECT p.name FROM persons p JOIN lp_requests r ON r.person_id = p.id ORDER BY r.id LIMIT 1")
    word = max(person.split(), key=len)
    country = _one(app, "SELECT c.alpha2 FROM lp_requests r JOIN countries c ON c.id = r.country_id "
                        "GROUP BY c.alpha2 ORDER BY count(*) DESC, c.alpha2 LIMIT 1")
    mission = _one(app, "SELECT mission_id FROM lp_requests WHERE mission_id IS NOT NULL "
                        "GROUP BY mission_id ORDER BY count(*) DESC, mission_id LIMIT 1")
    officer = _one(app, "SELECT case_officer_id FROM persons WHERE case_officer_id IS NOT NULL "
                        "GROUP BY case_officer_id ORDER BY count(*) DESC LIMIT 1")
    owner = _one(app, "SELECT owner_id FROM lp_requests WHERE owner_id IS NOT NULL "
                      "GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1")
    admin = _one(app, "SELECT id FROM users WHERE email = :e", (("e", ADMIN_EMAIL),))
    # Typed as a person does: the case officer's name (the list's URL keeps the id).
    officer_name = _one(app, "SELECT coalesce(nullif(display_name, ''), email) FROM users WHERE id = :o",
                        (("o", officer),))
    owner_name = _one(app, "SELECT coalesce(nullif(display_name, ''), email) FROM users WHERE id = :o",
                      (("o", owner),))
    since = TODAY - timedelta(days=200)
    settings = [
        Setting("q", word.lower(), REQUESTS + "WHERE lower(p.name) LIKE :like", (("like", f"%{word.lower()}%"),)),
        Setting("country", country, REQUESTS + "JOIN countries c ON c.id = r.country_id WHERE c.alpha2 = :c",
                (("c", country),)),
        Setting("mission", str(mission), REQUESTS + "WHERE r.mission_id = :m", (("m", mission),)),
        Setting("status", "refused", REQUESTS + "WHERE r.status = 'refused'"),
        Setting("state", "open", REQUESTS + "WHERE r.is_open"),
        Setting("state", "closed", REQUESTS + "WHERE NOT r.is_open"),
        Setting("case_officer", officer_name, REQUESTS + "WHERE p.case_officer_id = :o", (("o", officer),)),
        Setting("owner", owner_name, REQUESTS + "WHERE r.owner_id = :o", (("o", owner),)),
        Setting("owner", "me", REQUESTS + "WHERE r.owner_id = :o", (("o", admin),)),  # the admin is logged in
        Setting("submitted_from", since.isoformat(), REQUESTS + "WHERE r.submitted_on >= :d", (("d", since),)),
        Setting("submitted_to", since.isoformat(), REQUESTS + "WHERE r.submitted_on <= :d", (("d", since),)),
        # Reply overdue: still waiting for the embassy's answer, and the answer was due before today.
        Setting("overdue", "yes", REQUESTS + f"WHERE r.is_open AND r.status IN {AWAITING_ANSWER} "
                                             "AND r.reply_due_on < :today", (("today", TODAY),)),
        Setting("detention", "yes", REQUESTS + "WHERE p.in_detention_since IS NOT NULL"),
    ]
    total = _one(app, "SELECT count(*) FROM lp_requests")
    assert total <= 100, "the walk compares every row: keep the demo within one page of 100"
    walk_filters(admin_page, app, "/requests/", "Zoeken en filteren", r"^/requests/(\d+)$", settings,
                 also={"per_page": "100"})


def test_request_list_page_size(admin_page, seeded_app):
    """The page-size control: 25 per page shows 25 rows of all, and says how many pages."""
    total = _one(seeded_app, "SELECT count(*) FROM lp_requests")
    admin_page.goto("/requests/")
    admin_page.get_by_label("Per pagina").select_option("25")
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="Filteren").click()
    assert len(admin_page.evaluate(ROW_IDS, r"^/requests/(\d+)$")) == min(25, total)
    expect(admin_page.get_by_role("status")).to_contain_text(f"{total} aanvragen · pagina 1 van {-(-total // 25)}")


# -- persons ------------------------------------------------------------------------------

def test_person_search(admin_page, seeded_app):
    app = seeded_app
    name, v_number = _row(app, "SELECT name, v_number FROM persons ORDER BY id LIMIT 1")
    word = max(name.split(), key=len).lower()
    settings = [
        Setting("q", word, "SELECT id FROM persons WHERE lower(name) LIKE :like", (("like", f"%{word}%"),)),
        Setting("q", v_number[:4], "SELECT id FROM persons WHERE v_number LIKE :like", (("like", f"{v_number[:4]}%"),)),
        Setting("q", v_number, "SELECT id FROM persons WHERE v_number = :v", (("v", v_number),)),
    ]
    assert _one(app, "SELECT count(*) FROM persons WHERE v_number LIKE :like", (("like", f"{v_number[:4]}%"),)) <= 50
    walk_filters(admin_page, app, "/persons/", "Zoeken", r"^/persons/(\d+)$", settings)


def _row(app, sql: str, params=()):
    with app.app_context():
        row = db.session.execute(text(sql), dict(params)).one()
        db.session.remove()
    return tuple(row)


# -- countries ------------------------------------------------------------------------------

COUNTRIES = "SELECT c.alpha2 FROM countries c "


def test_country_list_filters(admin_page, seeded_app):
    app = seeded_app
    profiled = _one(app, "SELECT name_nl FROM countries WHERE presentation_required = 'yes' ORDER BY alpha2 LIMIT 1")
    holder = _one(app, "SELECT portfolio_holder_id FROM countries WHERE portfolio_holder_id IS NOT NULL "
                       "GROUP BY portfolio_holder_id ORDER BY count(*) DESC LIMIT 1")
    settings = [
        Setting("q", profiled, COUNTRIES + "WHERE lower(c.name_nl) LIKE :like OR lower(c.name_en) LIKE :like",
                (("like", f"%{profiled.lower()}%"),)),
        Setting("agreement_kind", "mou", COUNTRIES + "WHERE EXISTS (SELECT 1 FROM agreements a "
                                                     "WHERE a.country_id = c.id AND a.kind = 'mou')"),
        Setting("presentation_required", "yes", COUNTRIES + "WHERE c.presentation_required = 'yes'"),
        Setting("biometric_registers", "yes", COUNTRIES + "WHERE c.biometric_registers = 'yes'"),
        Setting("refuses_unwilling", "no", COUNTRIES + "WHERE c.refuses_unwilling = 'no'"),
        Setting("requires_identity", "sometimes", COUNTRIES + "WHERE c.requires_identity = 'sometimes'"),
        Setting("portfolio_holder", str(holder), COUNTRIES + "WHERE c.portfolio_holder_id = :h", (("h", holder),)),
        # Not reviewed: never, or longer than a year ago.
        Setting("not_reviewed", "yes", COUNTRIES + "WHERE c.last_reviewed_on IS NULL OR c.last_reviewed_on < :d",
                (("d", TODAY - timedelta(days=365)),)),
    ]
    walk_filters(admin_page, app, "/countries/", "Zoeken en filteren", r"^/countries/([A-Z]{2})$", settings)


# -- reminders ------------------------------------------------------------------------------

#: Open on the inbox: not closed, not acknowledged, not snoozed beyond today.
REMINDERS = ("SELECT m.id FROM reminders m WHERE m.closed_at IS NULL AND m.acknowledged_at IS NULL "
             "AND (m.snoozed_until IS NULL OR m.snoozed_until <= :today) ")


def test_reminder_inbox_filters(admin_page, seeded_app):
    app = seeded_app
    me = _one(app, "SELECT id FROM users WHERE email = :e", (("e", ADMIN_EMAIL),))
    kind, level, country, mission = _row(
        app, "SELECT kind, level, (SELECT alpha2 FROM countries WHERE id = m.country_id), mission_id FROM reminders m "
             "WHERE closed_at IS NULL AND mission_id IS NOT NULL GROUP BY kind, level, country_id, mission_id "
             "ORDER BY count(*) DESC LIMIT 1")
    today = (("today", TODAY),)
    mine = ("AND (m.country_id IN (SELECT id FROM countries WHERE portfolio_holder_id = :me) OR m.request_id IN "
            "(SELECT r.id FROM lp_requests r JOIN persons p ON p.id = r.person_id WHERE p.case_officer_id = :me))")
    settings = [
        Setting("scope", "mine", REMINDERS + mine, (*today, ("me", me))),
        Setting("kind", kind, REMINDERS + "AND m.kind = :k", (*today, ("k", kind))),
        Setting("level", str(level), REMINDERS + "AND m.level = :l", (*today, ("l", level))),
        Setting("country", country, REMINDERS + "AND m.country_id = (SELECT id FROM countries WHERE alpha2 = :c)",
                (*today, ("c", country))),
        Setting("mission", str(mission), REMINDERS + "AND m.mission_id = :m", (*today, ("m", mission))),
        Setting("handled", "yes", "SELECT m.id FROM reminders m WHERE m.closed_at IS NULL"),
    ]
    assert _one(app, "SELECT count(*) FROM reminders WHERE closed_at IS NULL") <= 50, "keep within one page"
    walk_filters(admin_page, app, "/reminders/", "Herinneringen filteren", r"^/reminders/(\d+)$", settings,
                 also={"scope": "all"})


# -- insights -------------------------------------------------------------------------------

def _requests_per_country(app, start: date, end: date) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT c.alpha2, count(*) FROM lp_requests r JOIN countries c ON c.id = r.country_id "
            "WHERE r.submitted_on BETWEEN :start AND :end GROUP BY c.alpha2"), {"start": start, "end": end}).all()
        db.session.remove()
    return dict(rows)


#: Each country row of the insights table: its code (from the link) and its "Aanvragen" figure.
INSIGHT_ROWS = """() => [...document.querySelectorAll('#table-countries tbody tr')].map(tr => [
  new URL(tr.querySelector('th a').href).pathname.split('/').pop(), tr.querySelectorAll('td')[0].innerText.trim()])"""


def _choose_period(page, url: str, start: date, end: date) -> None:
    """Open an insights page and choose the period in its form, as a person does."""
    page.goto(url)
    form = page.locator("form[aria-label='Periode']")
    assert set(form_fields(form)) == {"from", "to"}, f"{url}: a filter control without a walk"
    form.get_by_label("Ingediend vanaf").fill(start.isoformat())
    form.get_by_label("tot en met").fill(end.isoformat())
    with page.expect_navigation():
        form.get_by_role("button", name="Tonen").click()
    expect(form.get_by_label("Ingediend vanaf")).to_have_value(start.isoformat())


@pytest.mark.parametrize("start, end", [(TODAY - timedelta(days=90), TODAY),
                                        (TODAY - timedelta(days=700), TODAY - timedelta(days=365))])
def test_insights_period(admin_page, seeded_app, start, end):
    """The period: each country's number of requests submitted in it, as a direct count has it."""
    _choose_period(admin_page, "/insights/", start, end)
    shown = {alpha2: int(count) for alpha2, count in admin_page.evaluate(INSIGHT_ROWS)}
    expected = _requests_per_country(seeded_app, start, end)
    assert {code: n for code, n in shown.items() if n} == expected

    alpha2 = max(expected, key=expected.get)  # the same period on one country's page
    _choose_period(admin_page, f"/insights/countries/{alpha2}", start, end)
    figure = admin_page.locator("#table-figures tr").filter(has_text="Aanvragen").first.locator("td")
    expect(figure).to_have_text(str(expected[alpha2]))


# -- the log of person views ------------------------------------------------------------------

def test_person_views_filter(admin_page, seeded_app):
    app = seeded_app
    person = _one(app, "SELECT id FROM persons ORDER BY id DESC LIMIT 1")
    admin_page.goto(f"/persons/{person}")  # a view, so that the log holds one for this person
    views = ("SELECT id FROM audit_events WHERE action IN ('person.viewed', 'person.exported') "
             "AND subject_type = 'person' AND subject_id = :p")
    admin_page.goto("/privacy/views")
    form = admin_page.get_by_role("main").get_by_role("search")
    assert set(form_fields(form)) == {"person"}, "person views: a filter control without a walk"
    form.get_by_label("Persoon (id)").fill(str(person))
    expected = _ids(app, views, (("p", person),))
    with admin_page.expect_navigation():
        form.get_by_role("button", name="Tonen").click()
    rows = admin_page.locator("main table tbody tr")
    assert len(expected) >= 1 and rows.count() == len(expected)
    # The filtered page shows the person's V-number, so it is itself logged, after what it lists.
    assert len(_ids(app, views, (("p", person),))) == len(expected) + 1
    for row in rows.all():
        expect(row.get_by_role("link", name=str(person), exact=True)).to_be_visible()


def test_audit_trail_has_no_filter(admin_page):
    """The audit trail lists without filters; a filter added there needs a walk here."""
    admin_page.goto("/admin/audit")
    assert admin_page.locator("main form").count() == 0


#: Each inbox row: the request it is about (None for a country's reminder) and its kind, level left off.
INBOX_ROWS = """() => [...document.querySelectorAll('main table tbody tr')].filter(tr => tr.querySelector('a'))
  .map(tr => [
  (tr.querySelector("a[href^='/requests/']") || {}).textContent || null,
  tr.querySelector('a').textContent.replace(/\\s+–\\s+niveau\\s+\\d.*$/s, '').trim()])"""


def test_reminder_inbox_shows_one_line_per_request_and_kind(admin_page):
    """A higher escalation level supersedes the lower one: one line per request and kind (DESIGN.md)."""
    admin_page.goto("/reminders/?scope=all")
    rows = [tuple(row) for row in admin_page.evaluate(INBOX_ROWS)]
    assert rows, "the demo data has open reminders"
    repeated = sorted({row for row in rows if row[0] and rows.count(row) > 1})
    assert repeated == [], f"requests listed more than once for one kind: {repeated}"


def test_request_list_typeahead_fills_on_focus(admin_page, seeded_app):
    """The country and case-officer inputs offer their options once focused (fetched as JSON, not in the page)."""
    admin_page.goto("/requests/")
    assert admin_page.locator("#country-options option").count() == 0
    admin_page.get_by_label("Land", exact=True).focus()
    expect(admin_page.locator("#country-options option[value='GN']")).to_have_count(1)
    admin_page.get_by_label("Regievoerder", exact=True).focus()
    expect(admin_page.locator("#officer-options option").first).to_be_attached()
    # Chosen by typing the name: the list follows and the URL keeps the code.
    admin_page.get_by_label("Land", exact=True).fill("Guinee")
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="Filteren").click()
    assert "country=GN" in admin_page.url and "Guinee" not in admin_page.url
    assert admin_page.get_by_label("Land", exact=True).input_value() == "GN"
