"""Alembic migrations, one script directory and version table per building block.

Each building block that owns tables ships ``migrations/`` (env.py, versions/) next to its
``tables.py``; ``upgrade`` applies them to a member's database. Keeping a version table per
block is what lets a ministry adopt one building block alone (ARCHITECTURE.md, invariant 7).
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, text

# pg_advisory_xact_lock key shared by every block's migrations ("tenfold" in ASCII).
MIGRATION_LOCK = 0x74656E666F6C64


def _config(script_location: Path, version_table: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = version_table
    return config


def upgrade(engine: Engine, script_location: Path, version_table: str, revision: str = "head") -> None:
    """Bring a building block's tables in ``engine`` up to ``revision``."""
    config = _config(script_location, version_table)
    with _one_migrator(engine), engine.begin() as connection:
        _lock_postgres(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _one_migrator(engine: Engine) -> Iterator[None]:
    """One process at a time migrates a SQLite file: several processes of a member start
    together, and two that both find no version table would both create it (the second fails).
    SQLite runs DDL outside the driver's transaction, so its locking does not cover this."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migration-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _lock_postgres(connection: Connection) -> None:
    """On PostgreSQL the same, for processes on any host: a lock held until this migration commits."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def run_migrations(target_metadata: MetaData) -> None:
    """The body of every block's ``env.py`` (online mode only: we always have a connection)."""
    config = context.config
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=config.attributes["version_table"],
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
