"""snapshots: figure_snapshots.kind, so that one country's page and its expected answers are kept beside the overview

figure_snapshots kept one body per country: its row of the overview. A country's own page
(its missions, distribution, trend) and the curves its waiting requests' expected answers are
read from are kept there too now, each as its own kind, under the same country versions. The
kept figures are a cache: they are dropped here and counted again when next viewed.

Revision ID: 0018_snapshots_kind
Revises: 0017_reminders_request_open
Create Date: 2026-11-30 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_snapshots_kind'
down_revision = '0017_reminders_request_open'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM figure_snapshots")
    with op.batch_alter_table('figure_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='countries', nullable=False))
        batch_op.drop_constraint('uq_figure_snapshots_key', type_='unique')
        batch_op.create_unique_constraint('uq_figure_snapshots_key',
                                          ['period_start', 'period_end', 'day', 'kind', 'country_id'])


def downgrade():
    op.execute("DELETE FROM figure_snapshots")
    with op.batch_alter_table('figure_snapshots', schema=None) as batch_op:
        batch_op.drop_constraint('uq_figure_snapshots_key', type_='unique')
        batch_op.create_unique_constraint('uq_figure_snapshots_key', ['period_start', 'period_end', 'day', 'country_id'])
        batch_op.drop_column('kind')
