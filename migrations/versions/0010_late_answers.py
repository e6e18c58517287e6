"""late_answers: an embassy's answer recorded after "no reply" was

Revision ID: 0010_late_answers
Revises: 0010_detention_terms
Create Date: 2026-11-29 13:00:00

Issue 14: an embassy that answers after "no reply" was recorded can now be recorded (LP
issued, refused, handover agreed); answered_late keeps that the answer came after "no
reply" was closed. False for every existing request.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_late_answers'
down_revision = '0010_detention_terms'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch would rebuild lp_requests on SQLite (its ids are never reused).
    op.add_column('lp_requests', sa.Column('answered_late', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('lp_requests', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('answered_late')
