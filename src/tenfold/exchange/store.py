"""The exchange's tables in a member's (or CENTRAL's) database: one Alembic script directory
and version table of its own (``alembic_version_exchange``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tenfold.storage import migrate as migrate_storage
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_exchange"


def migrate(engine: Engine) -> None:
    """Create or upgrade the exchange tables (and the outbox the publisher reads)."""
    migrate_storage(engine)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
