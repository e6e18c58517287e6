"""The schema comes from migrations; they must build exactly what the models describe."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from lp import create_app
from lp.web.extensions import db
from tests.conftest import base_config


def test_lp_init_migrates_seeds_and_is_idempotent(empty_database_url, tmp_path):
    app = create_app(
        {**base_config(empty_database_url, tmp_path / "instance"),
         "LP_ADMIN_EMAIL": "boss@example.org", "LP_ADMIN_PASSWORD": "a long admin password"}
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lp", "init"])
    assert first.exit_code == 0, first.output
    assert "Created administrator boss@example.org." in first.output
    second = runner.invoke(args=["lp", "init"])
    assert second.exit_code == 0, second.output
    assert "Created administrator" not in second.output

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_sqlite_tables_whose_ids_are_kept_never_reuse_them_after_migrating(empty_database_url, tmp_path):
    """The migration gives existing SQLite databases AUTOINCREMENT, keeping rows and references.

    A reference to a mission that was removed while nothing stopped it becomes empty.
    """
    if not empty_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL sequences never reuse ids; the migration does nothing there")
    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0008")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO countries (id, alpha2, alpha3, name_nl, name_en, presentation_required, "
                "biometric_registers, requires_identity, refuses_unwilling, staff_admitted_to_interview, "
                "accepted_documents, forced_return, excluded_from_iom, notes, reminder_policy, version, edited) "
                "VALUES (7, 'SR', 'SUR', 'Suriname', 'Suriname', 'unknown', 'unknown', 'unknown', 'unknown', "
                "'unknown', '', 'unknown', 'unknown', '', '{}', 1, 0)")
            for mission_id in (3, 5):
                connection.exec_driver_sql(
                    "INSERT INTO missions (id, country_id, kind, name, city, located_in, address, email, "
                    f"phone, contact_person, correspondence_language) VALUES ({mission_id}, 7, 'consulate', "
                    "'Consulaat', 'Rotterdam', 'NL', '', '', '', '', 'nl')")
        # Left behind when a removed mission was not yet refused (by a connection that did
        # not enforce keys, as every connection was then): it points at nothing.
        with closing(sqlite3.connect(empty_database_url.removeprefix("sqlite:///"))) as legacy, legacy:
            legacy.execute(
                "INSERT INTO reminders (id, subject, kind, level, country_id, mission_id, priority, due_since, "
                "created_at, note) VALUES (1, 'request:1', 'reply_overdue', 1, 7, 4, 0, '2026-01-01', "
                "'2026-01-01 00:00:00', '')")
        upgrade(directory=directory)
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT mission_id FROM reminders").scalar() is None
            schema = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
            assert connection.exec_driver_sql("SELECT id FROM missions ORDER BY id").scalars().all() == [3, 5]
            connection.exec_driver_sql("DELETE FROM missions WHERE id = 5")
            connection.exec_driver_sql(
                "INSERT INTO missions (country_id, kind, name, city, located_in, address, email, phone, "
                "contact_person, correspondence_language) VALUES (7, 'embassy', 'Ambassade', '', 'NL', '', "
                "'', '', '', 'en')")
            assert connection.exec_driver_sql("SELECT max(id) FROM missions").scalar() == 6
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
    with_autoincrement = {name for name, sql in schema.items() if "AUTOINCREMENT" in (sql or "")}
    declared = {t.name for t in db.metadata.sorted_tables if t.dialect_options["sqlite"]["autoincrement"]}
    assert with_autoincrement == declared
def test_migration_0009_closes_the_lower_levels_already_open(empty_database_url, tmp_path):
    """Reminders from before the rule: levels 1, 2 and 3 of one request open side by side."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0008")
        # Plain SQL, not the seeder: today's models describe columns that 0008 does not have yet.
        db.session.execute(text(
            "INSERT INTO countries (alpha2, alpha3, name_nl, name_en, presentation_required, biometric_registers, "
            "requires_identity, refuses_unwilling, staff_admitted_to_interview, accepted_documents, forced_return, "
            "excluded_from_iom, notes, reminder_policy, version, edited) VALUES ('GN', 'GIN', 'Guinee', 'Guinea', "
            "'unknown', 'unknown', 'unknown', 'unknown', 'unknown', '', 'unknown', 'unknown', '', '{}', 1, false)"))
        country_id = db.session.execute(text("SELECT id FROM countries WHERE alpha2 = 'GN'")).scalar_one()
        insert = text("INSERT INTO reminders (subject, kind, level, country_id, priority, due_since, created_at, "
                      "note) VALUES (:subject, :kind, :level, :country, false, '2026-01-01', "
                      "'2026-01-01 07:00:00', '')")
        rows = [("request:1", "reply_overdue", 1), ("request:1", "reply_overdue", 2),
                ("request:1", "reply_overdue", 3), ("request:1", "no_reply", 1), ("request:2", "reply_overdue", 1)]
        for subject, kind, level in rows:
            db.session.execute(insert, {"subject": subject, "kind": kind, "level": level, "country": country_id})
        db.session.commit()
        upgrade(directory=directory)
        found = {(r.subject, r.kind, r.level): (r.closed_at is not None, r.closed_reason)
                 for r in db.session.execute(text("SELECT subject, kind, level, closed_at, closed_reason "
                                                  "FROM reminders"))}
        db.session.remove()
        db.engine.dispose()
    assert found == {
        ("request:1", "reply_overdue", 1): (True, "superseded"),
        ("request:1", "reply_overdue", 2): (True, "superseded"),
        ("request:1", "reply_overdue", 3): (False, None),
        ("request:1", "no_reply", 1): (False, None),
        ("request:2", "reply_overdue", 1): (False, None),
    }


