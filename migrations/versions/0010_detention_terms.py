"""detention_terms: a person's detention term, and a country's flight lead time

Revision ID: 0010_detention_terms
Revises: 0010_agreement_terms
Create Date: 2026-11-29 12:15:00

Issue 14. The detention term (Return Directive 2008/115/EC, art. 15(5)-(6)): the legal
basis and the maximum term in months (empty: the configured default, 6). A country's
flight lead time: how many days before an issued LP expires the flight must be booked
(empty: the default, 14). Existing rows keep both empty, i.e. the defaults. A request's
agreed_by_silence: its handover was agreed by silence under the agreement (insights count
it as its own outcome); false for every existing request.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_detention_terms'
down_revision = '0010_agreement_terms'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detention_legal_basis', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('detention_max_months', sa.Integer(), nullable=True))
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flight_lead_days', sa.Integer(), nullable=True))
    # A plain ADD COLUMN: a batch would rebuild lp_requests on SQLite (its ids are never reused).
    op.add_column('lp_requests', sa.Column('agreed_by_silence', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('lp_requests', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('agreed_by_silence')
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.drop_column('flight_lead_days')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('detention_max_months')
        batch_op.drop_column('detention_legal_basis')
