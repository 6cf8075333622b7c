"""A small generated country shared by the tests of this package (a few seconds to build)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, text

from tenfold.country import Country, GenerationRequest, Outcome, generate
from tenfold.country.generator import generate_country
from tenfold.country.tables import scheduled_events
from tenfold.settings import Settings
from tenfold.storage import make_engine

SMALL = 3000
MEMBERS = ("POP", "TAX", "LAND", "VEH", "PEN", "BANK1", "BANK2")


def settings_in(directory: Path) -> Settings:
    return Settings(var_dir=directory, database_url_template=None)


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Outcome]:
    """A 3,000-person country written into its own var directory (two writer processes)."""
    settings = settings_in(tmp_path_factory.mktemp("country"))
    return settings, generate(settings, GenerationRequest(persons=SMALL, seed=11), workers=2)


@pytest.fixture(scope="session")
def country() -> Country:
    """A larger country in memory only, for statistics (20,000 persons, no databases)."""
    return generate_country(GenerationRequest(persons=20_000, seed=5))


def records_of(settings: Settings, member: str, registry: str) -> list[dict]:
    engine = make_engine(settings.member_database_url(member))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM registry_records WHERE registry = :r ORDER BY record_id"), {"r": registry}).all()
    finally:
        engine.dispose()
    return [row[0] if isinstance(row[0], dict) else orjson.loads(row[0]) for row in rows]


def schedule_of(settings: Settings) -> list[dict]:
    engine = make_engine(settings.member_database_url("COUNTRY"))
    try:
        with engine.connect() as connection:
            return [dict(r) for r in connection.execute(select(scheduled_events).order_by(scheduled_events.c.id)).mappings()]
    finally:
        engine.dispose()


def _canonical(data: str | dict) -> bytes:
    """A record's JSON with sorted keys (PostgreSQL's JSONB does not keep the key order)."""
    return orjson.dumps(orjson.loads(data) if isinstance(data, (str, bytes)) else data, option=orjson.OPT_SORT_KEYS)


def content_hash(settings: Settings) -> str:
    """A digest of every record of every member and of the schedule (not of timestamps)."""
    digest = hashlib.sha256()
    for member in MEMBERS:
        engine = make_engine(settings.member_database_url(member))
        try:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT registry, record_id, data FROM registry_records")).all()
                for registry, record_id, data in sorted(rows, key=lambda r: (r[0], r[1])):
                    digest.update(f"{member}|{registry}|{record_id}|".encode() + _canonical(data) + b"\n")
        finally:
            engine.dispose()
    for event in schedule_of(settings):
        digest.update(f"{event['event_key']}|{event['kind']}|{event['due_date']}|".encode() + _canonical(event["payload"]) + b"\n")
    return digest.hexdigest()
