"""Generate a realistic data set of a given size, fast, with bulk inserts.

Ten years of work: ``requests`` LP requests with about seven events each, 250
countries (the seeded ISO list), 200 users, persons, missions, and the reminders the
daily sweep created (and closed) over the years. Values are consistent with what the
services would have stored (status, outcome fields, measured response days, the
deadline clock), so every page and job sees what production would. The last request
is a long case: 200 timeline events (RICH_EVENTS), for the request page at its worst.

Rows go to the database in big batches without the ORM: ``executemany`` on SQLite
(synchronous=OFF and foreign key checks off while generating) and ``COPY`` on
PostgreSQL (psycopg). Values pass the columns' own bind processors first, so they are
stored exactly as SQLAlchemy would store them.

Standalone: ``python -m bench.generate --requests 100000 --database-url URL``.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import time as clock
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table, select
from werkzeug.security import generate_password_hash

from countries.models import Country, Mission
from countries.seed import seed_countries
from lp.auth.models import User
from lp.files.models import Attachment
from lp.persons.models import Person
from lp.reminders.models import Reminder
from lp.requests import deadlines
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db

BATCH = 50_000
#: Timeline events of the last request (the request page's worst case).
RICH_EVENTS = 200
RICH_FILES = 20  # issue 18: the request page with 20 files and 200 timeline events
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


class _Bulk:
    """Write rows (dicts) to a table in bulk: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        connection = db.session.connection()
        self.dialect = connection.dialect
        self.raw = connection.connection.driver_connection
        self.postgresql = self.dialect.name == "postgresql"

    def __call__(self, table: Table, rows: list[dict]) -> None:
        if not rows:
            return
        names = list(rows[0])
        # Columns the rows leave out get their Python-side default, as an ORM insert would.
        defaults = {}
        for column in table.columns:
            if column.name not in rows[0] and column.default is not None and not column.primary_key:
                arg = column.default.arg  # type: ignore[attr-defined]
                defaults[column.name] = arg(None) if callable(arg) else arg
        names += list(defaults)
        processors = [table.c[name].type._cached_bind_processor(self.dialect) for name in names]
        tuples = [tuple(p(v) if p else v for p, v in zip(processors, [*row.values(), *defaults.values()],
                                                       strict=True)) for row in rows]
        columns = ", ".join(names)
        cursor = self.raw.cursor()
        if self.postgresql:
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for values in tuples:
                    copy.write_row(values)
        else:
            marks = ", ".join("?" * len(names))
            cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", tuples)
        cursor.close()
        rows.clear()


    def fast(self) -> None:
        """Generation needs no durability: no fsync, no foreign key checks, a big cache (SQLite).

        Called before the first write of the connection's transaction (the PRAGMAs are
        no-ops inside one); the connection is discarded afterwards (engine.dispose()).
        The journal stays WAL: leaving it needs the database to itself.
        """
        if not self.postgresql:
            for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-400000", "temp_store=MEMORY"):
                self.raw.execute(f"PRAGMA {pragma}")


def _reminders(row: dict, rng: random.Random, staff_ids: list[int], today: date) -> list[dict]:
    """The reminders the daily sweep created while a closed request waited too long, all closed now."""
    if row["is_open"] or row["submitted_on"] is None or row["decided_on"] is None:
        return []
    waited = (row["decided_on"] - row["submitted_on"]).days
    found = []
    for level, days in ((1, 30), (2, 60), (3, 90)):
        if waited <= days:
            break
        found.append(("reply_overdue", level, row["submitted_on"] + timedelta(days=days)))
    if row["status"] == "no_reply":
        found.append(("no_reply", 1, row["decided_on"]))
    result = []
    for n, (kind, level, since) in enumerate(found):
        superseded = n + 1 < len(found) and found[n + 1][0] == kind
        closed = found[n + 1][2] if superseded else row["decided_on"]
        acknowledged = rng.random() < 0.6
        result.append({"subject": f"request:{row['id']}", "kind": kind, "level": level, "request_id": row["id"],
                       "country_id": row["country_id"], "mission_id": row["mission_id"],
                       "owner_id": row["owner_id"], "priority": False, "due_since": since, "created_at": _moment(since),
                       "acknowledged_at": _moment(since + timedelta(days=2)) if acknowledged else None,
                       "acknowledged_by_id": rng.choice(staff_ids) if acknowledged else None,
                       "snoozed_until": None, "note": "", "closed_at": _moment(min(closed, today)),
                       "closed_reason": "superseded" if superseded else None})
    return result


