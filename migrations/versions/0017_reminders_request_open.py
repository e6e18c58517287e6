"""reminders: a request's open reminders and their levels as one index range (issue 19)

The request list shows each request's highest open reminder level: one query for the 50
requests of a page (lp.reminders.signals._levels). With only (request_id) to go on,
SQLite preferred ix_reminders_open and read every open reminder (34,766 at 100,000
requests: 9.6 ms of the list's 11.3 ms of SQL; ten times as many at 1,000,000). The
index on (request_id, closed_at, acknowledged_at, level) replaces the one on
(request_id) and answers it from the index alone on both engines.

Revision ID: 0017_reminders_request_open
Revises: 0016_sweep_days
Create Date: 2026-11-30 05:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_reminders_request_open'
down_revision = '0016_sweep_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_reminders_request_open', 'reminders', ['request_id', 'closed_at', 'acknowledged_at', 'level'])
    op.drop_index('ix_reminders_request', table_name='reminders')


def downgrade():
    op.create_index('ix_reminders_request', 'reminders', ['request_id'])
    op.drop_index('ix_reminders_request_open', table_name='reminders')
