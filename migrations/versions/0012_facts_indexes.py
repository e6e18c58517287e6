"""The indexes the plans ask for (issue 19): one country's period, expiring LPs

Revision ID: 0012_facts_indexes
Revises: 0011_mfa
Create Date: 2026-11-29 15:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_facts_indexes'
down_revision = '0012_owner'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lp_requests', schema=None) as batch_op:
        batch_op.create_index('ix_lp_requests_country_submitted', ['country_id', 'submitted_on'], unique=False)
        batch_op.create_index('ix_lp_requests_status_valid_until', ['status', 'valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('lp_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_lp_requests_status_valid_until')
        batch_op.drop_index('ix_lp_requests_country_submitted')
