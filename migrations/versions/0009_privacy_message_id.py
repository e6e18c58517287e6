"""privacy_message_id: a Message-ID made once per outbox mail

Revision ID: 0009_privacy
Revises: 0008
Create Date: 2026-11-29 09:00:00

A mail sent again after a run died between the server's acceptance and the commit
carries the same Message-ID, so the receiving server can drop the repeat. Mails
queued before this migration get theirs here.
"""
from email.utils import make_msgid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_privacy'
down_revision = '0009_reminders'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=250), nullable=True))
    outbox = sa.table('outbox_mails', sa.column('id', sa.Integer()), sa.column('message_id', sa.String()))
    connection = op.get_bind()
    for (mail_id,) in connection.execute(sa.select(outbox.c.id)).all():
        connection.execute(outbox.update().where(outbox.c.id == mail_id)
                           .values(message_id=make_msgid(idstring=f"lp-{mail_id}")))
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.String(length=250), nullable=False)


def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_column('message_id')
