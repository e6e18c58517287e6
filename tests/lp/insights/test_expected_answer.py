"""A waiting request's expected answer: on the request page, in the API and in the digest.

Today is 2026-07-01 (NOW in conftest.py). Country ZZ, missions 0 and 1. History: 12
requests to mission 0 submitted 2026-01-05, 6 issued on day 10, 6 on day 40. Waiting:
  A  mission 0, submitted 05-01, clock paused 05-10 .. 05-15 (5 days): censored at 61 - 5 = 56;
     detained since 2026-02-01 (term ends 2026-08-01)
  B  mission 0, submitted 05-01: censored at 61; detained since 2025-12-01 (term ended 2026-06-01)
  C  mission 1 (no history of its own), submitted 05-01: censored at 61
Mission 0 (14 requests, A and B included): day 10: 14 at risk, 6 answered -> 8/14; day 40:
8 at risk, 6 answered -> 1/7 = 0.14: half by day 40, nine in ten not reached (longest wait 61).
A: 05-01 + 40 + 5 paused = 06-15, before its detention ends. B: 05-01 + 40 = 06-10, after its
detention ended. C reads its country's curve (15 requests): 9/15, then 9/15 * 3/9 = 0.2:
half by day 40 -> 06-10.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from lp.requests import answer_times
from lp.requests.models import LpRequest
from lp.web.extensions import db

TODAY = date(2026, 7, 1)


def _submit(day: str) -> tuple[str, dict]:
    return ("submit", {"submitted_on": day, "channel": "email"})


@pytest.fixture
def waiting(frozen, make_user, make_country, add_request) -> dict[str, int]:
    holder = make_user("holder@example.org", role="staff", display_name="Hanna")
    make_country("ZZ", name_nl="Zetland", portfolio_holder_id=holder,
                 missions=[{"name": "Ambassade ZZ", "city": "Den Haag"}, {"name": "Consulaat ZZ"}])
    # 5 answered on day 10 here and "issued" below (the sixth), 6 on day 40.
    for answered in ["2026-01-15"] * 5 + ["2026-02-14"] * 6:
        add_request("ZZ", 0, {}, [_submit("2026-01-05"),
                                  ("issue", {"lp_number": "LP", "issued_on": answered, "valid_until": "2026-12-31"})])
    return {
        "A": add_request("ZZ", 0, {"in_detention_since": "2026-02-01"},
                         [_submit("2026-05-01"), ("pause", {"occurred_on": "2026-05-10", "reason": "documents"}),
                          ("resume", {"occurred_on": "2026-05-15", "reason": "received"})]),
        "B": add_request("ZZ", 0, {"in_detention_since": "2025-12-01"}, [_submit("2026-05-01")]),
        "C": add_request("ZZ", 1, {}, [_submit("2026-05-01")]),
        "issued": add_request("ZZ", 0, {}, [_submit("2026-01-05"), (
            "issue", {"lp_number": "LP", "issued_on": "2026-01-15", "valid_until": "2026-12-31"})]),
        "holder": holder,
    }


def test_expected_answers_as_worked_out(app, waiting):
    with app.test_request_context():
        requests = [db.session.get(LpRequest, waiting[name]) for name in ("A", "B", "C", "issued")]
        found = answer_times.expected_answers(requests, TODAY)
    a, b, c = found[waiting["A"]], found[waiting["B"]], found[waiting["C"]]
    assert (a.basis, a.requests, a.median_days, a.p90_days, a.median_on, a.longest) == (
        "mission", 14, 40, None, date(2026, 6, 15), 61)
    assert (a.detention_ends_on, a.after_detention) == (date(2026, 8, 1), False)
    assert (b.median_on, b.detention_ends_on, b.after_detention) == (date(2026, 6, 10), date(2026, 6, 1), True)
    assert (c.basis, c.requests, c.median_on, c.after_detention) == ("country", 15, date(2026, 6, 10), None)
    assert waiting["issued"] not in found  # answered: nothing to expect


def test_too_little_history_gives_no_date(app, frozen, make_country, add_request):
    make_country("YY", missions=[{"name": "Ambassade YY"}])
    ids = [add_request("YY", 0, {}, [_submit("2026-05-01")]) for _ in range(answer_times.MIN_REQUESTS - 1)]
    with app.test_request_context():
        assert answer_times.expected_answer(db.session.get(LpRequest, ids[0]), TODAY) is None


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:li|p)>', html, re.DOTALL)
    assert found, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_request_page_shows_the_expected_answer(client, waiting, login_as):
    login_as("viewer")
    html = client.get(f"/requests/{waiting['A']}").get_data(as_text=True)
    assert "Verwacht antwoord" in html
    assert _text(html, "expected-median") == "de helft was beantwoord op dag 40: voor deze aanvraag 15 jun 2026"
    assert _text(html, "expected-p90") == "minder dan negen op de tien was beantwoord binnen 61 dagen"
    assert "1 aug 2026" in _text(html, "expected-detention")
    detained = client.get(f"/requests/{waiting['B']}").get_data(as_text=True)
    assert "pas later beantwoord" in _text(detained, "expected-detention")
    assert 'id="expected-answer"' not in client.get(f"/requests/{waiting['issued']}").get_data(as_text=True)


def test_the_api_gives_the_expected_answer(client, waiting, bearer):
    headers = bearer("viewer")
    body = client.get(f"/api/v1/requests/{waiting['A']}", headers=headers).get_json()
    assert body["expected_answer"] == {
        "basis": "mission", "requests": 14, "since": "2024-07-01", "median_days": 40, "p90_days": None,
        "median_on": "2026-06-15", "p90_on": None, "longest_wait_days": 61, "detention_ends_on": "2026-08-01"}
    assert client.get(f"/api/v1/requests/{waiting['issued']}", headers=headers).get_json()["expected_answer"] is None


def test_the_digest_shows_when_half_were_answered(app, waiting):
    from lp.auth.models import User
    from lp.reminders.digest import build, render

    with app.test_request_context():
        _subject, text, html = render(build(db.session.get(User, waiting["holder"]), TODAY))
        references = {name: db.session.get(LpRequest, waiting[name]).reference for name in ("A", "B", "C")}
    lines: dict[str, str] = {}
    for line in text.splitlines():  # the overdue section's line; a detention warning may list it again
        if line.strip().startswith("- LP-"):
            lines.setdefault(line.split()[1], line)
    assert "de helft beantwoord op 15 jun 2026" in lines[references["A"]]
    assert "(na het einde van de bewaringstermijn)" in lines[references["B"]]
    assert "de helft beantwoord op 10 jun 2026" in lines[references["C"]]
    assert "15 jun 2026" in html


def test_the_curves_are_kept_for_the_next_page_and_counted_again_when_the_country_changes(
        app, client, waiting, login_as, add_request, count_queries):
    """The curves are kept per country and day (lp.requests.snapshots): a second view fits nothing again
    and shows the same dates; a new answer to the country's mission moves the dates at once."""
    login_as("viewer")
    url = f"/requests/{waiting['A']}"
    with count_queries:
        first = client.get(url).get_data(as_text=True)
    counted = count_queries.count
    with count_queries:
        again = client.get(url).get_data(as_text=True)
    assert count_queries.count == counted - 5  # not again: the 3 queries that count the curves, the 2 that keep them
    assert _text(again, "expected-answer") == _text(first, "expected-answer")
    with app.test_request_context():
        kept = answer_times.expected_answers([db.session.get(LpRequest, waiting[n]) for n in "ABC"], TODAY)
    assert kept[waiting["A"]].median_on == date(2026, 6, 15)  # as worked out above, from the kept curves
    # Three more of mission 0's requests answered on day 5: half of its 17 by day 10 now.
    for _ in range(3):
        issued = {"lp_number": "LP", "issued_on": "2026-02-07", "valid_until": "2026-12-31"}
        add_request("ZZ", 0, {}, [_submit("2026-02-02"), ("issue", issued)])
    with app.test_request_context():
        found = answer_times.expected_answers([db.session.get(LpRequest, waiting["A"])], TODAY)[waiting["A"]]
    assert (found.requests, found.median_days, found.median_on) == (17, 10, date(2026, 5, 16))
