"""never_reused_ids: SQLite AUTOINCREMENT on every table whose ids are kept elsewhere

Without it SQLite gives the id of a removed row (a mission, say) to the next new one,
and whatever still held the old id silently points at the new row. PostgreSQL
sequences never hand out an id twice, so there this migration does nothing.

Revision ID: 0009_fk
Revises: 0008
Create Date: 2026-11-29 08:50:00

"""
from alembic import op

import lp.core.types  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0009_fk'
down_revision = '0008'
branch_labels = None
depends_on = None

#: The tables declared with IDS_NEVER_REUSED in the models.
TABLES = ('users', 'api_tokens', 'countries', 'agreements', 'missions', 'persons', 'lp_requests',
          'reminders')


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        # A copy of the table with the new option; the rows keep their ids, and SQLite's
        # counter starts from the highest of them.
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def _forget_dangling_references() -> None:
    """Set references that point at nothing to NULL where a reference may be empty.

    Until foreign keys were enforced, removing a mission left its requests (and their
    reminders) pointing at a mission that no longer exists. "No mission" is the truth
    for them now; any other dangling reference is reported by migrations/env.py.
    """
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    for table, rowid, _parent, fk_id in bind.exec_driver_sql('PRAGMA foreign_key_check').all():
        if rowid is None:
            continue
        (column,) = [row[3] for row in bind.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")') if row[0] == fk_id]
        nullable = {row[1]: not row[3] for row in bind.exec_driver_sql(f'PRAGMA table_info("{table}")')}
        if nullable.get(column):
            bind.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = NULL WHERE rowid = ?', (rowid,))


def upgrade():
    _forget_dangling_references()
    _recreate(True)


def downgrade():
    _recreate(False)
