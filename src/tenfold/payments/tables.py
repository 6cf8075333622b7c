"""Tables of the payments building block, in the treasury's own database.

Money columns are integer cents. Ledger postings are single lines with a signed amount
(positive: debit, negative: credit); the lines of one journal sum to zero, and the journal key
is deterministic (``pay:<end-to-end id>``...), so a UNIQUE constraint refuses to post the same
thing twice whatever the code above it does.
"""

from sqlalchemy import (
    BigInteger, Boolean, Column, Index, Integer, LargeBinary, MetaData, PrimaryKeyConstraint, String, Table, Text,
    UniqueConstraint,
)

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

programs = Table(
    "payment_programs", metadata,
    Column("program_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Budget allocations follow the duplicate rule like every command that moves money.
allocations = Table(
    "budget_allocations", metadata,
    Column("program_id", String(64), nullable=False),
    Column("allocation_id", String(64), nullable=False),
    Column("request_hash", String(32), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("allocated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("program_id", "allocation_id", name="pk_budget_allocations"),
)

# Materialised balances of the program accounts (fund, reserved, appropriation), kept in the same
# transaction as the postings; beneficiary accounts are only their lines.
ledger_accounts = Table(
    "ledger_accounts", metadata,
    Column("account", String(96), primary_key=True),
    Column("program_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("balance_cents", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

postings = Table(
    "ledger_postings", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("journal", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("account", String(96), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
    UniqueConstraint("journal", "account", name="uq_ledger_postings_journal_account"),
)

# The account mapper: a functional id (never the personal code) -> a financial address.
financial_addresses = Table(
    "financial_addresses", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("institution", String(255), nullable=False),
    Column("payee_identity", String(64), nullable=False),
    Column("payment_modality", String(2), nullable=False),
    Column("financial_address", String(34), nullable=False),
    Column("bic", String(11), nullable=False),
    Column("bank", String(64), nullable=False),
    Column("holder_name", String(140), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("institution", "payee_identity", name="uq_financial_addresses_payee"),
)

financial_address_changes = Table(
    "financial_address_changes", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("address_id", BigInteger, nullable=False),
    Column("old_modality", String(2), nullable=False),
    Column("old_address", String(34), nullable=False),
    Column("new_modality", String(2), nullable=False),
    Column("new_address", String(34), nullable=False),
    Column("changed_by", String(255), nullable=True),
    Column("channel", String(255), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("changed_at", UTCDateTime(), nullable=False),
    Index("ix_financial_address_changes_address", "address_id", "id"),
)

disbursement_batches = Table(
    "disbursement_batches", metadata,
    Column("batch_id", String(12), primary_key=True),
    Column("institution", String(255), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("request_hash", String(32), nullable=False),
    Column("program_id", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("callback_url", String(500), nullable=True),
    Column("tenant", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("control_count", Integer, nullable=False),
    Column("control_sum_cents", BigInteger, nullable=False),
    Column("accepted_count", Integer, nullable=False),
    Column("accepted_sum_cents", BigInteger, nullable=False),
    Column("callbacks", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("released_at", UTCDateTime(), nullable=True),
    Column("completed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("institution", "correlation_id", name="uq_disbursement_batches_correlation"),
    Index("ix_disbursement_batches_state", "state"),
)

# One row per credit transfer; the end-to-end id is the batch id and the sequence number, so a
# bank's answer finds its instruction by primary key.
payment_instructions = Table(
    "payment_instructions", metadata,
    Column("batch_id", String(12), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("institution", String(255), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("request_hash", String(32), nullable=False),
    Column("program_id", String(64), nullable=False),
    Column("payee_identity", String(64), nullable=False),
    Column("beneficiary_id", BigInteger, nullable=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_mode", String(20), nullable=False),
    Column("narration", String(140), nullable=True),
    Column("iban", String(34), nullable=True),
    Column("bic", String(11), nullable=True),
    Column("bank", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("reason_code", String(8), nullable=True),
    Column("reason", String(200), nullable=True),
    Column("statement_id", String(35), nullable=True),
    Column("retry_of", String(18), nullable=True),
    Column("paid_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("batch_id", "seq", name="pk_payment_instructions"),
    UniqueConstraint("institution", "request_id", name="uq_payment_instructions_request"),
)

bank_files = Table(
    "bank_files", metadata,
    Column("file_id", String(35), primary_key=True),
    Column("batch_id", String(12), nullable=False),
    Column("bank", String(64), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("state", String(16), nullable=False),
    Column("tx_count", Integer, nullable=False),
    Column("ctrl_sum_cents", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("reason_code", String(8), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("answered_at", UTCDateTime(), nullable=True),
    Index("ix_bank_files_state", "state"),
)

bank_messages = Table(
    "bank_messages", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("bank", String(64), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("message_id", String(35), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", String(255), nullable=False),
    Column("entries", Integer, nullable=False),
    Column("matched", Integer, nullable=False),
    Column("unmatched", Integer, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("bank", "kind", "message_id", name="uq_bank_messages_message"),
)

bank_cursors = Table(
    "bank_cursors", metadata,
    Column("bank", String(64), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
)

reconciliation_exceptions = Table(
    "reconciliation_exceptions", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("bank", String(64), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("message_id", String(35), nullable=True),
    Column("end_to_end_id", String(35), nullable=True),
    Column("amount_cents", BigInteger, nullable=True),
    Column("detail", String(500), nullable=False),
    Column("resolved", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

signing_keys = Table(
    "payments_keys", metadata,
    Column("key_id", String(32), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("secret", Text, nullable=False),
    Column("public", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)
