"""owner: an owner per request (and on its reminders), notifications and their preferences

Revision ID: 0012_owner
Revises: 0011_mfa
Create Date: 2026-11-29 15:00:00

Issue 18, parts 2 and 3. Every request gets an owner: the person's case officer, else
the country's portfolio holder (existing rows backfilled the same way). Reminders carry
their owner too (the request's owner; the portfolio holder for a country's reminder), so
the navigation counts "my open reminders" with one index lookup. Notifications are kept
once per (user, kind, subject, occasion); preferences say how each person hears of each kind.
"""
import sqlalchemy as sa
from alembic import op

import lp.core.types

# revision identifiers, used by Alembic.
revision = '0012_owner'
down_revision = '0012_bulk_saved_views'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lp_requests', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_lp_requests_owner_id_users'), 'users', ['owner_id'], ['id'])
        batch_op.create_index('ix_lp_requests_owner', ['owner_id', 'is_open', 'id'], unique=False)
    op.execute(
        "UPDATE lp_requests SET owner_id = COALESCE("
        "(SELECT persons.case_officer_id FROM persons WHERE persons.id = lp_requests.person_id), "
        "(SELECT countries.portfolio_holder_id FROM countries WHERE countries.id = lp_requests.country_id))")

    with op.batch_alter_table('reminders', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reminders_owner_id_users'), 'users', ['owner_id'], ['id'])
        batch_op.create_index('ix_reminders_owner_open',
                              ['owner_id', 'closed_at', 'acknowledged_at', 'snoozed_until'], unique=False)
    op.execute(
        "UPDATE reminders SET owner_id = CASE WHEN request_id IS NOT NULL "
        "THEN (SELECT lp_requests.owner_id FROM lp_requests WHERE lp_requests.id = reminders.request_id) "
        "ELSE (SELECT countries.portfolio_holder_id FROM countries WHERE countries.id = reminders.country_id) END")

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preferences_user_kind')
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('occasion', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lp.core.types.UTCDateTime(), nullable=False),
    sa.Column('summarised_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['lp_requests.id'], name=op.f('fk_notifications_request_id_lp_requests')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'kind', 'subject', 'occasion', name='uq_notifications_once'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_daily', ['mode', 'summarised_on', 'user_id'], unique=False)
        batch_op.create_index('ix_notifications_request', ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_request')
        batch_op.drop_index('ix_notifications_daily')
    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('reminders', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index('ix_reminders_owner_open')
        batch_op.drop_constraint(batch_op.f('fk_reminders_owner_id_users'), type_='foreignkey')
        batch_op.drop_column('owner_id')
    with op.batch_alter_table('lp_requests', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index('ix_lp_requests_owner')
        batch_op.drop_constraint(batch_op.f('fk_lp_requests_owner_id_users'), type_='foreignkey')
        batch_op.drop_column('owner_id')
