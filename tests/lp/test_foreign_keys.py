"""Every foreign key in the models is enforced by the database, on SQLite as on PostgreSQL.

The test finds the keys itself (``db.metadata``): a table added later is covered without
touching this file. For each key it fills one row per table (in dependency order, every
reference pointing at a real row) and then checks, each in its own transaction:
- inserting a row whose reference points nowhere fails;
- changing an existing reference to point nowhere fails;
- deleting the referenced row fails, or does what the key's ``ondelete`` says.
And no table that something refers to ever hands out an id twice (SQLite AUTOINCREMENT).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import ForeignKey, Table, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

import lp.models  # noqa: F401  (every table in the metadata)
from lp.web.extensions import db

#: An id no row has (and that still fits a PostgreSQL INTEGER).
NOWHERE = 2**31 - 2

FOREIGN_KEYS = [
    (table, fk) for table in db.metadata.sorted_tables for fk in sorted(table.foreign_keys, key=str)
]


def _value(column) -> Any:
    """A valid value of the column's type; unique enough for unique columns."""
    column_type = column.type
    kind = getattr(column_type, "impl_instance", column_type).python_type  # a TypeDecorator: its base
    if kind is str:
        return uuid.uuid4().hex[: min(getattr(column.type, "length", None) or 32, 32)]
    if kind is bool:
        return False
    if kind is int:
        return 1
    if kind is datetime:
        return datetime.now(UTC)
    if kind is date:
        return date.today()
    if kind in (dict, list):
        return kind()
    raise AssertionError(f"no sample value for {column} ({kind}): teach _value this type")


def _row(table: Table, parents: dict[str, Any]) -> dict[str, Any]:
    """Values for a new row: every reference to an existing row, every required column filled."""
    row = {}
    for column in table.columns:
        if column.foreign_keys:
            (fk,) = column.foreign_keys
            if fk.column.table is table:  # a reference to another row of the same table (a version's previous)
                continue
            row[column.name] = parents[fk.column.table.name]
        elif column.primary_key and column.autoincrement in (True, "auto") and column.type.python_type is int:
            continue
        elif not column.nullable and column.default is None and column.server_default is None:
            row[column.name] = _value(column)
    return row


def _primary_key(table: Table):
    (column,) = table.primary_key.columns
    return column


@pytest.fixture
def one_row_per_table(app) -> dict[str, Any]:
    """Insert one row in every table, parents first; return each table's row id."""
    ids: dict[str, Any] = {}
    with app.app_context(), db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            pk = _primary_key(table)
            values = _row(table, ids)
            inserted = connection.execute(insert(table).values(values).returning(pk)).scalar_one()
            ids[table.name] = inserted
    return ids


def _is_foreign_key_violation(error: IntegrityError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate == "23503" or "FOREIGN KEY constraint failed" in str(error.orig)


def _refused(app, statement) -> bool:
    """Run ``statement`` in a transaction that is rolled back; return whether a foreign key refused it."""
    with app.app_context(), db.engine.connect() as connection:
        try:
            connection.execute(statement)
        except IntegrityError as error:
            assert _is_foreign_key_violation(error), error.orig
            return True
        finally:
            connection.rollback()
    return False


def test_the_suite_finds_the_foreign_keys_that_matter():
    keys = {f"{table.name}.{fk.parent.name}" for table, fk in FOREIGN_KEYS}
    assert {"lp_requests.mission_id", "lp_requests.person_id", "reminders.mission_id",
            "missions.country_id", "agreements.country_id", "api_tokens.user_id"} <= keys


@pytest.mark.parametrize(("table", "fk"), FOREIGN_KEYS, ids=[f"{t.name}.{fk.parent.name}" for t, fk in FOREIGN_KEYS])
def test_foreign_key_is_enforced(app, one_row_per_table, table: Table, fk: ForeignKey):
    column, parent = fk.parent, fk.column.table
    pk = _primary_key(table)
    row_id = one_row_per_table[table.name]
    if parent is table:  # a self-reference: a second row refers to the first, which is then the parent
        with app.app_context(), db.engine.begin() as connection:
            row_id = connection.execute(insert(table).values({**_row(table, one_row_per_table), column.name: row_id})
                                        .returning(pk)).scalar_one()

    new_row = {**_row(table, one_row_per_table), column.name: NOWHERE}
    assert _refused(app, insert(table).values(new_row)), "a row referring to nothing was inserted"
    dangling = update(table).where(pk == row_id).values({column.name: NOWHERE})
    assert _refused(app, dangling), "a reference was changed to point at nothing"

    parent_id = one_row_per_table[parent.name]
    remove_parent = delete(parent).where(_primary_key(parent) == parent_id)
    ondelete = (fk.ondelete or "NO ACTION").upper()
    if ondelete in ("NO ACTION", "RESTRICT"):
        assert _refused(app, remove_parent), f"a {parent.name} row still referred to was deleted"
        return
    # CASCADE or SET NULL: deleting the parent is allowed and reaches the child row.
    with app.app_context(), db.engine.connect() as connection:
        # Nothing but this child may refer to the parent for this check.
        for other_table, other in FOREIGN_KEYS:
            if other.column.table is parent and (other_table, other) != (table, fk):
                connection.execute(update(other_table).values({other.parent.name: None}))
        connection.execute(remove_parent)
        child = connection.execute(select(column).where(pk == row_id)).first()
        connection.rollback()
    assert child is None if ondelete == "CASCADE" else child == (None,)


def test_sqlite_connections_enforce_foreign_keys(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL always enforces foreign keys")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_every_referenced_table_never_reuses_ids():
    referenced = {fk.column.table.name for _table, fk in FOREIGN_KEYS}
    never_reused = {t.name for t in db.metadata.sorted_tables if t.dialect_options["sqlite"]["autoincrement"]}
    missing = referenced - never_reused
    assert not missing, f"add IDS_NEVER_REUSED to __table_args__ of {sorted(missing)} (and a migration)"


def test_a_deleted_rows_id_is_not_given_to_the_next_row(app, one_row_per_table):
    """On both databases: delete the newest row of each referenced table, insert another."""
    referenced = {fk.column.table for _table, fk in FOREIGN_KEYS}
    with app.app_context(), db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):  # children first
            connection.execute(delete(table))
        for parent in sorted(referenced, key=lambda t: t.name):
            pk = _primary_key(parent)
            newest = one_row_per_table[parent.name]
            ids: dict[str, Any] = {}
            for table in db.metadata.sorted_tables:
                if table is parent:
                    break
                ids[table.name] = connection.execute(
                    insert(table).values(_row(table, ids)).returning(_primary_key(table))).scalar_one()
            again = connection.execute(insert(parent).values(_row(parent, ids)).returning(pk)).scalar_one()
            assert again > newest, f"{parent.name} gave id {again} again"
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(delete(table))
