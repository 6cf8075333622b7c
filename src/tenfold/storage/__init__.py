"""Storage: one database per member, Alembic migrations per building block, the outbox."""

from pathlib import Path

from tenfold.storage.database import is_sqlite, make_engine, member_engine, transaction, writing
from tenfold.storage.migrations import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_storage"


def migrate(engine) -> None:  # type: ignore[no-untyped-def]
    """Create or upgrade the storage block's own tables (the outbox)."""
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


__all__ = ["MIGRATIONS", "is_sqlite", "make_engine", "member_engine", "migrate", "transaction", "upgrade", "writing"]
