"""Tables of the simulator's own database (``var/country.sqlite``), not of any agency.

The state does not know the future: the scheduled births and deaths live here until the
simulator releases them into the population register (``released_at`` is then set).
"""

from sqlalchemy import JSON, BigInteger, Column, Date, Index, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from tenfold.storage.types import UTCDateTime

metadata = MetaData()

# One row: which country the member databases hold (prefixed, since the URL of this database
# may be set to a shared one with TENFOLD_DATABASE_URL_COUNTRY).
country_metadata = Table(
    "country_metadata",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seed", BigInteger, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("days", Integer, nullable=False),
    Column("id_scheme", String(20), nullable=False),
    Column("generator_version", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("counts", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Column("figures", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
)

scheduled_events = Table(
    "scheduled_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_key", String(64), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("payload", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Column("released_at", UTCDateTime(), nullable=True),
    Index("ix_scheduled_events_due", "released_at", "due_date"),
)

# The simulator's clock: the last day it released (a simulation resumes the day after).
simulation_clock = Table(
    "simulation_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
