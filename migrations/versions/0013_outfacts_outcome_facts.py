"""outcome_facts and response_day_facts: the insights' counts and response-time histogram, kept as counts;
the partial index of presentation events (issues 15, 19)

Revision ID: 0013_outfacts_outcome_facts
Revises: 0012_files_attachments
Create Date: 2026-11-29 18:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

PRESENTATION_EVENTS = ("kind = 'status' AND (to_status = 'presentation_scheduled' "
                       "OR from_status = 'presentation_scheduled')")

# revision identifiers, used by Alembic.
revision = '0013_outfacts_outcome_facts'
down_revision = '0012_files_attachments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outcome_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('country_id', sa.Integer(), nullable=False),
        sa.Column('mission_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('silence', sa.Boolean(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        sa.Column('within', sa.Boolean(), nullable=False),
        sa.Column('identity', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_facts')),
        sa.UniqueConstraint('country_id', 'mission_id', 'month', 'status', 'reason', 'silence', 'answered', 'within',
                            'identity', name='uq_outcome_facts_key'),
    )
    with op.batch_alter_table('outcome_facts', schema=None) as batch_op:
        batch_op.create_index('ix_outcome_facts_month', ['month', 'country_id'], unique=False)
        batch_op.create_index('ix_outcome_facts_country', ['country_id', 'month'], unique=False)
    op.create_table(
        'response_day_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('country_id', sa.Integer(), nullable=False),
        sa.Column('mission_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_day_facts')),
        sa.UniqueConstraint('country_id', 'mission_id', 'month', 'days', name='uq_response_day_facts_key'),
    )
    with op.batch_alter_table('response_day_facts', schema=None) as batch_op:
        batch_op.create_index('ix_response_day_facts_month', ['month', 'country_id'], unique=False)
        batch_op.create_index('ix_response_day_facts_country', ['country_id', 'month'], unique=False)
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.create_index('ix_request_events_presentations', ['request_id', 'from_status', 'to_status'],
                              unique=False, postgresql_where=sa.text(PRESENTATION_EVENTS),
                              sqlite_where=sa.text(PRESENTATION_EVENTS))
    # Backfill from the requests already recorded.
    from lp.requests import facts  # the app's one definition of a fact
    from lp.requests.models import OutcomeFact, ResponseDayFact

    session = Session(bind=op.get_bind())
    facts.rebuild(session, [OutcomeFact, ResponseDayFact])
    session.flush()


def downgrade():
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_request_events_presentations')
    with op.batch_alter_table('response_day_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_response_day_facts_country')
        batch_op.drop_index('ix_response_day_facts_month')
    op.drop_table('response_day_facts')
    with op.batch_alter_table('outcome_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_facts_country')
        batch_op.drop_index('ix_outcome_facts_month')
    op.drop_table('outcome_facts')
