"""Anonymisation reaches every copy of a person's data, wherever in the database it was copied.

A marker is planted, through the app's own services, in every free-text and
identifier field a case can hold (person, identity document, request, every text
field of the lifecycle, contacts, pauses, detail changes, notes verbales, reminder
notes and the audit trail's copy of them, the weekly digest in the outbox). After
retention every column of every table, found by inspecting the database, is
searched for it: none is left. A column added to a table that holds case data must
be listed here as planted or as not personal, so a new field cannot slip past.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import JSON, Date, MetaData, String, Text, case, cast, func, select

from lp.web.audit import verify_chain
from lp.web.extensions import db
from tests.lp.privacy.conftest import on, years_ago

MARK = "Qz7Merk"
V_NUMBER, BIRTH = "9876543210", "1931-07-19"
LATE_MARK, LATE_V_NUMBER = "Qz8Laat", "9876543211"
KEPT_MARK = "Qz9Blijft"
#: The text, JSON and date columns of case data, each planted with a marker or not personal (and why).
PLANTED = {
    "persons": {"name", "v_number", "date_of_birth", "in_detention_since", "detention_legal_basis"},
    "identity_documents": {"number"},
    "lp_requests": {"embassy_reference", "documents_enclosed", "lp_number"},
    "request_events": {"note", "data"},
    "reminders": {"note"},
    "audit_events": {"details"},
    "outbox_mails": {"body_text", "body_html", "attachment"},
    "presentation_items": {"note"},
    "presentation_days": {"notes"},
    "request_groups": {"label"},
    "attachments": {"filename"},  # the rows are deleted, and the stored bytes with them
}
NOT_PERSONAL = {
    "persons": {"willingness"},  # a code
    "identity_documents": {"kind"},  # a code
    # our reference, codes, and the dates the insights count
    "lp_requests": {"reference", "status", "channel", "refusal_reason", "closure_reason", "submitted_on",
                    "decided_on", "issued_on", "valid_until", "departed_on", "paused_since", "reply_due_on",
                    "next_due_on"},  # the day the reminder sweep looks at it again
    "request_events": {"kind", "from_status", "to_status", "occurred_on"},
    "reminders": {"subject", "kind", "due_since", "snoozed_until", "closed_reason"},  # "request:<id>", a code, dates
    # codes; the staff member's address and browser (not the person's); hashes of the chain
    "audit_events": {"action", "subject_type", "result", "origin_address", "user_agent", "details_hash",
                     "prev_hash", "row_hash"},
    # ids, a staff address, the week, a random Message-ID
    "outbox_mails": {"dedupe_key", "to_address", "subject", "last_error", "message_id",
                     "attachment_name"},  # lp-view-<id>-<week>.csv
    "presentation_items": {"result"},  # a code
    # the embassy's or our premises, the interpreter and the transport team: not the person's
    "presentation_days": {"place", "interpreter", "transport_by", "detention_centre"},
    "request_groups": {"kind"},  # a code
    "attachments": {"content_type", "sha256"},  # a media type; the hash of the bytes (deleted with the row)
}
#: What the insights count, per request: unchanged by retention.
STATISTICS = ("status", "submitted_on", "decided_on", "issued_on", "valid_until", "departed_on", "response_days",
              "allowed_days", "refusal_reason", "closure_reason", "country_id", "mission_id", "channel",
              "paused_days", "reference", "created_at", "is_open")


def _text_columns(table) -> set[str]:
    return {column.name for column in table.columns if isinstance(column.type, (String, Text, JSON, Date))}


def test_every_column_of_case_data_is_planted_or_not_personal(app):
    for name in PLANTED:
        assert _text_columns(db.metadata.tables[name]) == PLANTED[name] | NOT_PERSONAL[name], name


def _find(*markers: str) -> dict[str, list[str]]:
    """Return, per marker, every table.column of the whole database whose text holds it.

    The tables are read from the database itself (not the models), one query per table
    that counts every marker in every column at once.
    """
    found: dict[str, list[str]] = {marker: [] for marker in markers}
    database = MetaData()
    with db.engine.connect() as connection:
        database.reflect(connection)
        for table in database.sorted_tables:
            cells = [(marker, f"{table.name}.{column.name}", cast(column, Text).like(f"%{marker}%"))
                     for column in table.columns for marker in markers]
            counts = connection.execute(
                select(*(func.count(case((holds, 1))) for _m, _c, holds in cells)).select_from(table)).one()
            for (marker, place, _holds), count in zip(cells, counts, strict=True):
                if count:
                    found[marker].append(place)
    return found


def _plant_case(app, admin: int, start: date, mark: str, v_number: str, make_person,
                birth: str | None = None, detention: str | None = None) -> int:
    """Register a person and a request submitted on ``start``, with ``mark`` in every text; return the request id."""
    from countries.services import get_country
    from lp.files import services as files
    from lp.persons.models import Person
    from lp.requests import services

    with on(start):
        person_id = make_person(
            name=f"{mark} naam", v_number=v_number, nationality="GN", date_of_birth=birth,
            in_detention_since=detention, detention_legal_basis=f"{mark} bewaring" if detention else "",
            documents=[{"kind": "passport", "number": f"{mark}-doc", "copy_on_file": True}])
        with app.test_request_context():
            country = get_country("GN")
            request = services.create_request(
                db.session.get(Person, person_id), country, country.missions[0], user_id=admin,
                details={"embassy_reference": f"{mark}-ref0"},
                submit={"submitted_on": start.isoformat(), "channel": "email", "embassy_reference": f"{mark}-ref",
                        "documents_enclosed": f"Kopie paspoort {mark}"})
            services.record_contact(request, {"contact_kind": "call", "occurred_on": start.isoformat(),
                                              "note": f"{mark}-contact"}, user_id=admin)
            services.pause_clock(request, {"occurred_on": start.isoformat(), "reason": f"{mark}-pause"},
                                 user_id=admin)
            services.resume_clock(request, {"occurred_on": start.isoformat(), "reason": f"{mark}-resume"},
                                  user_id=admin)
            services.update_details(request, {"embassy_reference": f"{mark}-ref2",
                                              "documents_enclosed": f"{mark}-docs2"},
                                    user_id=admin, expected_version=request.version)
            letter = f"From: lp@example.org\r\nSubject: {mark}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n"
            files.add_to_request(request, files.check_upload(letter.encode(), f"{mark}-brief.eml"), user_id=admin)
            return request.id


def _remind(app, admin: int, request_id: int, day: date, mark: str) -> None:
    """Sweep on ``day`` and snooze, then acknowledge, the request's reminder with notes."""
    from lp.reminders import services as reminders
    from lp.reminders.models import Reminder
    from lp.reminders.sweep import sweep

    with on(day), app.test_request_context():
        sweep(day)
        reminder = db.session.scalars(select(Reminder).where(Reminder.request_id == request_id)).first()
        assert reminder is not None
        reminders.snooze(reminder, {"until": (day + timedelta(days=3)).isoformat(), "note": f"{mark}-snooze"},
                         user_id=admin)
    with on(day + timedelta(days=4)), app.test_request_context():
        reminders.acknowledge(db.session.get(Reminder, reminder.id), {"note": f"{mark}-ack"}, user_id=admin)


