"""The header's search box in the browser: straight to the single hit; the term in no URL and no access log."""

import logging
import threading
from datetime import date, timedelta

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.e2e import playwright_expect
from tests.e2e.conftest import _without_icon, dutch_context, log_in_through_form

pytestmark = pytest.mark.e2e
expect = playwright_expect()
V_NUMBER = "3141592653"


def test_header_search_goes_to_the_single_hit_and_logs_no_term(app, browser, make_user, make_country, make_person,
                                                               make_request, caplog):
    make_user("kim@example.org", role="viewer", language="en")
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    person = make_person(name="Aissatou Camara", v_number=V_NUMBER, nationality="GN")
    make_person(name="Oumar Camara", nationality="GN")
    make_request("GN", person_id=person, submitted_on=(date.today() - timedelta(days=5)).isoformat())
    # The development server with its own access log (the other browser tests keep it quiet).
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, _without_icon(app), threaded=True, request_handler=WSGIRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = dutch_context(browser, f"http://127.0.0.1:{server.server_port}")
    try:
        page = context.new_page()
        log_in_through_form(page, "kim@example.org")
        box = page.get_by_role("search", name="Search requests and persons").get_by_role("searchbox", name="Go to")
        box.fill(V_NUMBER)
        box.press("Enter")
        expect(page).to_have_url(f"http://127.0.0.1:{server.server_port}/persons/{person}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Aissatou Camara")

        box.fill("camara")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("2 hits for “camara”")
        page.get_by_role("link", name="Oumar Camara").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Oumar Camara")

        box.fill("Zebedeus")
        box.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Nothing found for “Zebedeus”")
        history = [page.url]
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    access_log = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "POST /search" in access_log
    for term in (V_NUMBER, "camara", "Zebedeus"):
        assert term not in access_log and all(term not in url for url in history)
