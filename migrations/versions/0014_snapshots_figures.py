"""snapshots: each country's insights figures kept between page views, and its version (issue 19)

figure_versions: one row per country, raised by every write of one of its requests;
figure_snapshots: one country's figures for one period and day, used again while its
version is the same (lp.insights.snapshots). Both start empty: the first page counts
every country, as it did before.

Revision ID: 0014_snapshots_figures
Revises: 0013_sweep_next_due_on
Create Date: 2026-11-29 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_snapshots_figures'
down_revision = '0013_sweep_next_due_on'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'figure_versions',
        sa.Column('country_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('country_id', name=op.f('pk_figure_versions')),
    )
    op.create_table(
        'figure_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('country_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_snapshots')),
        sa.UniqueConstraint('period_start', 'period_end', 'day', 'country_id', name='uq_figure_snapshots_key'),
    )
    with op.batch_alter_table('figure_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_figure_snapshots_day', ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('figure_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_figure_snapshots_day')
    op.drop_table('figure_snapshots')
    op.drop_table('figure_versions')
