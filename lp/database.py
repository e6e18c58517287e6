"""Database connection settings and upkeep that differ per engine."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event, text

from lp.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (web pages, backups) proceed while the scheduler writes;
    # the busy timeout makes a writer wait for another instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and ":memory:" not in str(engine.url):
            event.listen(engine, "connect", _sqlite_pragmas)


def refresh_statistics(full: bool = False) -> None:
    """Update the query planner's statistics (after seeding, and after each daily sweep).

    Without them SQLite picks poor indexes once tables grow (e.g. scanning all open
    reminders instead of looking them up by request).
    """
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        db.session.execute(text("ANALYZE" if full else "PRAGMA optimize"))
    elif dialect == "postgresql" and full:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def insert_unless_present(model, unique_columns: list[str]):
    """Return INSERT ... ON CONFLICT (unique_columns) DO NOTHING RETURNING id for this database.

    The database, not the application, then decides that a row is created only once,
    even when two processes insert it at the same moment.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return (dialect.insert(model).on_conflict_do_nothing(index_elements=unique_columns)
            .returning(model.id))
