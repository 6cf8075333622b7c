"""The portal's own tables (in PORTAL's database): server-side sessions, the staff directory,
the staff audit log, caseworkers' decisions (with the second pair of eyes) and the answers to
the one-question satisfaction survey. No other member's data is kept here."""

from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
Json = JSON().with_variant(JSONB(), "postgresql")
Serial = BigInteger().with_variant(Integer, "sqlite")

# A session is known by the SHA-256 of its cookie value, so a copy of the table opens no session.
sessions = Table(
    "portal_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),                # anonymous | citizen | staff
    Column("subject", String(64), nullable=True),              # the citizen's personal code, or the staff id
    Column("name", String(200), nullable=True),
    Column("roles", Json, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("data", Json, nullable=False),                      # the sign-in in progress, choices on an offer
    Column("created_at", UTCDateTime(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),       # absolute end, whatever the activity
    Index("ix_portal_sessions_expires", "expires_at"),
)

staff = Table(
    "portal_staff", metadata,
    Column("id", String(64), primary_key=True),                # the sign-in name
    Column("name", String(200), nullable=False),
    Column("user_id", String(64), nullable=False),             # X-Road-UserId: the official's personal code
    Column("roles", Json, nullable=False),                     # caseworker | approver | operator
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64), nullable=False),
    Column("last_totp_step", BigInteger, nullable=True),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Who did what in the staff pages (sign-ins, cases opened, decisions, approvals). Reads of a
# person's data are also in that person's data tracker, through the exchange.
staff_audit = Table(
    "portal_staff_audit", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("staff_id", String(64), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", String(100), nullable=True),
    Column("detail", Json, nullable=False),
    Index("ix_portal_staff_audit_at", "at"),
)

case_decisions = Table(
    "portal_case_decisions", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("exception_id", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),                # the exception's kind (birth, appeal...)
    Column("reason_code", String(40), nullable=False),
    Column("outcome", String(20), nullable=False),             # grant | refuse | refer
    Column("reason", Text, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),               # awaiting_approval | sent | refused_by_approver
    Column("decided_by", String(64), nullable=False),
    Column("approved_by", String(64), nullable=True),
    Column("approval_note", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("settled_at", UTCDateTime(), nullable=True),
    Index("ix_portal_case_decisions_exception", "exception_id"),
    Index("ix_portal_case_decisions_state", "state"),
)

satisfaction = Table(
    "portal_satisfaction", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("journey", String(20), nullable=False),             # birth | death | assistance
    Column("program", String(40), nullable=False),
    Column("score", Integer, nullable=False),                  # 1 (very dissatisfied) .. 5 (very satisfied)
    Column("language", String(10), nullable=False),
    Column("receipt", String(64), nullable=False, unique=True),  # one answer per confirmation
)
