"""dashboard: one owner's presentations ahead and expiring LPs as index ranges (issue 19)

The home page's "my presentations ahead" read every request the user ever owned
(ix_lp_requests_owner) and "my expiring LPs" every issued LP expiring in the next two
weeks, whoever owns it (ix_lp_requests_status_valid_until), each row looked up to test
the other condition: both grow with the data (the dashboard's SQL at 1,000,000 requests was
13 times its SQL at 100,000). With the owner first, each reads only its own rows.

Revision ID: 0015_dashboard_owner_indexes
Revises: 0014_snapshots_figures
Create Date: 2026-11-30 04:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_dashboard_owner_indexes'
down_revision = '0014_snapshots_figures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_lp_requests_owner_presentation', 'lp_requests', ['owner_id', 'next_presentation_at'])
    op.create_index('ix_lp_requests_owner_valid_until', 'lp_requests', ['owner_id', 'status', 'valid_until'])


def downgrade():
    op.drop_index('ix_lp_requests_owner_valid_until', table_name='lp_requests')
    op.drop_index('ix_lp_requests_owner_presentation', table_name='lp_requests')
