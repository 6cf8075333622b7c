"""SIB's life events: intake, decisions, offers, confirmations, enrolments, payment instructions, notifications, exception queue, journey steps, overpayments, applications, settings

Revision ID: lifeevents_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "lifeevents_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assistance_applications',
    sa.Column('id', sa.String(length=30), nullable=False),
    sa.Column('applicant', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decision_id', sa.String(length=30), nullable=False),
    sa.Column('offer_id', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_assistance_applicant', 'assistance_applications', ['applicant'], unique=False)
    op.create_table('decisions',
    sa.Column('id', sa.String(length=30), nullable=False),
    sa.Column('journey', sa.String(length=12), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('rule_version', sa.String(length=40), nullable=False),
    sa.Column('parameter_version', sa.String(length=80), nullable=False),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_decisions_subject', 'decisions', ['subject'], unique=False)
    op.create_table('enrolments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('benefit', sa.String(length=60), nullable=False),
    sa.Column('person', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('iban', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('from_month', sa.String(length=7), nullable=False),
    sa.Column('to_month', sa.String(length=7), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('offer_id', sa.String(length=30), nullable=True),
    sa.Column('decision_id', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program', 'benefit', 'person', 'from_month', name='uq_enrolments_item')
    )
    op.create_index('ix_enrolments_person', 'enrolments', ['person'], unique=False)
    op.create_index('ix_enrolments_recipient', 'enrolments', ['recipient'], unique=False)
    op.create_table('exception_queue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=True),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('offer_id', sa.String(length=30), nullable=True),
    sa.Column('decision_id', sa.String(length=30), nullable=True),
    sa.Column('application_id', sa.String(length=30), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exception_queue_state', 'exception_queue', ['state', 'id'], unique=False)
    op.create_table('journey_steps',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('journey', sa.String(length=12), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_journey_steps_subject', 'journey_steps', ['subject', 'id'], unique=False)
    op.create_table('life_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('event_type', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trace_parent', sa.String(length=60), nullable=True),
    sa.Column('message_id', sa.String(length=100), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'event_id', name='uq_life_events_source_event')
    )
    op.create_index('ix_life_events_due', 'life_events', ['state', 'next_attempt_at'], unique=False)
    op.create_index('ix_life_events_subject', 'life_events', ['subject'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('offer_id', sa.String(length=30), nullable=True),
    sa.Column('person', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notifications_pending', 'notifications', ['state', 'id'], unique=False)
    op.create_table('offer_confirmations',
    sa.Column('offer_id', sa.String(length=30), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('answer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('offer_id', 'idempotency_key')
    )
    op.create_table('offers',
    sa.Column('id', sa.String(length=30), nullable=False),
    sa.Column('journey', sa.String(length=12), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('addressee', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('recipient_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('iban', sa.String(length=40), nullable=True),
    sa.Column('iban_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('decision_id', sa.String(length=30), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('confirmation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('journey', 'subject', 'program', name='uq_offers_subject')
    )
    op.create_index('ix_offers_addressee', 'offers', ['addressee'], unique=False)
    op.create_index('ix_offers_state', 'offers', ['state', 'deadline'], unique=False)
    op.create_table('overpayments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('death_subject', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('benefit', sa.String(length=60), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    op.create_table('payment_instructions',
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('enrolment_id', sa.BigInteger(), nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('benefit', sa.String(length=60), nullable=False),
    sa.Column('person', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('iban', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('batch_id', sa.String(length=20), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('request_id'),
    sa.UniqueConstraint('enrolment_id', 'month', name='uq_payment_instructions_month')
    )
    op.create_index('ix_payment_instructions_due', 'payment_instructions', ['state', 'due_on'], unique=False)
    op.create_table('sib_settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
