"""A hand-built data set for the insights: 17 requests, 2 countries, 3 missions.

The clock stands still at NOW (1 July 2026, 12:00 in Amsterdam) for the whole test.
Every figure the tests expect is worked out by hand in test_stats.py from the table
below; keep the two in step.

GN (agreement: reply within 20 days) — mission 0 "Ambassade van Guinee" (Brussel),
mission 1 "Consulaat-generaal van Guinee" (Parijs); no portfolio holder.
MA (no agreement: the default 30 days) — mission 0 "Ambassade van Marokko" (Den Haag);
portfolio holder Ann.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
import time_machine

from lp.web.extensions import db

NOW = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
ANN = "ann@example.org"


def submit(day: str) -> tuple[str, dict]:
    return ("submit", {"submitted_on": day, "channel": "email"})


def issue(issued: str, valid: str) -> tuple[str, dict]:
    return ("issue", {"lp_number": "LP-" + issued, "issued_on": issued, "valid_until": valid})


def refuse(day: str, reason: str) -> tuple[str, dict]:
    return ("refuse", {"refusal_reason": reason, "decided_on": day})


def pause(day: str) -> tuple[str, dict]:
    return ("pause", {"occurred_on": day, "reason": "waiting for documents from the person"})


def resume(day: str) -> tuple[str, dict]:
    return ("resume", {"occurred_on": day, "reason": "documents received"})


def present(at: str, place: str) -> tuple[str, dict]:
    return ("schedule_presentation", {"presentation_at": at, "place": place, "staff_admitted": "no"})


#: name: (country, mission index, person values, steps)
REQUESTS = {
    # GN, mission 0
    "R1": ("GN", 0, {}, [submit("2026-01-05"), issue("2026-01-15", "2026-02-15"),
                         ("record_departure", {"departed_on": "2026-02-01"})]),
    "R2": ("GN", 0, {}, [submit("2026-01-10"), pause("2026-01-20"), resume("2026-02-05"),
                         issue("2026-02-14", "2026-03-14"), ("record_expiry", {})]),
    "R3": ("GN", 0, {}, [submit("2026-02-01"), refuse("2026-03-13", "not_recognised")]),
    "R4": ("GN", 0, {"in_detention_since": "2026-01-01"},
           [submit("2026-03-01"), refuse("2026-03-13", "nationality_not_established")]),
    "R5": ("GN", 0, {}, [submit("2026-04-01"), present("2026-07-03T10:00", "Ambassade, Brussel")]),
    "R6": ("GN", 0, {"case_officer": ANN}, [submit("2026-06-20"),
                                            present("2026-07-15T09:30", "Ambassade, Brussel")]),
    "R7": ("GN", 0, {}, [submit("2025-11-01")]),
    # GN, mission 1
    "R8": ("GN", 1, {}, [submit("2026-02-10"), ("agree_handover", {"decided_on": "2026-03-02"})]),
    "R9": ("GN", 1, {}, [submit("2026-01-20"),
                         ("withdraw", {"closure_reason": "absconded", "decided_on": "2026-02-01"})]),
    "R10": ("GN", 1, {}, [submit("2026-05-01"), pause("2026-05-10")]),
    "R11": ("GN", 1, {}, [submit("2025-06-01"), ("record_no_reply", {"decided_on": "2026-06-01"})]),
    # MA, mission 0
    "R12": ("MA", 0, {}, [submit("2026-01-02"), issue("2026-02-11", "2026-07-10")]),
    "R13": ("MA", 0, {}, [submit("2026-02-02"), issue("2026-02-12", "2026-03-12"),
                          ("withdraw", {"closure_reason": "departed_independently", "decided_on": "2026-03-01"})]),
    "R14": ("MA", 0, {}, [submit("2026-03-02"), refuse("2026-04-01", "unwilling")]),
    "R15": ("MA", 0, {}, [submit("2026-04-15"), ("record_no_reply", {"decided_on": "2026-06-15"})]),
    "R16": ("MA", 0, {}, []),  # a draft: never counts
    "R17": ("MA", 0, {}, [submit("2026-06-01"), present("2026-07-08T10:00", "Ambassade van Marokko, Den Haag")]),
}
#: The person's name on every request: it must never appear in the calendar feed.
PERSON_NAME = "Amadou Secretname"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def add_request(app, make_person):
    """Create a request for a country's n-th mission and apply steps; returns its id."""

    def add(alpha2: str, mission_index: int, person: dict, steps: list) -> int:
        from countries.services import get_country
        from lp.persons.models import Person
        from lp.requests import services
        from lp.requests.models import LpRequest

        person_id = make_person(nationality=alpha2, name=PERSON_NAME, **person)
        with app.test_request_context():
            country = get_country(alpha2)
            request = services.create_request(db.session.get(Person, person_id), country,
                                              country.missions[mission_index], user_id=None)
            for action, data in steps:
                request = db.session.get(LpRequest, request.id)
                if action == "pause":
                    services.pause_clock(request, data, user_id=None)
                elif action == "resume":
                    services.resume_clock(request, data, user_id=None)
                else:
                    services.apply_transition(request, action, data, user_id=None)
            return request.id

    return add


@pytest.fixture
def dataset(frozen, make_user, make_country, add_request) -> dict:
    """Build the data set; returns {"ann": user id, "R1": request id, ...}."""
    ann = make_user(ANN, role="staff", display_name="Ann de Vries")
    make_country("GN", name_nl="Guinee", name_en="Guinea",
                 agreements=[{"kind": "eu_readmission", "title": "EU-Guinee",
                                  "in_force_since": date(2000, 1, 1), "reply_time_limit_days": 20}],
                 missions=[{"name": "Ambassade van Guinee", "city": "Brussel"},
                           {"name": "Consulaat-generaal van Guinee", "city": "Parijs"}])
    make_country("MA", name_nl="Marokko", name_en="Morocco", portfolio_holder_id=ann,
                 missions=[{"name": "Ambassade van Marokko", "city": "Den Haag"}])
    ids = {"ann": ann}
    for name, (alpha2, mission, person, steps) in REQUESTS.items():
        ids[name] = add_request(alpha2, mission, person, steps)
    return ids


class _Tables(HTMLParser):
    """Collect the cell texts of each table by id, and the data-value of each cell."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Return {table id: rows of cell texts} of a page (header rows included)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables
