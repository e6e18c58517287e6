"""answer_time_facts: the life table of the time to answer, kept as counts (issue 19)

Revision ID: 0012_facts_answer_time_facts
Revises: 0012_facts_indexes
Create Date: 2026-11-29 15:10:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

# revision identifiers, used by Alembic.
revision = '0012_facts_answer_time_facts'
down_revision = '0012_facts_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'answer_time_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('country_id', sa.Integer(), nullable=False),
        sa.Column('mission_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('until_today', sa.Boolean(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('waiting', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_time_facts')),
        sa.UniqueConstraint('country_id', 'mission_id', 'month', 'until_today', 'days', 'done', 'waiting',
                            name='uq_answer_time_facts_key'),
    )
    with op.batch_alter_table('answer_time_facts', schema=None) as batch_op:
        batch_op.create_index('ix_answer_time_facts_month', ['month', 'country_id'], unique=False)
        batch_op.create_index('ix_answer_time_facts_mission', ['mission_id', 'month'], unique=False)
    # Backfill from the requests already recorded.
    from lp.requests import facts  # the app's one definition of a fact
    from lp.requests.models import AnswerTimeFact  # the only facts table at this revision

    session = Session(bind=op.get_bind())
    facts.rebuild(session, [AnswerTimeFact])
    session.flush()


def downgrade():
    with op.batch_alter_table('answer_time_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_time_facts_mission')
        batch_op.drop_index('ix_answer_time_facts_month')
    op.drop_table('answer_time_facts')
