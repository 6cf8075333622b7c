"""The exchange's tables in a member's (or CENTRAL's) database: one Alembic script directory
and version table of its own (``alembic_version_exchange``)."""

from __future__ import annotations

from datetime import UTC
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table

from tenfold.storage import migrate as migrate_storage
from tenfold.storage import upgrade
from tenfold.storage.types import UTCDateTime

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_exchange"


def migrate(engine: Engine) -> None:
    """Create or upgrade the exchange tables (and the outbox the publisher reads)."""
    migrate_storage(engine)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def insert_many(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows straight through the driver: the message log writes thousands of rows a
    second, and compiling an INSERT per batch costs more than the database's own work. On
    SQLite, timestamps are stored in the format SQLAlchemy reads back (UTC, no offset)."""
    if not rows:
        return
    columns = list(rows[0])
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    pick = itemgetter(*columns)
    values = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    if connection.dialect.name == "sqlite":
        times = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
        if times:
            values = [_sqlite_times(v, times) for v in values]
    connection.exec_driver_sql(statement, values)


def _sqlite_times(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    items = list(row)
    for i in positions:
        if items[i] is not None:
            items[i] = items[i].astimezone(UTC).strftime(_SQLITE_TIME)
    return tuple(items)
