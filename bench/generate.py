"""Generate a realistic data set of a given size, fast, with bulk inserts.

Ten years of work: ``requests`` LP requests with about ten events each, 250
countries (the seeded ISO list), 200 users. Values are consistent with what the
services would have stored (status, outcome fields, measured response days, the
deadline clock), so every page and job sees what production would.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from countries.models import Country, Mission
from countries.seed import seed_countries
from lp.auth.models import User
from lp.persons.models import Person
from lp.requests import deadlines
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db

BATCH = 5000
OUTCOMES = (  # (status, weight)
    ("issued_used", 34), ("issued_expired", 4), ("issued", 2), ("refused", 12), ("handover_agreed", 3),
    ("no_reply", 8), ("withdrawn", 12), ("submitted", 18), ("presentation_scheduled", 3), ("presented", 2),
    ("draft", 2),
)
CHANNELS = ("post", "courier", "email", "in_person", "electronic")
REFUSALS = ("nationality_not_established", "not_recognised", "unwilling", "other")
CLOSURES = ("departed_independently", "absconded", "residence_permit", "deceased", "other")
CONTACTS = ("call", "email", "visit", "note_verbale")
PASSWORD = "bench password 123"


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), UTC)


def _flush(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])
    rows.clear()


def generate(requests: int, *, today: date, seed: int = 7) -> dict[str, int]:
    """Fill an empty, migrated database; return counts."""
    rng = random.Random(seed)
    seed_countries()
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users = [{"email": f"user{i}@bench.example", "display_name": f"Medewerker {i}",
              "role": "admin" if i == 0 else ("viewer" if i % 10 == 9 else "staff"),
              "password_hash": password_hash, "preferred_language": "nl", "active": True,
              "created_at": _moment(today), "version": 1} for i in range(200)]
    user_count = len(users)
    _flush(User.__table__, users)
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    staff_ids = user_ids[:180]

    countries = list(db.session.scalars(select(Country).order_by(Country.id)))
    missions = []
    for n, country in enumerate(countries):
        country.portfolio_holder_id = staff_ids[n % 40]
        country.presentation_required = rng.choice(("yes", "no", "sometimes", "unknown"))
        country.last_reviewed_on = today - timedelta(days=rng.randint(0, 800))
        for m in range(1 + n % 2):
            missions.append({"country_id": country.id, "kind": "embassy" if m == 0 else "consulate",
                             "name": f"Embassy of {country.name_en}" if m == 0 else f"Consulate of {country.name_en}",
                             "city": "Den Haag", "located_in": "NL", "address": "", "email": "", "phone": "",
                             "contact_person": "", "correspondence_language": rng.choice(("en", "fr", "nl"))})
    db.session.commit()
    _flush(Mission.__table__, missions)
    missions_by_country: dict[int, list[int]] = {}
    for mission_id, country_id in db.session.execute(select(Mission.id, Mission.country_id)):
        missions_by_country.setdefault(country_id, []).append(mission_id)
    # Most work goes to a few dozen countries, as in reality.
    busy = [c.id for c in countries[:40]]
    weights = [30 if c.id in busy else 1 for c in countries]
    country_ids = [c.id for c in countries]

    persons, lp_rows, events = [], [], []
    person_count = max(1, int(requests * 0.8))
    for p in range(person_count):
        persons.append({"v_number": f"{p + 1:010d}", "name": f"Persoon {p} Achternaam{p % 997}",
                        "date_of_birth": date(1970 + p % 35, 1 + p % 12, 1 + p % 28),
                        "nationality_id": rng.choices(country_ids, weights)[0],
                        "in_detention_since": today - timedelta(days=rng.randint(1, 200)) if p % 7 == 0 else None,
                        "willingness": rng.choice(("willing", "unwilling", "unknown")),
                        "case_officer_id": rng.choice(staff_ids), "created_at": _moment(today), "version": 1})
    _flush(Person.__table__, persons)
    person_rows = db.session.execute(select(Person.id, Person.nationality_id, Person.in_detention_since)).all()

    statuses, status_weights = zip(*OUTCOMES, strict=True)
    for n in range(requests):
        request_id = n + 1
        person = person_rows[n % len(person_rows)]
        country_id = person.nationality_id
        submitted = today - timedelta(days=rng.randint(1, 3650))
        status = rng.choices(statuses, status_weights)[0]
        if status in ("submitted", "presentation_scheduled", "presented") and rng.random() < 0.7:
            submitted = today - timedelta(days=rng.randint(1, 200))  # open cases are mostly recent
        detained = person.in_detention_since is not None
        row = {"id": request_id, "reference": f"LP-{submitted.year}-{request_id:06d}", "person_id": person.id,
               "country_id": country_id, "mission_id": rng.choice(missions_by_country[country_id]),
               "embassy_reference": f"EMB/{request_id}", "status": status, "submitted_on": submitted,
               "channel": rng.choice(CHANNELS), "documents_enclosed": "", "identity_requested": False,
               "decided_on": None, "lp_number": "", "issued_on": None, "valid_until": None, "departed_on": None,
               "refusal_reason": None, "closure_reason": None, "paused_since": None, "paused_days": 0,
               "reply_due_on": None, "next_presentation_at": None, "is_open": True,
               "response_days": None, "allowed_days": None,
               "created_at": _moment(submitted - timedelta(days=1)), "created_by_id": rng.choice(staff_ids),
               "version": 1}
        answer = submitted + timedelta(days=rng.randint(5, 300))
        if answer >= today:
            answer = today - timedelta(days=1) if today - timedelta(days=1) > submitted else submitted
        allowed = deadlines.scaled(30, detained)
        kind_events = [("created", None, "draft", submitted - timedelta(days=1))]
        if status == "draft":
            row["submitted_on"] = None
        else:
            kind_events.append(("status", "draft", "submitted", submitted))
        for c in range(rng.randint(2, 7) if status != "draft" else 0):
            when = submitted + timedelta(days=7 * (c + 1))
            if when < today:
                kind_events.append(("contact", None, None, when))
        base = status.split("_")[0] if status.startswith("issued") else status
        if status.startswith("issued"):
            row.update(lp_number=f"LP{request_id}", issued_on=answer, valid_until=answer + timedelta(days=30),
                       decided_on=answer, response_days=(answer - submitted).days, allowed_days=allowed)
            kind_events.append(("status", "submitted", "issued", answer))
            if status == "issued_used":
                row.update(status="used", departed_on=min(answer + timedelta(days=10), today), is_open=False)
                kind_events.append(("status", "issued", "used", row["departed_on"]))
            elif status == "issued_expired":
                row.update(status="expired", is_open=False)
                kind_events.append(("status", "issued", "expired", answer + timedelta(days=31)))
            else:
                row.update(issued_on=today - timedelta(days=5), valid_until=today + timedelta(days=rng.randint(1, 25)),
                           decided_on=today - timedelta(days=5))
            row["status"] = row["status"] if status != "issued" else "issued"
        elif base in ("refused", "handover"):
            row.update(decided_on=answer, response_days=(answer - submitted).days, allowed_days=allowed,
                       is_open=False, refusal_reason=rng.choice(REFUSALS) if status == "refused" else None)
            kind_events.append(("status", "submitted", status, answer))
        elif status == "no_reply":
            decided = min(submitted + timedelta(days=380), today)
            row.update(decided_on=decided, is_open=False)
            kind_events.append(("status", "submitted", "no_reply", decided))
        elif status == "withdrawn":
            row.update(decided_on=answer, is_open=False, closure_reason=rng.choice(CLOSURES))
            kind_events.append(("status", "submitted", "withdrawn", answer))
        elif status in ("submitted", "presentation_scheduled", "presented"):
            row["reply_due_on"] = submitted + timedelta(days=allowed)
            if status == "presentation_scheduled":
                row["next_presentation_at"] = _moment(today + timedelta(days=rng.randint(1, 20)))
                kind_events.append(("status", "submitted", "presentation_scheduled", submitted + timedelta(days=3)))
            if status == "presented":
                kind_events.append(("status", "submitted", "presentation_scheduled", submitted + timedelta(days=3)))
                kind_events.append(("status", "presentation_scheduled", "presented", submitted + timedelta(days=4)))
        lp_rows.append(row)
        for kind, source, target, when in kind_events:
            events.append({"request_id": request_id, "kind": kind, "from_status": source, "to_status": target,
                           "occurred_on": when, "at": _moment(when), "user_id": rng.choice(staff_ids),
                           "note": "Gebeld met de ambassade" if kind == "contact" else "",
                           "data": {"contact_kind": rng.choice(CONTACTS)} if kind == "contact" else {}})
        if len(lp_rows) >= BATCH:
            _flush(LpRequest.__table__, lp_rows)
            _flush(RequestEvent.__table__, events)
    _flush(LpRequest.__table__, lp_rows)
    _flush(RequestEvent.__table__, events)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("lp_requests", "request_events", "persons", "users", "missions"):
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
        db.session.commit()
    return {"requests": requests, "persons": person_count,
            "events": db.session.scalar(select(db.func.count()).select_from(RequestEvent)),
            "countries": len(countries), "users": user_count}
