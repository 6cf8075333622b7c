"""Tables of a simulated bank, in the bank member's own database (beside its customer-accounts
registry, which the country generator writes)."""

from sqlalchemy import (
    BigInteger, Boolean, Column, Index, Integer, LargeBinary, MetaData, PrimaryKeyConstraint, String, Table, Text,
)

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

# Every file that arrived, duplicates and unreadable ones included.
arrivals = Table(
    "bank_arrivals", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("message_id", String(35), nullable=False),
    Column("payment_info_id", String(35), nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("source", String(255), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("sender", String(255), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("reason_code", String(8), nullable=True),
    Column("tx_count", Integer, nullable=False),
    Column("ctrl_sum_cents", BigInteger, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Index("ix_bank_arrivals_message", "message_id"),
    Index("ix_bank_arrivals_source", "source", "sha256"),
)

# Every transaction of every arrival (so a test can count how often an end-to-end id came).
transactions = Table(
    "bank_transactions", metadata,
    Column("arrival_id", BigInteger, nullable=False),
    Column("end_to_end_id", String(35), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("creditor_iban", String(34), nullable=False),
    Column("status", String(10), nullable=False),
    Column("reason_code", String(8), nullable=True),
    PrimaryKeyConstraint("arrival_id", "end_to_end_id", name="pk_bank_transactions"),
    Index("ix_bank_transactions_e2e", "end_to_end_id"),
)

# Movements on the treasury's account at this bank; a statement collects the unstated ones.
entries = Table(
    "bank_entries", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("reference", String(35), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("credit", Boolean, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("end_to_end_id", String(35), nullable=True),
    Column("arrival_id", BigInteger, nullable=True),
    Column("return_reason", String(8), nullable=True),
    Column("booked_at", UTCDateTime(), nullable=False),
    Column("statement_seq", Integer, nullable=True),
    Index("ix_bank_entries_unstated", "statement_seq", "id"),
)

returns = Table(
    "bank_returns", metadata,
    Column("end_to_end_id", String(35), primary_key=True),
    Column("arrival_id", BigInteger, nullable=False),
    Column("original_message_id", String(35), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("reason_code", String(8), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("done", Boolean, nullable=False),
    Index("ix_bank_returns_due", "done", "due_at"),
)

# What the bank sends; exchange customers pull these after a cursor, folder ones get files.
outgoing = Table(
    "bank_outgoing", metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("recipient", String(255), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("message_id", String(35), nullable=False),
    Column("name", String(120), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("written", Boolean, nullable=False),
    Index("ix_bank_outgoing_unwritten", "channel", "written", "seq"),
)

state = Table(
    "bank_state", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),  # JSON text (SQLite would store a bare number as a number)
)
