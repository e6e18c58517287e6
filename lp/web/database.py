"""Database connection settings and upkeep that differ per engine."""

from __future__ import annotations

import sqlite3
from typing import Any, Literal, cast

import psycopg
from flask import Flask
from sqlalchemy import CursorResult, UpdateBase, event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from lp.web.extensions import db

Failure = Literal["refused", "conflict", "concurrent", "unavailable"]


def rows_changed(statement: UpdateBase) -> int:
    """Execute an UPDATE or DELETE and return how many rows it changed.

    A conditional UPDATE tells by this count which of two concurrent writers won.
    Session.execute is typed to return a plain Result (SQLAlchemy 2.0.44 on), yet for
    DML without RETURNING it is a CursorResult: the cast SQLAlchemy's changelog advises.
    """
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount

#: Failures that mean the database could not be used (down, restarting, the connection
#: dropped, every pooled connection busy), also when a driver's own error escapes unwrapped.
_UNAVAILABLE = (
    exc.PendingRollbackError,  # a statement failed mid-transaction (e.g. the connection dropped)
    exc.TimeoutError,  # no pooled connection came free in time
    exc.DisconnectionError,
    exc.ResourceClosedError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
)


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys unless each connection asks for them: without this a
    # removed mission leaves its requests pointing at an id the next mission gets.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_file_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (web pages, backups) proceed while the scheduler writes;
    # the busy timeout makes a writer wait for another instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_foreign_keys)
            if ":memory:" not in str(engine.url):
                event.listen(engine, "connect", _sqlite_file_pragmas)


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


def conflict_insert(model, session: Any = None):
    """Return this database's INSERT for ``model``, the kind that takes ON CONFLICT (PostgreSQL or SQLite)."""
    dialect = postgresql if (session or db.session).get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def insert_unless_present(model, unique_columns: list[str]):
    """Return INSERT ... ON CONFLICT (unique_columns) DO NOTHING RETURNING id for this database.

    The database, not the application, then decides that a row is created only once,
    even when two processes insert it at the same moment.
    """
    return (conflict_insert(model).on_conflict_do_nothing(index_elements=unique_columns)
            .returning(model.id))


def failure_kind(error: BaseException | None) -> Failure | None:
    """Say what a failure of the database layer means for whoever caused it, or None.

    - ``refused``: the database refused a value (bad input);
    - ``conflict``: the stored data refused the change (a constraint): a reference to a
      row that is gone, a row still referred to, a duplicate;
    - ``concurrent``: another transaction changed the same rows first;
    - ``unavailable``: the database could not be used: down, restarting, the connection
      dropped mid-request, or too busy.

    For an outage the causes count too: an error raised while handling a dropped
    connection is still an outage, not a bug (any other error stays a bug).
    """
    kind = _own_kind(error) if error is not None else None
    seen: set[int] = set()
    while kind is None and error is not None and id(error) not in seen:
        seen.add(id(error))
        error = error.__cause__ or error.__context__
        if error is not None and _own_kind(error) == "unavailable":
            kind = "unavailable"
    return kind


def _own_kind(error: BaseException) -> Failure | None:
    if isinstance(error, exc.IntegrityError):
        return "conflict"
    if isinstance(error, (StaleDataError, ObjectDeletedError)):
        return "concurrent"  # the row changed or went since this request read it
    if isinstance(error, exc.DataError):
        return "refused"
    if isinstance(error, exc.DBAPIError):
        # SQLSTATE class 40: a serialization failure or deadlock, i.e. a concurrent
        # transaction won; trying again after a reload is the answer, not waiting.
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return "concurrent" if sqlstate.startswith("40") else "unavailable"
    if isinstance(error, _UNAVAILABLE):
        return "unavailable"
    return None
