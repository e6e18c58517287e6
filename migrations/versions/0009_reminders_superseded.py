"""reminders: a higher level supersedes the lower ones of the same subject and kind

Adds ``reminders.closed_reason`` and closes, as superseded, every open reminder of
which a higher level of the same subject and kind is open too (data from before
the rule: levels 1, 2 and 3 of one request stood open side by side).

Revision ID: 0009_reminders
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import lp.core.types  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0009_reminders'
down_revision = '0009_auth'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminders', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('closed_reason', sa.String(length=16), nullable=True))
    # Moments are stored as naive UTC (lp.core.types.UTCDateTime).
    now_utc = ("(now() AT TIME ZONE 'utc')" if op.get_bind().dialect.name == "postgresql"
               else "CURRENT_TIMESTAMP")
    op.execute(sa.text(
        f"UPDATE reminders SET closed_at = {now_utc}, closed_reason = 'superseded' "
        "WHERE closed_at IS NULL AND EXISTS (SELECT 1 FROM reminders AS higher "
        "WHERE higher.subject = reminders.subject AND higher.kind = reminders.kind "
        "AND higher.level > reminders.level AND higher.closed_at IS NULL)"
    ))


def downgrade():
    with op.batch_alter_table('reminders', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('closed_reason')
