"""sweep: lp_requests.next_due_on, the day the daily reminder sweep must look at a request again (issue 19)

The daily sweep reads only the open requests whose day has come (index
ix_lp_requests_next_due) instead of every open request. Every existing row starts as
"changed" (0001-01-01, the column's default): the first sweep after the upgrade looks at
every open request, as it would anyway without an earlier run, and stores each one's day.

Revision ID: 0013_sweep_next_due_on
Revises: 0013_outfacts_outcome_facts
Create Date: 2026-11-29 18:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_sweep_next_due_on'
down_revision = '0013_outfacts_outcome_facts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lp_requests', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('next_due_on', sa.Date(), server_default='0001-01-01', nullable=True))
        batch_op.create_index('ix_lp_requests_next_due', ['is_open', 'next_due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('lp_requests', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index('ix_lp_requests_next_due')
        batch_op.drop_column('next_due_on')