def generate(requests: int, *, today: date, seed: int = 7) -> dict[str, int]:
    """Fill an empty, migrated database; return counts."""
    rng = random.Random(seed)
    seed_countries()
    db.session.commit()
    bulk = _Bulk()
    bulk.fast()
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users = [{"email": f"user{i}@bench.example", "display_name": f"Medewerker {i}",
              "role": "admin" if i == 0 else ("viewer" if i % 10 == 9 else "staff"),
              "password_hash": password_hash, "preferred_language": "nl", "active": True,
              "created_at": _moment(today), "version": 1} for i in range(200)]
    user_count = len(users)
    bulk(User.__table__, users)
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
    db.session.flush()
    bulk(Mission.__table__, missions)
    missions_by_country: dict[int, list[int]] = {}
    for mission_id, country_id in db.session.execute(select(Mission.id, Mission.country_id)):
        missions_by_country.setdefault(country_id, []).append(mission_id)
    # Most work goes to a few dozen countries, as in reality.
    busy = {c.id for c in countries[:40]}
    weights = [30 if c.id in busy else 1 for c in countries]
    country_ids = [c.id for c in countries]

    persons: list[dict] = []
    person_count = max(1, int(requests * 0.8))
    nationalities = rng.choices(country_ids, weights, k=person_count)
    for p in range(person_count):
        persons.append({"v_number": f"{p + 1:010d}", "name": f"Persoon {p} Achternaam{p % 997}",
                        "date_of_birth": date(1970 + p % 35, 1 + p % 12, 1 + p % 28),
                        "nationality_id": nationalities[p],
                        "in_detention_since": today - timedelta(days=rng.randint(1, 200)) if p % 7 == 0 else None,
                        "willingness": rng.choice(("willing", "unwilling", "unknown")),
                        "case_officer_id": rng.choice(staff_ids), "created_at": _moment(today), "version": 1})
        if len(persons) >= BATCH:
            bulk(Person.__table__, persons)
    bulk(Person.__table__, persons)
    person_rows = db.session.execute(
        select(Person.id, Person.nationality_id, Person.in_detention_since, Person.case_officer_id)
        .order_by(Person.id)).all()

    lp_rows: list[dict] = []
    events: list[dict] = []
    reminders: list[dict] = []
    reminder_count = 0
    statuses, status_weights = zip(*OUTCOMES, strict=True)
    drawn = rng.choices(statuses, status_weights, k=requests)
    for n in range(requests):
        request_id = n + 1
        rich = request_id == requests and requests > 1
        person = person_rows[n % len(person_rows)]
        country_id = person.nationality_id
        submitted = today - timedelta(days=rng.randint(1, 3650))
        status = "submitted" if rich else drawn[n]
        if rich:
            submitted = today - timedelta(days=RICH_EVENTS + 10)
        elif status in ("submitted", "presentation_scheduled", "presented") and rng.random() < 0.7:
            submitted = today - timedelta(days=rng.randint(1, 200))  # open cases are mostly recent
        detained = person.in_detention_since is not None
        row = {"id": request_id, "reference": f"LP-{submitted.year}-{request_id:06d}", "person_id": person.id,
               "country_id": country_id, "mission_id": rng.choice(missions_by_country[country_id]),
               "embassy_reference": f"EMB/{request_id}", "status": status, "submitted_on": submitted,
               "channel": rng.choice(CHANNELS), "documents_enclosed": "", "identity_requested": rng.random() < 0.2,
               "decided_on": None, "lp_number": "", "issued_on": None, "valid_until": None, "departed_on": None,
               "refusal_reason": None, "closure_reason": None, "paused_since": None, "paused_days": 0,
               "reply_due_on": None, "next_presentation_at": None, "is_open": True,
               "response_days": None, "allowed_days": None,
               "created_at": _moment(submitted - timedelta(days=1)), "created_by_id": rng.choice(staff_ids),
               "owner_id": person.case_officer_id, "version": 1}
        answer = submitted + timedelta(days=rng.randint(5, 300))
        if answer >= today:
            answer = today - timedelta(days=1) if today - timedelta(days=1) > submitted else submitted
        allowed = deadlines.scaled(30, detained)
        kind_events = [("created", None, "draft", submitted - timedelta(days=1))]
        if status == "draft":
            row["submitted_on"] = None
        else:
            kind_events.append(("status", "draft", "submitted", submitted))
        contacts = RICH_EVENTS - 2 if rich else (rng.randint(2, 7) if status != "draft" else 0)
        step = 1 if rich else 7
        for c in range(contacts):
            when = submitted + timedelta(days=step * (c + 1))
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
        history = _reminders(row, rng, staff_ids, today)
        reminders += history
        reminder_count += len(history)
        for kind, source, target, when in kind_events:
            contact = kind == "contact"
            events.append({"request_id": request_id, "kind": kind, "from_status": source, "to_status": target,
                           "occurred_on": when, "at": _moment(when), "user_id": staff_ids[(request_id + len(events))
                                                                                          % len(staff_ids)],
                           "note": "Gebeld met de ambassade" if contact else "",
                           "data": {"contact_kind": CONTACTS[len(events) % len(CONTACTS)]} if contact else {}})
        if len(lp_rows) >= BATCH // 5:
            bulk(LpRequest.__table__, lp_rows)
            bulk(RequestEvent.__table__, events)
            bulk(Reminder.__table__, reminders)
    bulk(LpRequest.__table__, lp_rows)
    bulk(RequestEvent.__table__, events)
    bulk(Reminder.__table__, reminders)
    rich_person = db.session.scalar(select(LpRequest.person_id).where(LpRequest.id == requests))
    bulk(Attachment.__table__, [  # the rich request's files: the page with 20 files and 200 events
        {"id": n + 1, "request_id": requests, "person_id": rich_person, "event_id": None, "previous_id": None,
         "filename": f"brief-{n + 1}.pdf", "content_type": "application/pdf", "size": 1000 + n,
         "sha256": f"{n + 1:064x}", "scanned": False, "uploaded_at": _moment(today), "uploaded_by_id": staff_ids[0],
         "superseded_at": None, "removed_at": None, "removed_by_id": None}
        for n in range(RICH_FILES)])
    if db.engine.dialect.name == "postgresql":
        for table in ("lp_requests", "request_events", "persons", "users", "missions", "reminders", "attachments"):
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    db.session.commit()
    # The generating connection had fsync and foreign keys off: never hand it to anyone else.
    db.session.close()
    db.engine.dispose()
    return {"requests": requests, "persons": person_count,
            "events": db.session.scalar(select(db.func.count()).select_from(RequestEvent)),
            "reminders": reminder_count, "countries": len(countries), "users": user_count,
            "missions": sum(map(len, missions_by_country.values())),
            "rich_request": requests}


