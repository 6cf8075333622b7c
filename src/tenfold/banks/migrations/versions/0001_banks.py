"""a simulated bank: arrivals, transactions, entries, returns, outgoing messages, state

Revision ID: banks_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "banks_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_arrivals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('payment_info_id', sa.String(length=35), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('sender', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('reason_code', sa.String(length=8), nullable=True),
    sa.Column('tx_count', sa.Integer(), nullable=False),
    sa.Column('ctrl_sum_cents', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_bank_arrivals_message', 'bank_arrivals', ['message_id'], unique=False)
    op.create_index('ix_bank_arrivals_source', 'bank_arrivals', ['source', 'sha256'], unique=False)
    op.create_table('bank_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('credit', sa.Boolean(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=True),
    sa.Column('arrival_id', sa.BigInteger(), nullable=True),
    sa.Column('return_reason', sa.String(length=8), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('statement_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    op.create_index('ix_bank_entries_unstated', 'bank_entries', ['statement_seq', 'id'], unique=False)
    op.create_table('bank_outgoing',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('written', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('ix_bank_outgoing_unwritten', 'bank_outgoing', ['channel', 'written', 'seq'], unique=False)
    op.create_table('bank_returns',
    sa.Column('end_to_end_id', sa.String(length=35), nullable=False),
    sa.Column('arrival_id', sa.BigInteger(), nullable=False),
    sa.Column('original_message_id', sa.String(length=35), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reason_code', sa.String(length=8), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('end_to_end_id')
    )
    op.create_index('ix_bank_returns_due', 'bank_returns', ['done', 'due_at'], unique=False)
    op.create_table('bank_state',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('bank_transactions',
    sa.Column('arrival_id', sa.BigInteger(), nullable=False),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('creditor_iban', sa.String(length=34), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason_code', sa.String(length=8), nullable=True),
    sa.PrimaryKeyConstraint('arrival_id', 'end_to_end_id', name='pk_bank_transactions')
    )
    op.create_index('ix_bank_transactions_e2e', 'bank_transactions', ['end_to_end_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bank_transactions_e2e', table_name='bank_transactions')
    op.drop_table('bank_transactions')
    op.drop_table('bank_state')
    op.drop_index('ix_bank_returns_due', table_name='bank_returns')
    op.drop_table('bank_returns')
    op.drop_index('ix_bank_outgoing_unwritten', table_name='bank_outgoing')
    op.drop_table('bank_outgoing')
    op.drop_index('ix_bank_entries_unstated', table_name='bank_entries')
    op.drop_table('bank_entries')
    op.drop_index('ix_bank_arrivals_source', table_name='bank_arrivals')
    op.drop_index('ix_bank_arrivals_message', table_name='bank_arrivals')
    op.drop_table('bank_arrivals')
