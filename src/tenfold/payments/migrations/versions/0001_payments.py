"""the treasury: programs, ledger, account mapper, instructions, batches, bank files and messages

Revision ID: payments_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "payments_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_cursors',
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('cursor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('bank')
    )
    op.create_table('bank_files',
    sa.Column('file_id', sa.String(length=35), nullable=False),
    sa.Column('batch_id', sa.String(length=12), nullable=False),
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('tx_count', sa.Integer(), nullable=False),
    sa.Column('ctrl_sum_cents', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('reason_code', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('file_id')
    )
    op.create_index('ix_bank_files_state', 'bank_files', ['state'], unique=False)
    op.create_table('bank_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bank', 'kind', 'message_id', name='uq_bank_messages_message')
    )
    op.create_table('budget_allocations',
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('allocation_id', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('allocated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('program_id', 'allocation_id', name='pk_budget_allocations')
    )
    op.create_table('disbursement_batches',
    sa.Column('batch_id', sa.String(length=12), nullable=False),
    sa.Column('institution', sa.String(length=255), nullable=False),
    sa.Column('correlation_id', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=32), nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('callback_url', sa.String(length=500), nullable=True),
    sa.Column('tenant', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('control_count', sa.Integer(), nullable=False),
    sa.Column('control_sum_cents', sa.BigInteger(), nullable=False),
    sa.Column('accepted_count', sa.Integer(), nullable=False),
    sa.Column('accepted_sum_cents', sa.BigInteger(), nullable=False),
    sa.Column('callbacks', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('batch_id'),
    sa.UniqueConstraint('institution', 'correlation_id', name='uq_disbursement_batches_correlation')
    )
    op.create_index('ix_disbursement_batches_state', 'disbursement_batches', ['state'], unique=False)
    op.create_table('financial_address_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('address_id', sa.BigInteger(), nullable=False),
    sa.Column('old_modality', sa.String(length=2), nullable=False),
    sa.Column('old_address', sa.String(length=34), nullable=False),
    sa.Column('new_modality', sa.String(length=2), nullable=False),
    sa.Column('new_address', sa.String(length=34), nullable=False),
    sa.Column('changed_by', sa.String(length=255), nullable=True),
    sa.Column('channel', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_financial_address_changes_address', 'financial_address_changes', ['address_id', 'id'], unique=False)
    op.create_table('financial_addresses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('institution', sa.String(length=255), nullable=False),
    sa.Column('payee_identity', sa.String(length=64), nullable=False),
    sa.Column('payment_modality', sa.String(length=2), nullable=False),
    sa.Column('financial_address', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=False),
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('holder_name', sa.String(length=140), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution', 'payee_identity', name='uq_financial_addresses_payee')
    )
    op.create_table('ledger_accounts',
    sa.Column('account', sa.String(length=96), nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account')
    )
    op.create_table('ledger_postings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('journal', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('account', sa.String(length=96), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('journal', 'account', name='uq_ledger_postings_journal_account')
    )
    op.create_table('payment_instructions',
    sa.Column('batch_id', sa.String(length=12), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=255), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=32), nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('payee_identity', sa.String(length=64), nullable=False),
    sa.Column('beneficiary_id', sa.BigInteger(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payment_mode', sa.String(length=20), nullable=False),
    sa.Column('narration', sa.String(length=140), nullable=True),
    sa.Column('iban', sa.String(length=34), nullable=True),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('bank', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason_code', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('statement_id', sa.String(length=35), nullable=True),
    sa.Column('retry_of', sa.String(length=18), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'seq', name='pk_payment_instructions'),
    sa.UniqueConstraint('institution', 'request_id', name='uq_payment_instructions_request')
    )
    op.create_table('payment_programs',
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('program_id')
    )
    op.create_table('payments_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('public', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_id')
    )
    op.create_table('reconciliation_exceptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=True),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('reconciliation_exceptions')
    op.drop_table('payments_keys')
    op.drop_table('payment_programs')
    op.drop_table('payment_instructions')
    op.drop_table('ledger_postings')
    op.drop_table('ledger_accounts')
    op.drop_table('financial_addresses')
    op.drop_index('ix_financial_address_changes_address', table_name='financial_address_changes')
    op.drop_table('financial_address_changes')
    op.drop_index('ix_disbursement_batches_state', table_name='disbursement_batches')
    op.drop_table('disbursement_batches')
    op.drop_table('budget_allocations')
    op.drop_table('bank_messages')
    op.drop_index('ix_bank_files_state', table_name='bank_files')
    op.drop_table('bank_files')
    op.drop_table('bank_cursors')
