"""Tables of the exchange building block, in each member's own database (and CENTRAL's).

A gateway keeps its message log, checkpoints, data tracker, operational monitoring records,
local access-right changes, admin audit log and (for the rooms its member owns) the pub/sub
queues. CENTRAL keeps its member registry, the certificates it issued and the checkpoints it
countersigned. Every table name starts with ``exchange_``.
"""

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text, UniqueConstraint

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

# The message log: one row per request or response through the gateway. ``entry`` holds the
# exact bytes that were hashed; ``hash`` = SHA-256(previous hash || entry). ``seq`` is given by
# the single writer, so a gap or a swap shows up when the chain is verified.
messagelog = Table(
    "exchange_messagelog", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("message_id", String(255), nullable=False),
    Column("entry", LargeBinary, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    Index("ix_exchange_messagelog_message", "message_id"),
)

# Every N entries or T seconds the gateway signs (seq, head hash, time); CENTRAL countersigns.
checkpoints = Table(
    "exchange_checkpoints", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("head", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("member_id", String(255), nullable=False),
    Column("signer_pem", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("central_time", UTCDateTime(), nullable=True),
    Column("central_signature", LargeBinary, nullable=True),
)

# The data tracker: who used which person's data through this member's services, and why.
tracker = Table(
    "exchange_tracker", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("person_id", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("client", String(255), nullable=False),
    Column("service", String(255), nullable=False),
    Column("purpose", String(500), nullable=True),
    Column("user_id", String(64), nullable=True),
    Column("issue", String(255), nullable=True),
    Column("message_id", String(255), nullable=False),
    Column("lawful_basis", String(32), nullable=True),  # the service's declared basis (public_task, consent...)
    Column("data_agreement", String(64), nullable=True),  # for consent: the agreement ...
    Column("consent_record", String(64), nullable=True),  # ... and the person's consent record
    Index("ix_exchange_tracker_person", "person_id", "at"),
)

# Operational monitoring: metadata of every exchange; no payloads, no personal ids, no paths.
opmon = Table(
    "exchange_opmon", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("role", String(10), nullable=False),
    Column("message_id", String(255), nullable=True),
    Column("client", String(255), nullable=True),
    Column("service", String(255), nullable=True),
    Column("method", String(10), nullable=False),
    Column("status", Integer, nullable=False),
    Column("error_type", String(120), nullable=True),
    Column("request_bytes", Integer, nullable=False),
    Column("response_bytes", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("trace_id", String(32), nullable=True),
    Index("ix_exchange_opmon_at", "at"),
)

# Access rights the provider changed through the IM configuration API, on top of the ones the
# global configuration carries: an ``allow`` adds a right, a ``deny`` takes one away.
local_rights = Table(
    "exchange_local_rights", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("service", String(255), nullable=False),
    Column("client", String(255), nullable=False),
    Column("effect", String(5), nullable=False),
    Column("methods", JSON, nullable=False),
    Column("paths", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("service", "client", "effect", name="uq_exchange_local_rights"),
)

# Every administrative action, whether it succeeded or not.
admin_audit = Table(
    "exchange_admin_audit", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(100), nullable=False),
    Column("payload", JSON, nullable=True),
    Column("outcome", String(10), nullable=False),
    Column("error", Text, nullable=True),
)

event_types = Table(
    "exchange_pubsub_event_types", metadata,
    Column("room", String(255), nullable=False, primary_key=True),
    Column("event_type", String(255), nullable=False, primary_key=True),
    Column("json_schema", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

subscriptions = Table(
    "exchange_pubsub_subscriptions", metadata,
    Column("id", String(36), primary_key=True),
    Column("room", String(255), nullable=False),
    Column("event_type", String(255), nullable=False),
    Column("subscriber", String(255), nullable=False),
    Column("delivery", String(4), nullable=False),
    Column("options", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("room", "event_type", "subscriber", name="uq_exchange_pubsub_subscription"),
)

events = Table(
    "exchange_pubsub_events", metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("room", String(255), nullable=False),
    Column("event_type", String(255), nullable=False),
    Column("publisher", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("source_event_id", String(36), nullable=True),
    Column("trace_parent", String(60), nullable=True),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
    UniqueConstraint("room", "source_event_id", name="uq_exchange_pubsub_source_event"),
)

# One row per (event, subscription): pending -> delivered | dead (PUSH), pending -> acknowledged (PULL).
deliveries = Table(
    "exchange_pubsub_deliveries", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("subscriber", String(255), nullable=False),
    Column("delivery", String(4), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", UTCDateTime(), nullable=True),
    UniqueConstraint("event_id", "subscription_id", name="uq_exchange_pubsub_delivery"),
    Index("ix_exchange_pubsub_due", "status", "delivery", "next_attempt_at"),
    Index("ix_exchange_pubsub_subscriber", "subscriber", "status", "id"),
)

central_members = Table(
    "exchange_central_members", metadata,
    Column("member_id", String(255), primary_key=True),
    Column("gateway_url", String(500), nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
)

central_certificates = Table(
    "exchange_central_certificates", metadata,
    Column("serial", String(64), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("pem", Text, nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_exchange_central_certificates_owner", "owner"),
)

central_checkpoints = Table(
    "exchange_central_checkpoints", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("member_id", String(255), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("head", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("central_time", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "seq", name="uq_exchange_central_checkpoint"),
)
