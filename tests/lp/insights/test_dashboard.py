"""The home page: my open reminders, presentations in the next two weeks, expiring LPs, rankings."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine

from lp.core.types import utcnow
from lp.web.extensions import db
from tests.conftest import Auth
from tests.lp.insights.conftest import ANN, NOW, tables


@pytest.fixture(scope="module")
def reminders(module_app, shared_dataset):
    """Reminders on the shared data set: two of Ann's open (one priority), one of someone else's, two no longer open."""
    from lp.reminders.models import Reminder
    from lp.requests.models import LpRequest

    def add(name, kind, **values):
        request = db.session.get(LpRequest, shared_dataset[name])
        # The owner as the sweep sets it: the request's owner (lp.reminders.sweep).
        reminder = Reminder(subject=f"request:{request.id}", kind=kind, level=1, request_id=request.id,
                            country_id=request.country_id, owner_id=request.owner_id,
                            due_since=values.pop("due_since", date(2026, 6, 30)),
                            **values)
        db.session.add(reminder)
        return reminder

    with time_machine.travel(NOW, tick=False), module_app.app_context():
        ids = {
            "R17": add("R17", "presentability_check"),               # MA: Ann's portfolio
            "R6": add("R6", "presentability_check", priority=True),  # Ann is the case officer
            "R5": add("R5", "reply_overdue", due_since=date(2026, 4, 22)),  # nobody's
            "acknowledged": add("R12", "lp_expiring", acknowledged_at=utcnow()),
            "snoozed": add("R15", "no_reply", snoozed_until=date(2026, 7, 5)),
        }
        db.session.commit()
        return {name: reminder.id for name, reminder in ids.items()}


def reference(app, request_id: int) -> str:
    from lp.requests.models import LpRequest

    with app.app_context():
        return db.session.get(LpRequest, request_id).reference


def list_texts(html: str, list_id: str) -> list[str]:
    block = re.search(rf'<ul[^>]*id="{list_id}".*?</ul>', html, flags=re.S)
    assert block, list_id
    items = re.findall(r"<li.*?</li>", block.group(0), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


@pytest.fixture
def ann(reader, reminders):
    """Ann's client on the shared data set with its reminders (the tests that take it only read)."""
    assert Auth(reader).login(ANN).status_code == 302
    return reader


def test_my_dashboard(module_app, ann, shared_dataset, reminders):
    html = ann.get("/").get_data(as_text=True)
    assert "Welkom, Ann de Vries" in html
    ref = {name: reference(module_app, shared_dataset[name]) for name in ("R5", "R6", "R12", "R17")}
    # Reminders: the priority one first, then by due date; the acknowledged and snoozed ones are gone.
    items = list_texts(html, "list-reminders")
    assert len(items) == 2 and items[0].startswith("Bewaring") and ref["R6"] in items[0] and ref["R17"] in items[1]
    assert f'href="/reminders/{reminders["R6"]}"' in html and 'href="/reminders/"' in html
    # Presentations: R17 on 8 July, R6 on 15 July 09:30 (within 14 days of 1 July 12:00); R5 is not Ann's.
    presentations = list_texts(html, "list-presentations")
    assert [ref["R17"] in presentations[0], ref["R6"] in presentations[1], len(presentations)] == [True, True, 2]
    assert f'href="/requests/{shared_dataset["R17"]}"' in html
    # Expiring: R12, valid until 10 July.
    expiring = list_texts(html, "list-expiring")
    assert len(expiring) == 1 and ref["R12"] in expiring[0] and "10 jul 2026" in expiring[0]
    assert ref["R5"] not in html


def test_everyones_dashboard(module_app, ann, shared_dataset):
    html = ann.get("/?scope=all").get_data(as_text=True)
    ref = {name: reference(module_app, shared_dataset[name]) for name in ("R5", "R6", "R17")}
    items = list_texts(html, "list-reminders")
    assert [ref["R6"] in items[0], ref["R5"] in items[1], ref["R17"] in items[2], len(items)] == [True] * 3 + [3]
    presentations = list_texts(html, "list-presentations")
    assert [ref["R5"] in presentations[0], len(presentations)] == [True, 3]  # R5 on 3 July


def test_rankings_link_to_the_countries(viewer):
    html = viewer.get("/").get_data(as_text=True)
    found = tables(html)
    # Last 12 months: GN has 10 counted requests (R1-R10; R7 waiting since 2025-11-01), MA only 5
    # (fewer than 10: not ranked by time to answer). GN's median with waiting counted is 20 days
    # (test_time_to_answer.py, with R7 censored at 242 more at risk); answered only, 19.
    # Within the limit GN 4/5 (the detained R4 is judged by the same limit), MA 2/3.
    # Each ranking is one list (no "slowest" list).
    assert [row[1:3] + row[4:5] for row in found["rank-fastest"][1:]] == [["Guinee", "20", "19"]]
    assert [row[1:3] for row in found["rank-most-within"][1:]] == [["Guinee", "80%"], ["Marokko", "67%"]]
    assert "rank-slowest" not in found
    assert 'href="/insights/countries/GN"' in html and 'href="/insights/countries/MA"' in html


def test_a_long_list_shows_its_first_ten_and_the_total(app, client, auth, dataset, add_request):
    for _ in range(11):
        add_request("MA", 0, {}, [("submit", {"submitted_on": "2026-06-01", "channel": "post"}),
                                  ("issue", {"lp_number": "X", "issued_on": "2026-06-20",
                                             "valid_until": "2026-07-05"})])
    auth.login(ANN)
    html = client.get("/").get_data(as_text=True)
    assert len(list_texts(html, "list-expiring")) == 10
    assert "De eerste 10 van 12." in html


def test_empty_dashboard_and_bad_scope(client, login_as):
    login_as("viewer")
    html = client.get("/").get_data(as_text=True)
    assert "Geen openstaande herinneringen." in html and "Geen presentaties gepland." in html
    assert "Te weinig antwoorden in deze periode om de landen te rangschikken." in html
    assert client.get("/?scope=nobody").status_code == 422


def test_a_request_with_several_open_reminders_is_one_line_with_its_others_counted(app, client, auth, dataset):
    """One line per request: its most urgent reminder (detention first, then the longest due), "and N others";
    the total counts requests, not reminders; a snoozed or acknowledged reminder is not among the others."""
    from lp.reminders.models import Reminder
    from lp.requests.models import LpRequest

    with app.app_context():
        request = db.session.get(LpRequest, dataset["R17"])  # Morocco: Ann's portfolio
        made = [Reminder(subject=f"request:{request.id}", kind=kind, level=1, request_id=request.id,
                         country_id=request.country_id, owner_id=request.owner_id, due_since=due, **values)
                for kind, due, values in (("reply_overdue", date(2026, 6, 1), {}),
                                          ("presentability_check", date(2026, 5, 1), {}),
                                          ("no_reply", date(2026, 4, 1), {"snoozed_until": date(2026, 7, 5)}),
                                          ("lp_expiring", date(2026, 3, 1), {"acknowledged_at": utcnow()}))]
        db.session.add_all(made)
        db.session.commit()
        oldest = made[1].id
    auth.login(ANN)
    html = client.get("/").get_data(as_text=True)
    items = list_texts(html, "list-reminders")
    assert len(items) == 1 and "en nog 1 herinnering" in items[0]
    assert f'href="/reminders/{oldest}"' in html  # the longest due of the two open ones
    assert re.search(r'id="dash-reminders">[^<]*<span class="badge[^"]*">1</span>', html)
