"""files: uploaded files (attachments) on requests and persons, stored on disk by SHA-256

Files point at the timeline event they came with, so request_events gets SQLite
AUTOINCREMENT too (its ids are never given out twice; PostgreSQL's sequences never do).

Revision ID: 0012_files_attachments
Revises: 0011_mfa
Create Date: 2026-11-29 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import lp.core.types

# revision identifiers, used by Alembic.
revision = '0012_files_attachments'
down_revision = '0012_facts_answer_time_facts'
branch_labels = None
depends_on = None


def _request_events_autoincrement(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    # A copy of the table with the new option; the rows keep their ids.
    with op.batch_alter_table('request_events', recreate='always',
                              table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def upgrade():
    _request_events_autoincrement(True)
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('scanned', sa.Boolean(), nullable=False),
    sa.Column('uploaded_at', lp.core.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', lp.core.types.UTCDateTime(), nullable=True),
    sa.Column('removed_at', lp.core.types.UTCDateTime(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('size >= 0', name=op.f('ck_attachments_size_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['request_events.id'], name=op.f('fk_attachments_event_id_request_events')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_attachments_person_id_persons')),
    sa.ForeignKeyConstraint(['previous_id'], ['attachments.id'], name=op.f('fk_attachments_previous_id_attachments')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_attachments_removed_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['lp_requests.id'], name=op.f('fk_attachments_request_id_lp_requests')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index('ix_attachments_event', ['event_id'], unique=False)
        batch_op.create_index('ix_attachments_person', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_attachments_request', ['request_id', 'id'], unique=False)
        batch_op.create_index('ix_attachments_sha256', ['sha256'], unique=False)


def downgrade():
    op.drop_table('attachments')
    _request_events_autoincrement(False)
