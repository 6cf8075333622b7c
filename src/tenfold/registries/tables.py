"""Tables of the registries building block (in each registry member's own database)."""

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from tenfold.storage.types import UTCDateTime

metadata = MetaData()

# Every registry's records share one table: the registry's JSON-Schema definition, not the
# database, says what a record holds, so a new registry or version needs no migration.
# Fields used in filters get partial expression indexes (see store.ensure_indexes).
records = Table(
    "registry_records",
    metadata,
    Column("registry", String(64), nullable=False),
    Column("record_id", String(128), nullable=False),
    Column("data", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("registry", "record_id", name="pk_registry_records"),
)

# Who read which person's data, when, through which service and why (GovStack
# myPersonalDataUsage). Written in the same transaction as the read it records.
usage = Table(
    "personal_data_usage",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("person_id", String(32), nullable=False),
    Column("registry", String(64), nullable=False),
    Column("record_id", String(128), nullable=False),
    Column("operation", String(20), nullable=False),
    Column("client", String(255), nullable=False),
    Column("user_id", String(64), nullable=True),
    Column("purpose", String(500), nullable=True),
    Column("issue", String(255), nullable=True),
    Column("message_id", String(100), nullable=True),
    Column("read_at", UTCDateTime(), nullable=False),
    Index("ix_usage_person", "person_id", "read_at"),
)