def _present(app, admin: int, request_id: int, day: date, mark: str) -> None:
    """Put the request on a presentation day with notes, and record a no-show with a note."""
    from lp.presentations import services as presentations
    from lp.requests.models import LpRequest

    with on(day), app.test_request_context():
        request = db.session.get(LpRequest, request_id)
        planned = presentations.plan_day(request.mission, {
            "starts_at": f"{day.isoformat()}T09:00", "place": "Den Haag", "notes": f"{mark}-daynotes"}, user_id=admin)
        assert presentations.add_requests(planned, [request_id], with_group=False, user_id=admin).done
        item = planned.items[0]
        row = presentations.ResultRow(item.id, "no_show", f"{mark}-result", item.version, item.request.version)
        assert presentations.record_results(planned, [row], user_id=admin).done


def _link(app, admin: int, request_id: int, other_id: int, mark: str) -> None:
    """Link the request with another, in a group labelled with ``mark``."""
    from lp.requests import groups
    from lp.requests.models import LpRequest

    with app.test_request_context():
        other = db.session.get(LpRequest, other_id)
        groups.link(db.session.get(LpRequest, request_id),
                    {"other": other.reference, "kind": "family", "label": f"{mark}-group"}, user_id=admin)


def _statistics(app, request_ids) -> list[tuple]:
    from lp.requests.models import LpRequest

    with app.app_context():
        return [tuple(getattr(db.session.get(LpRequest, i), name) for name in STATISTICS) for i in request_ids]


