"""Tables of a Tell-Us-Once subscriber, in the member's own database: the deaths it received
(once each), the actions it took, the estate flags on its records, the tax years to close."""

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
Json = JSON().with_variant(JSONB(), "postgresql")

tuo_deaths = Table(
    "tuo_deaths", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("death_id", String(64), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("death_date", String(10), nullable=False),
    Column("message_id", String(100), nullable=True),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("source", "event_id", name="uq_tuo_deaths_event"),
    UniqueConstraint("death_id", name="uq_tuo_deaths_death"),
)

tuo_actions = Table(
    "tuo_actions", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("death_id", String(64), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Json, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_tuo_actions_person", "person_id", "id"),
)

estate_flags = Table(
    "estate_flags", metadata,
    Column("registry", String(40), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("death_id", String(64), nullable=False),
    Column("person_id", String(32), nullable=False),
    Column("flagged_at", UTCDateTime(), nullable=False),
)

tax_year_closings = Table(
    "tax_year_closings", metadata,
    Column("person_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("death_id", String(64), nullable=False),
    Column("state", String(12), nullable=False),   # to_close | closed
    Column("marked_at", UTCDateTime(), nullable=False),
)