def test_migration_0011_chains_the_audit_rows_already_there(empty_database_url, tmp_path):
    """Rows written before the chain existed are chained in id order; new rows follow them."""
    from lp.web import audit

    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0009_privacy")
        with db.engine.begin() as connection:
            for number in range(3):
                connection.exec_driver_sql(
                    "INSERT INTO audit_events (at, action, subject_type, subject_id, details) VALUES "
                    f"('2026-0{number + 1}-01 10:00:00.123456', 'user.updated', 'user', {number}, "
                    f"'{{\"role\": \"staff\", \"n\": {number}}}')")
        upgrade(directory=directory, revision="0011_audit_chain")
        assert audit.verify_chain() == audit.ChainReport(3, None)
        audit.record("test.after", "thing", None)
        db.session.commit()
        assert audit.verify_chain() == audit.ChainReport(4, None)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE audit_events SET subject_id = 9 WHERE id = 2")
        assert audit.verify_chain().problem == "row 2 (audit event id 2) was changed"
        db.session.remove()
        db.engine.dispose()


def test_the_owner_migration_backfills_requests_and_reminders(empty_database_url, tmp_path):
    """0012_owner: the case officer owns a request, else the country's portfolio holder; reminders follow."""
    from datetime import date

    from countries.models import Country
    from lp.auth.models import User
    from lp.persons.models import Person
    from lp.reminders.models import Reminder
    from lp.requests.models import LpRequest

    def columns(model, values):  # the model's defaults fill the rest; the new owner_id has none
        return model.__table__.insert().values(**values)

    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0011_mfa")
        with db.engine.begin() as connection:
            for user_id in (1, 2):
                connection.execute(columns(User, {"id": user_id, "email": f"u{user_id}@example.org",
                                                  "display_name": "", "password_hash": "x"}))
            for country_id, holder in ((1, 1), (2, None)):
                connection.execute(columns(Country, {
                    "id": country_id, "alpha2": f"Q{country_id}", "alpha3": f"QQ{country_id}", "name_nl": "Land",
                    "name_en": "Country", "portfolio_holder_id": holder}))
            for person_id, officer in ((1, 2), (2, None)):
                connection.execute(columns(Person, {"id": person_id, "v_number": f"{person_id:010d}", "name": "P",
                                                    "case_officer_id": officer}))
            # (request, person, country): the officer wins; else the holder; else nobody.
            for request_id, person_id, country_id in ((1, 1, 1), (2, 2, 1), (3, 2, 2)):
                connection.execute(columns(LpRequest, {"id": request_id, "person_id": person_id,
                                                       "country_id": country_id}))
                connection.execute(columns(Reminder, {
                    "subject": f"request:{request_id}", "kind": "reply_overdue", "request_id": request_id,
                    "country_id": country_id, "due_since": date(2026, 1, 1)}))
            connection.execute(columns(Reminder, {"subject": "country:1", "kind": "profile_review", "country_id": 1,
                                                  "due_since": date(2026, 1, 1)}))
        upgrade(directory=directory)
        with db.engine.begin() as connection:
            owners = dict(connection.exec_driver_sql("SELECT id, owner_id FROM lp_requests").all())
            assert owners == {1: 2, 2: 1, 3: None}
            reminders = dict(connection.exec_driver_sql("SELECT subject, owner_id FROM reminders").all())
            assert reminders == {"request:1": 2, "request:2": 1, "request:3": None, "country:1": 1}
        db.engine.dispose()
