"""exchange: message log, checkpoints, data tracker, monitoring, rights, audit, pub/sub, CENTRAL

Revision ID: exchange_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "exchange_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_admin_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('exchange_central_certificates',
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('pem', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('serial')
    )
    op.create_index('ix_exchange_central_certificates_owner', 'exchange_central_certificates', ['owner'], unique=False)
    op.create_table('exchange_central_checkpoints',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.String(length=255), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('head', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('central_time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'seq', name='uq_exchange_central_checkpoint')
    )
    op.create_table('exchange_central_members',
    sa.Column('member_id', sa.String(length=255), nullable=False),
    sa.Column('gateway_url', sa.String(length=500), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('member_id')
    )
    op.create_table('exchange_checkpoints',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('head', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('member_id', sa.String(length=255), nullable=False),
    sa.Column('signer_pem', sa.Text(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('central_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('central_signature', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('exchange_local_rights',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('service', sa.String(length=255), nullable=False),
    sa.Column('client', sa.String(length=255), nullable=False),
    sa.Column('effect', sa.String(length=5), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('paths', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service', 'client', 'effect', name='uq_exchange_local_rights')
    )
    op.create_table('exchange_messagelog',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('entry', sa.LargeBinary(), nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('ix_exchange_messagelog_message', 'exchange_messagelog', ['message_id'], unique=False)
    op.create_table('exchange_opmon',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('client', sa.String(length=255), nullable=True),
    sa.Column('service', sa.String(length=255), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('error_type', sa.String(length=120), nullable=True),
    sa.Column('request_bytes', sa.Integer(), nullable=False),
    sa.Column('response_bytes', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('trace_id', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exchange_opmon_at', 'exchange_opmon', ['at'], unique=False)
    op.create_table('exchange_pubsub_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('subscription_id', sa.String(length=36), nullable=False),
    sa.Column('subscriber', sa.String(length=255), nullable=False),
    sa.Column('delivery', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'subscription_id', name='uq_exchange_pubsub_delivery')
    )
    op.create_index('ix_exchange_pubsub_due', 'exchange_pubsub_deliveries', ['status', 'delivery', 'next_attempt_at'], unique=False)
    op.create_index('ix_exchange_pubsub_subscriber', 'exchange_pubsub_deliveries', ['subscriber', 'status', 'id'], unique=False)
    op.create_table('exchange_pubsub_event_types',
    sa.Column('room', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=255), nullable=False),
    sa.Column('json_schema', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('room', 'event_type')
    )
    op.create_table('exchange_pubsub_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('room', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=255), nullable=False),
    sa.Column('publisher', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_event_id', sa.String(length=36), nullable=True),
    sa.Column('trace_parent', sa.String(length=60), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('id'),
    sa.UniqueConstraint('room', 'source_event_id', name='uq_exchange_pubsub_source_event')
    )
    op.create_table('exchange_pubsub_subscriptions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('room', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=255), nullable=False),
    sa.Column('subscriber', sa.String(length=255), nullable=False),
    sa.Column('delivery', sa.String(length=4), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('room', 'event_type', 'subscriber', name='uq_exchange_pubsub_subscription')
    )
    op.create_table('exchange_tracker',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client', sa.String(length=255), nullable=False),
    sa.Column('service', sa.String(length=255), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('issue', sa.String(length=255), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exchange_tracker_person', 'exchange_tracker', ['person_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_exchange_tracker_person', table_name='exchange_tracker')
    op.drop_table('exchange_tracker')
    op.drop_table('exchange_pubsub_subscriptions')
    op.drop_table('exchange_pubsub_events')
    op.drop_table('exchange_pubsub_event_types')
    op.drop_index('ix_exchange_pubsub_subscriber', table_name='exchange_pubsub_deliveries')
    op.drop_index('ix_exchange_pubsub_due', table_name='exchange_pubsub_deliveries')
    op.drop_table('exchange_pubsub_deliveries')
    op.drop_index('ix_exchange_opmon_at', table_name='exchange_opmon')
    op.drop_table('exchange_opmon')
    op.drop_index('ix_exchange_messagelog_message', table_name='exchange_messagelog')
    op.drop_table('exchange_messagelog')
    op.drop_table('exchange_local_rights')
    op.drop_table('exchange_checkpoints')
    op.drop_table('exchange_central_members')
    op.drop_table('exchange_central_checkpoints')
    op.drop_index('ix_exchange_central_certificates_owner', table_name='exchange_central_certificates')
    op.drop_table('exchange_central_certificates')
    op.drop_table('exchange_admin_audit')
