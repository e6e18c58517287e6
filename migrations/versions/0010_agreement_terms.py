"""agreement_terms: the unit of an agreement's reply limit and its extension; reference data versions

Revision ID: 0010_agreement_terms
Revises: 0009_privacy
Create Date: 2026-11-29 12:00:00

The EU readmission agreements count their reply limits in calendar or in working
days and most allow an extension on a justified request; both are needed to know
when an answer is due. Limits entered before this migration were asked for in
"calendar days" (the form's label said so), so existing limits get that unit.

reference_data_versions records which version of the shipped reference data (the
agreements) ``lp init`` last brought the database up to.
"""
import sqlalchemy as sa
from alembic import op

import lp.core.types

# revision identifiers, used by Alembic.
revision = '0010_agreement_terms'
down_revision = '0009_privacy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reference_data_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('applied_at', lp.core.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_reference_data_versions'))
    )
    with op.batch_alter_table('agreements', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('reply_time_limit_unit', sa.String(length=10), nullable=False,
                                      server_default='unknown'))
        batch_op.add_column(sa.Column('reply_extension_days', sa.Integer(), nullable=True))
    agreements = sa.table('agreements', sa.column('reply_time_limit_days', sa.Integer()),
                          sa.column('reply_time_limit_unit', sa.String()))
    op.get_bind().execute(agreements.update().where(agreements.c.reply_time_limit_days.is_not(None))
                          .values(reply_time_limit_unit='calendar'))
    with op.batch_alter_table('agreements', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('reply_time_limit_unit', existing_type=sa.String(length=10), server_default=None)


def downgrade():
    op.drop_table('reference_data_versions')
    with op.batch_alter_table('agreements', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('reply_extension_days')
        batch_op.drop_column('reply_time_limit_unit')
