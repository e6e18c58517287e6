"""saved views (a list's filters under a name, private or shared, weekly CSV); an attachment on outbox mail

Revision ID: 0012_bulk_saved_views
Revises: 0011_mfa
Create Date: 2026-11-29 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import lp.core.types

# revision identifiers, used by Alembic.
revision = '0012_bulk_saved_views'
down_revision = '0012_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('list_name', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('weekly_csv', sa.Boolean(), nullable=False),
    sa.Column('created_at', lp.core.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index('ix_saved_views_owner', ['owner_id'], unique=False)
        batch_op.create_index('ix_saved_views_shared', ['shared'], unique=False)

    op.add_column('outbox_mails', sa.Column('attachment_name', sa.String(length=120), server_default='', nullable=False))
    op.add_column('outbox_mails', sa.Column('attachment', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_name')

    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_views_shared')
        batch_op.drop_index('ix_saved_views_owner')
    op.drop_table('saved_views')
