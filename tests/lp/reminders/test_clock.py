"""The clock on every request: days waiting, due in / overdue, paused since, the reminder level; no query per row."""

import re
from datetime import datetime

import pytest
import time_machine

from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db

from .conftest import AMSTERDAM


@pytest.fixture
def guinea(make_country):
    return make_country("GN", missions=[{"name": "Ambassade van Guinee"}])


def _row(html: str, reference: str) -> str:
    return re.search(rf"<tr>(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>", html, flags=re.S).group(0)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_and_the_page_show_the_clock(app, client, login_as, guinea, make_request, sweep_on):
    overdue = make_request("GN", submitted_on="2026-01-05")  # due 4 February
    waiting = make_request("GN", submitted_on="2026-02-20")  # due 22 March
    paused = make_request("GN", submitted_on="2026-02-02")
    with time_machine.travel(datetime(2026, 2, 10, 9, 0, tzinfo=AMSTERDAM), tick=False), \
            app.test_request_context():
        services.pause_clock(db.session.get(LpRequest, paused),
                             {"occurred_on": "2026-02-10", "reason": "Waiting for a birth certificate"}, user_id=None)
    sweep_on("2026-03-10")  # overdue 34 days: level 2
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=AMSTERDAM), tick=False):
        login_as("staff")
        html = client.get("/requests/").get_data(as_text=True)
        with app.app_context():
            refs = {name: db.session.get(LpRequest, rid).reference
                    for name, rid in (("overdue", overdue), ("waiting", waiting), ("paused", paused))}
        assert "64 dagen wachtend" in _text(_row(html, refs["overdue"]))
        assert "34 dagen te laat" in _text(_row(html, refs["overdue"]))
        assert "herinnering niveau 2" in _text(_row(html, refs["overdue"]))
        assert "18 dagen wachtend over 12 dagen verwacht" in _text(_row(html, refs["waiting"]))
        assert "niveau" not in _text(_row(html, refs["waiting"]))
        paused_row = _text(_row(html, refs["paused"]))
        assert "8 dagen wachtend" in paused_row and "klok stilgezet sinds 10-02-2026" in paused_row
        assert "te laat" not in paused_row and "verwacht" not in paused_row
        page = _text(client.get(f"/requests/{overdue}").get_data(as_text=True))
        assert "64 dagen wachtend 34 dagen te laat herinnering niveau 2" in page
        english = _text(client.get(f"/requests/{waiting}", headers={"Accept-Language": "en"}).get_data(as_text=True))
        assert "18 days waiting due in 12 days" in english


def test_the_list_costs_the_same_queries_for_more_rows_with_reminders(app, client, login_as, guinea, make_request,
                                                                       make_person, sweep_on, count_queries):
    first = make_request("GN", submitted_on="2026-01-05")
    with app.app_context():
        reference = db.session.get(LpRequest, first).reference
    for n in range(12):
        make_request("GN", person_id=make_person(nationality="GN"), submitted_on=f"2026-01-{n + 6:02d}")
    sweep_on("2026-03-10")
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=AMSTERDAM), tick=False):
        login_as("staff")
        counts = []
        for url in (f"/requests/?q={reference}", "/requests/"):
            with count_queries:
                html = client.get(url).get_data(as_text=True)
            counts.append(count_queries.count)
            assert "herinnering niveau" in html
        assert counts[0] == counts[1], counts
