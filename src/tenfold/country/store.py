"""SQL adapter of the simulator's own database: the country's metadata and its schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

from tenfold.country.models import GENERATOR_VERSION, GenerationRequest
from tenfold.country.tables import country_metadata, scheduled_events, simulation_clock
from tenfold.settings import Settings
from tenfold.storage import make_engine, upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_country"
# The simulator's database is named like a member's, so TENFOLD_DATABASE_URL_COUNTRY or the
# URL template place it (var/country.sqlite by default).
DATABASE = "COUNTRY"


@dataclass(frozen=True)
class CountryMetadata:
    seed: int
    persons: int
    as_of: date
    days: int
    id_scheme: str
    generator_version: str
    created_at: datetime
    counts: dict[str, dict[str, int]]
    figures: dict[str, int]

    def describes(self, request: GenerationRequest) -> bool:
        """Whether this is the country the request would generate."""
        return (self.seed, self.persons, self.as_of, self.days, self.id_scheme, self.generator_version) == (
            request.seed, request.persons, request.as_of, request.days, request.id_scheme, GENERATOR_VERSION)


def open_engine(settings: Settings) -> Engine:
    engine = make_engine(settings.member_database_url(DATABASE))
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
    return engine


def read_metadata(connection: Connection) -> CountryMetadata | None:
    row = connection.execute(select(country_metadata)).mappings().first()
    if row is None:
        return None
    return CountryMetadata(**{k: v for k, v in row.items() if k != "id"})


def forget(connection: Connection) -> None:
    """Drop the metadata and the schedule: from now on no complete country is described."""
    connection.execute(delete(scheduled_events))
    connection.execute(delete(simulation_clock))
    connection.execute(delete(country_metadata))


def record_schedule(connection: Connection, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 5000):
        connection.execute(insert(scheduled_events), events[start:start + 5000])


def record_metadata(connection: Connection, request: GenerationRequest, counts: dict[str, dict[str, int]], figures: dict[str, int]) -> None:
    """The metadata that declares the country complete (written last)."""
    connection.execute(insert(country_metadata).values(
        id=1, seed=request.seed, persons=request.persons, as_of=request.as_of, days=request.days,
        id_scheme=request.id_scheme, generator_version=GENERATOR_VERSION, created_at=datetime.now(UTC),
        counts=counts, figures=figures,
    ))


def scheduled(connection: Connection, kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Scheduled events by due date (for the sample command and the simulator)."""
    query = select(scheduled_events).order_by(scheduled_events.c.due_date, scheduled_events.c.id)
    if kind:
        query = query.where(scheduled_events.c.kind == kind)
    if limit:
        query = query.limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]


def pending_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(scheduled_events).where(scheduled_events.c.released_at.is_(None))).scalar_one())