def test_no_copy_of_the_data_survives_retention(app, make_country, make_person, make_user):
    from lp.persons.views_log import record_person_view
    from lp.privacy.retention import apply_retention
    from lp.reminders.digest import send_digests
    from lp.requests import services
    from lp.requests.models import LpRequest
    from lp.saved.mail import send_weekly
    from lp.saved.models import SavedView

    admin = make_user("kim@example.org", role="admin")
    make_country("GN", missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}], portfolio_holder_id=admin)
    start = years_ago(8)
    detention = (start - timedelta(days=17)).isoformat()
    # An old case, closed seven years ago: every field planted, reminders, a digest, an LP.
    old = _plant_case(app, admin, start, MARK, V_NUMBER, make_person, birth=BIRTH, detention=detention)
    _remind(app, admin, old, start + timedelta(days=40), MARK)
    later = start + timedelta(days=50)
    with on(later), app.test_request_context():
        request = db.session.get(LpRequest, old)
        assert send_digests(later).queued == 1
        services.record_note_verbale([request], {"occurred_on": later.isoformat(), "note": f"{MARK}-nv"},
                                     user_id=admin)
        services.apply_transition(request, "schedule_presentation", {
            "presentation_at": f"{(later + timedelta(days=5)).isoformat()}T10:00", "place": f"{MARK}-place",
            "interpreter": f"{MARK}-tolk"}, user_id=admin, note=f"{MARK}-schedule")
    with on(later + timedelta(days=6)), app.test_request_context():
        request = db.session.get(LpRequest, old)
        services.apply_transition(request, "record_presentation", {
            "occurred_on": (later + timedelta(days=5)).isoformat(), "took_place": "yes"}, user_id=admin)
        services.apply_transition(request, "issue", {
            "lp_number": f"{MARK}-lp", "issued_on": (later + timedelta(days=6)).isoformat(),
            "valid_until": (later + timedelta(days=40)).isoformat()}, user_id=admin, note=f"{MARK}-issue")
        services.apply_transition(request, "record_departure", {
            "departed_on": (later + timedelta(days=6)).isoformat()}, user_id=admin, note=f"{MARK}-left")
        record_person_view(request.person_id)
    # A case closed today with a date long past: this week's digest quoted it.
    late = _plant_case(app, admin, years_ago(7), LATE_MARK, LATE_V_NUMBER, make_person)
    _present(app, admin, late, years_ago(7) + timedelta(days=20), LATE_MARK)
    with app.test_request_context():
        assert send_digests(date.today()).queued == 1
        # A saved view mailed weekly as CSV: it lists the old case too (closed, unchanged for years).
        db.session.add(SavedView(owner_id=admin, name="Guinea", list_name="requests", params={"country": "GN"},
                                 weekly_csv=True))
        db.session.commit()
        assert send_weekly(date.today()).queued == 1
        services.apply_transition(db.session.get(LpRequest, late), "refuse", {
            "refusal_reason": "not_recognised", "decided_on": years_ago(6).isoformat()},
            user_id=admin, note=f"{LATE_MARK}-refused")
    # A recent case: not due, so its data stays (and shows that the search finds it).
    kept = _plant_case(app, admin, years_ago(1), KEPT_MARK, "9876543212", make_person)
    _link(app, admin, late, kept, LATE_MARK)

    markers = (MARK, V_NUMBER, BIRTH, detention, LATE_MARK, LATE_V_NUMBER)
    with app.app_context():
        planted = _find(*markers)
    assert [marker for marker in markers if not planted[marker]] == [], "not planted"
    assert {f"{table}.{column}" for table, columns in PLANTED.items() for column in columns
            if column not in ("v_number", "date_of_birth", "in_detention_since")} \
        <= set(planted[MARK] + planted[LATE_MARK])
    statistics = _statistics(app, [old, late])

    with app.app_context():
        assert apply_retention().counts()["persons"] == 2

    with app.app_context():
        survivors = _find(*markers, KEPT_MARK)
        # The blanked audit rows are named by the retention's own row: the chain still verifies.
        report = verify_chain()
        assert report.problem is None and report.rows > 0
    assert survivors.pop(KEPT_MARK)  # the case that is not due keeps its data
    assert survivors == {marker: [] for marker in markers}, "survived retention"
    assert _statistics(app, [old, late]) == statistics
    assert _statistics(app, [kept])[0][0] == "submitted"
