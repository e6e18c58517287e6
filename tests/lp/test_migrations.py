"""The schema comes from migrations; they must build exactly what the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lp import create_app
from lp.extensions import db
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


def test_migration_0009_closes_the_lower_levels_already_open(empty_database_url, tmp_path):
    """Reminders from before the rule: levels 1, 2 and 3 of one request open side by side."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from countries.seed import seed_countries

    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0008")
        seed_countries()
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
