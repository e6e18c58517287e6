"""audit_chain: result and origin of every audit row; the rows hash-chained

Revision ID: 0011_audit_chain
Revises: 0011_oidc_identity
Create Date: 2026-11-29 13:00:00

BIO2 asks log rows to say result and origin, and logs that cannot be changed unnoticed.
Rows written before this migration were all of actions that happened ("ok"); where they
came from was not kept ("unknown"). They are chained here in id order, so
``lp audit verify`` covers them too; the head row records where the chain ends.
"""
import sqlalchemy as sa
from alembic import op

import lp.core.types
from lp.web.audit_chain import GENESIS, details_digest, row_digest

# revision identifiers, used by Alembic.
revision = '0011_audit_chain'
down_revision = '0011_oidc_identity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.String(length=8), nullable=False, server_default='ok'))
        batch_op.add_column(sa.Column('origin_address', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('details_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    _chain_existing_rows()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('result', existing_type=sa.String(length=8), server_default=None)


def _chain_existing_rows():
    bind = op.get_bind()
    events = sa.table(
        'audit_events', sa.column('id', sa.Integer()), sa.column('at', lp.core.types.UTCDateTime()),
        sa.column('actor_id', sa.Integer()), sa.column('action', sa.String()), sa.column('subject_type', sa.String()),
        sa.column('subject_id', sa.Integer()), sa.column('details', sa.JSON()), sa.column('result', sa.String()),
        sa.column('origin_address', sa.String()), sa.column('user_agent', sa.String()),
        sa.column('seq', sa.Integer()), sa.column('details_hash', sa.String()), sa.column('prev_hash', sa.String()),
        sa.column('row_hash', sa.String()))
    prev, seq, sealed = GENESIS, 0, []
    for row in bind.execute(sa.select(events).order_by(events.c.id)).mappings():
        seq += 1
        details_hash = details_digest(row['details'])
        row_hash = row_digest(prev, seq, at=row['at'], actor_id=row['actor_id'], action=row['action'],
                              subject_type=row['subject_type'], subject_id=row['subject_id'], result='ok',
                              origin_address='unknown', user_agent=None, details_hash=details_hash)
        sealed.append({'row_id': row['id'], 'seq': seq, 'details_hash': details_hash, 'prev_hash': prev,
                       'row_hash': row_hash})
        prev = row_hash
    if sealed:
        bind.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                     .values(seq=sa.bindparam('seq'), details_hash=sa.bindparam('details_hash'),
                             prev_hash=sa.bindparam('prev_hash'), row_hash=sa.bindparam('row_hash'),
                             origin_address='unknown'), sealed)
    head = sa.table('audit_chain_head', sa.column('id', sa.Integer()), sa.column('seq', sa.Integer()),
                    sa.column('row_hash', sa.String()))
    bind.execute(head.insert().values(id=1, seq=seq, row_hash=prev))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('details_hash')
        batch_op.drop_column('seq')
        batch_op.drop_column('user_agent')
        batch_op.drop_column('origin_address')
        batch_op.drop_column('result')
    op.drop_table('audit_chain_head')