def rebuild_derived(app) -> str:
    """Run the app's own rebuild of derived tables (facts) if it has one; say what happened.

    Another change may add ``flask lp facts rebuild``; generation writes the base tables
    only, so anything derived from them must be rebuilt afterwards or pages read nothing.
    """
    runner = app.test_cli_runner()
    probe = runner.invoke(args=["lp", "facts", "--help"])
    if probe.exit_code != 0:
        return "no `flask lp facts rebuild` in this app: nothing derived to rebuild"
    started = clock.perf_counter()
    result = runner.invoke(args=["lp", "facts", "rebuild"])
    if result.exit_code != 0:
        raise RuntimeError(f"flask lp facts rebuild failed: {result.output}")
    return f"`flask lp facts rebuild` ran in {clock.perf_counter() - started:.1f} s"


def record(key: str, seconds: float, counts: dict[str, int]) -> None:
    """Keep the generation time of a data set beside it (bench/data/generation.json) for RESULTS.md."""
    from lp import PROJECT_ROOT

    path = PROJECT_ROOT / "bench" / "data" / "generation.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(path.read_text()) if path.exists() else {}
    known[key] = {"seconds": round(seconds, 1), "counts": counts, "on": date.today().isoformat()}
    path.write_text(json.dumps(known, indent=1, sort_keys=True))


def main() -> None:
    from flask_migrate import upgrade

    from lp import PROJECT_ROOT, create_app
    from lp.core.clock import today as clock_today

    parser = argparse.ArgumentParser(description="Generate a bench data set into an empty database.")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": secrets.token_hex(32),
                      "LP_INSTANCE_PATH": str(PROJECT_ROOT / "bench" / "data" / "instance")})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        started = clock.perf_counter()
        counts = generate(args.requests, today=clock_today())
        seconds = clock.perf_counter() - started
        record(f"{db.engine.dialect.name} {args.requests}", seconds, counts)
        print(f"generated {counts} in {seconds:.1f} s; {rebuild_derived(app)}")


if __name__ == "__main__":
    main()
