"""A complete case (person, documents, request, events, reminder) at a chosen moment in the past."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from lp.web.extensions import db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: Distinctive values: tests assert they appear (export) or never appear (logs, after retention).
NAME = "Zwaantje Kwartelkoning"
NOTE = "Notitie-Vertrouwelijk-7781 over de gezondheid"
REASON = "Wacht op geboorteakte van de moeder"
DOCUMENT_NUMBER = "PX-99817263"
EMBASSY_REFERENCE = "EMB/2019/88341"


def on(day: date):
    """Travel to 10:00 in Amsterdam on ``day`` (the clock stands still)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=AMSTERDAM), tick=False)


@pytest.fixture
def make_case(app, make_country, make_person):
    """Create a person with one request submitted on ``start``; closed (refused) on ``closed_on`` if given.

    Returns the ids: ``{"person": .., "request": .., "reminder": ..}``.
    """
    from countries.services import get_country
    from lp.persons.models import Person
    from lp.reminders.models import Reminder
    from lp.requests import services
    from lp.requests.models import LpRequest

    make_country("GN", missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}])
    numbers = iter(range(1, 1000))

    def make(start: date, closed_on: date | None = None, *, name: str = NAME,
             v_number: str | None = None) -> dict[str, int]:
        v_number = v_number or f"90{next(numbers):08d}"
        with on(start):
            person_id = make_person(
                name=name, v_number=v_number, nationality="GN", date_of_birth="1990-04-01",
                in_detention_since=start.isoformat(),
                documents=[{"kind": "passport", "number": DOCUMENT_NUMBER, "copy_on_file": True}])
            with app.test_request_context():
                country = get_country("GN")
                request = services.create_request(
                    db.session.get(Person, person_id), country, country.missions[0], user_id=None,
                    submit={"submitted_on": start.isoformat(), "channel": "email",
                            "embassy_reference": EMBASSY_REFERENCE,
                            "documents_enclosed": f"Kopie paspoort {name}"})
                services.record_contact(request, {"contact_kind": "call", "occurred_on": start.isoformat(),
                                                  "note": NOTE}, user_id=None)
                services.pause_clock(request, {"occurred_on": start.isoformat(), "reason": REASON}, user_id=None)
                services.resume_clock(request, {"occurred_on": start.isoformat(), "reason": REASON}, user_id=None)
                reminder = Reminder(subject=f"request:{request.id}", kind="overdue", level=1, request_id=request.id,
                                    country_id=country.id, due_since=start, note=NOTE)
                db.session.add(reminder)
                db.session.commit()
                ids = {"person": person_id, "request": request.id, "reminder": reminder.id}
        if closed_on is not None:
            with on(closed_on), app.test_request_context():
                services.apply_transition(db.session.get(LpRequest, ids["request"]), "refuse",
                                          {"refusal_reason": "not_recognised", "decided_on": closed_on.isoformat()},
                                          user_id=None, note=NOTE)
        return ids

    return make


def years_ago(years: float) -> date:
    """Return the day about ``years`` years ago (365.25 days a year)."""
    return date.today() - timedelta(days=round(years * 365.25))
