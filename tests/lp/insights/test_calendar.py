"""The per-user iCalendar feed: made and revoked on its page, parsed with the icalendar library."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import icalendar
import pytest
import time_machine

from lp.insights import ical
from lp.web.extensions import db
from tests.conftest import Auth, post_form
from tests.lp.insights.conftest import ANN, NOW, PERSON_NAME

FEED_URL = re.compile(r'value="(http://localhost/calendar/[A-Za-z0-9_-]+\.ics)"')


def make_feed(client) -> str:
    response = post_form(client, "/insights/calendar")
    assert response.status_code == 200
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "the new address is shown"
    return match.group(1).removeprefix("http://localhost")


@pytest.fixture
def feed(client, auth, dataset) -> str:
    auth.login(ANN)
    url = make_feed(client)
    auth.logout()  # calendar programs have no session
    return url


@pytest.fixture(scope="module")
def shared_feed(module_app, shared_dataset) -> str:
    """Ann's feed on the shared data set, made once: for the tests that only read it."""
    with time_machine.travel(NOW, tick=False):
        client = module_app.test_client()
        assert Auth(client).login(ANN).status_code == 302
        return make_feed(client)


def events(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    return icalendar.Calendar.from_ical(response.get_data()).walk("VEVENT")


def test_feed_lists_presentations_and_checks_of_my_cases_and_countries(module_app, reader, shared_feed,
                                                                       shared_dataset):
    from lp.requests.models import LpRequest

    with module_app.app_context():
        ref = {n: db.session.get(LpRequest, shared_dataset[n]).reference for n in ("R5", "R6", "R17")}
    found = {str(e["SUMMARY"]): e for e in events(reader, shared_feed)}
    # R17 (MA: Ann's portfolio) on Wednesday 8 July 10:00 Amsterdam = 08:00 UTC; its check
    # 3 working days before: Tue 7, Mon 6, Fri 3 July. R6 (Ann's case) on Wednesday 15 July
    # 09:30 = 07:30 UTC; check Tue 14, Mon 13, Fri 10 July. R5 is neither Ann's case nor country.
    assert set(found) == {f"Presentatie {ref['R17']} (Marokko)", f"Presentabiliteitscontrole {ref['R17']} (Marokko)",
                          f"Presentatie {ref['R6']} (Guinee)", f"Presentabiliteitscontrole {ref['R6']} (Guinee)"}
    r17 = found[f"Presentatie {ref['R17']} (Marokko)"]
    assert r17.decoded("DTSTART") == datetime(2026, 7, 8, 8, 0, tzinfo=UTC)
    assert str(r17["LOCATION"]) == "Ambassade van Marokko, Den Haag"
    assert str(r17["URL"]) == f"http://localhost/requests/{shared_dataset['R17']}"
    assert found[f"Presentabiliteitscontrole {ref['R17']} (Marokko)"].decoded("DTSTART") == date(2026, 7, 3)
    assert found[f"Presentabiliteitscontrole {ref['R17']} (Marokko)"].decoded("DTEND") == date(2026, 7, 4)
    assert found[f"Presentatie {ref['R6']} (Guinee)"].decoded("DTSTART") == datetime(2026, 7, 15, 7, 30, tzinfo=UTC)
    assert found[f"Presentabiliteitscontrole {ref['R6']} (Guinee)"].decoded("DTSTART") == date(2026, 7, 10)
    assert len({str(e["UID"]) for e in found.values()}) == 4
    assert all("DTSTAMP" in e for e in found.values())


def test_feed_names_no_person(module_app, reader, shared_feed):
    from lp.persons.models import Person

    body = reader.get(shared_feed).get_data(as_text=True)
    assert "BEGIN:VEVENT" in body  # the feed itself, with events
    with module_app.app_context():
        v_numbers = [p.v_number for p in db.session.scalars(db.select(Person))]
    assert PERSON_NAME not in body and "Secretname" not in body
    assert not any(v in body for v in v_numbers)


def test_feed_follows_rfc_5545_lines(reader, shared_feed):
    body = reader.get(shared_feed).get_data()
    assert body.count(b"BEGIN:VEVENT") == 4
    assert body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in body.replace(b"\r\n", b"")


def test_a_new_address_replaces_the_old_and_revoking_stops_it(client, auth, dataset):
    auth.login(ANN)
    first = make_feed(client)
    second = make_feed(client)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    page = client.get("/insights/calendar").get_data(as_text=True)
    assert "Uw agendafeed staat aan." in page and second not in page  # the address is shown only once
    response = post_form(client, "/insights/calendar/revoke", page="/insights/calendar", follow_redirects=True)
    assert "Uw agendafeed is uitgezet" in response.get_data(as_text=True)
    assert client.get(second).status_code == 404


def test_unknown_token_and_deactivated_account_get_404(app, client, feed):
    from lp.auth.models import User

    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404
    assert client.get("/calendar/" + "x" * 300 + ".ics").status_code == 404
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == ANN))
        assert user.calendar_token_hash and len(user.calendar_token_hash) == 64  # only the SHA-256 is kept
        user.active = False
        db.session.commit()
    assert client.get(feed).status_code == 404


def test_making_a_feed_needs_a_login_and_the_csrf_token(client, login_as):
    assert client.get("/insights/calendar").status_code == 302
    login_as("viewer")
    assert client.post("/insights/calendar").status_code == 400  # no CSRF token
    assert "U hebt geen agendafeed." in client.get("/insights/calendar").get_data(as_text=True)


def test_ical_text_escaping_and_folding():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 80
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in pieces) and all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line
    body = ical.calendar("Test, one", [ical.Event("u1", date(2026, 7, 3), "A; b", description="x\ny")],
                         datetime(2026, 7, 1, tzinfo=UTC))
    parsed = icalendar.Calendar.from_ical(body)
    event = parsed.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "A; b" and str(event["DESCRIPTION"]) == "x\ny"
    assert b"X-WR-CALNAME:Test\\, one\r\n" in body  # an unregistered property: escaped as TEXT
