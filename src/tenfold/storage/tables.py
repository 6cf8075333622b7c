"""Tables that belong to the storage building block itself: the transactional outbox."""

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from tenfold.storage.types import UTCDateTime

metadata = MetaData()

# An event is written here in the same transaction as the change it reports, so a committed
# change is never without its event (and a rolled-back change never has one). A publisher
# reads pending rows in id order and marks them published; delivery is at-least-once and
# consumers dedupe on event_id.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("subject", String(200), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("trace_parent", String(60), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("published_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_pending", "published_at", "id"),
)
