"""sweep: the day the reminder sweep looks at a request again, in a table of its own (issue 19)

On PostgreSQL every change of lp_requests.next_due_on (an indexed column) wrote a new
version of the request's row into each of its 20 indexes: the daily sweep at 1,000,000
requests stores about 5,000 days, and took 10.4 s. sweep_days holds those days (two
indexes); lp_requests.next_due_on stays as the mark that a request changed.

Days stored in lp_requests.next_due_on before this revision stay there and are read as
marks when they come: those requests are looked at on the same day as before, and their
next days then go into sweep_days.

Revision ID: 0016_sweep_days
Revises: 0015_dashboard_owner_indexes
Create Date: 2026-11-30 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_sweep_days'
down_revision = '0015_dashboard_owner_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sweep_days',
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('next_due_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['lp_requests.id'], name=op.f('fk_sweep_days_request_id_lp_requests')),
        sa.PrimaryKeyConstraint('request_id', name=op.f('pk_sweep_days')),
    )
    op.create_index('ix_sweep_days_next_due', 'sweep_days', ['next_due_on'])


def downgrade():
    # The days go back on the requests as marks: every open request is looked at by the next sweep.
    op.execute("UPDATE lp_requests SET next_due_on = '0001-01-01' WHERE is_open")
    op.drop_index('ix_sweep_days_next_due', table_name='sweep_days')
    op.drop_table('sweep_days')
