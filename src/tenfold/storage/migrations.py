"""Alembic migrations, one script directory and version table per building block.

Each building block that owns tables ships ``migrations/`` (env.py, versions/) next to its
``tables.py``; ``upgrade`` applies them to a member's database. Keeping a version table per
block is what lets a ministry adopt one building block alone (ARCHITECTURE.md, invariant 7).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Engine, MetaData


def _config(script_location: Path, version_table: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = version_table
    return config


def upgrade(engine: Engine, script_location: Path, version_table: str, revision: str = "head") -> None:
    """Bring a building block's tables in ``engine`` up to ``revision``."""
    config = _config(script_location, version_table)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


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
