"""The exchange's tables in a member's (or CENTRAL's) database: one Alembic script directory
and version table of its own (``alembic_version_exchange``)."""

from __future__ import annotations

from datetime import UTC
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table

from tenfold.storage import migrate as migrate_storage
from tenfold.storage import upgrade
from tenfold.storage.types import UTCDateTime
from tenfold.storage.writelock import TIMEOUT, begin_immediate, locked

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_exchange"


def migrate(engine: Engine) -> None:
    """Create or upgrade the exchange tables (and the outbox the publisher reads)."""
    migrate_storage(engine)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


class BatchWriter:
    """Inserts batches of rows into several tables in one transaction, straight through the
    driver on a connection it keeps: the message log commits hundreds of times a second, and
    compiling statements and checking connections in and out per batch cost more than the
    database's own work. On SQLite, timestamps are stored as SQLAlchemy stores and reads them, and
    the write lock, when another process holds it, is waited for in short steps (see
    :mod:`tenfold.storage.writelock`): the registry's usage-log commits meet the log's often."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._connection: Any = None
        self._statements: dict[tuple[str, tuple[str, ...]], tuple[str, list[int]]] = {}

    def _statement(self, table: Table, columns: tuple[str, ...]) -> tuple[str, list[int]]:
        key = (table.name, columns)
        if key not in self._statements:
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([self.marker] * len(columns))})"
            times = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)] if self.sqlite else []
            self._statements[key] = (sql, times)
        return self._statements[key]

    def write(self, batches: list[tuple[Table, list[dict[str, Any]]]], wait: bool = True) -> None:
        """One transaction. On SQLite with ``wait=False`` a database another process is writing
        raises :class:`Busy` at once (nothing written) instead of waiting for the lock."""
        if self._connection is None:
            self._connection = self.engine.raw_connection()
            if self.sqlite:  # every try for the lock returns at once; waits are ours (writelock)
                self._connection.cursor().execute("PRAGMA busy_timeout=0")
        connection = self._connection
        if self.sqlite:
            cursor = connection.cursor()
            try:  # take the write lock now, not half-way
                if wait:
                    begin_immediate(cursor)
                else:
                    cursor.execute("BEGIN IMMEDIATE")
            except Exception as error:
                if not wait and locked(error):
                    raise Busy(str(error)) from None
                self.close(broken=True)
                raise
        try:
            cursor = connection.cursor()
            for table, rows in batches:
                if not rows:
                    continue
                columns = tuple(rows[0])
                sql, times = self._statement(table, columns)
                pick = itemgetter(*columns)
                values = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
                if times:
                    values = [_sqlite_times(v, times) for v in values]
                cursor.executemany(sql, values)
            cursor.close()
            connection.commit()
        except Exception:
            self.close(broken=True)
            raise

    def close(self, broken: bool = False) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if broken:
                connection.rollback()
        except Exception:  # a connection that is gone cannot be rolled back; it is dropped below
            pass
        if broken:
            connection.invalidate()
            return
        if self.sqlite:  # back to the pool with the pool's own busy timeout
            connection.cursor().execute(f"PRAGMA busy_timeout={int(TIMEOUT * 1000)}")
        connection.close()


def reason(error: BaseException) -> str:
    """What went wrong, for a log line: the driver's first line, never the statement's parameters
    (which may hold personal data)."""
    message = str(getattr(error, "orig", None) or error).splitlines()
    return f"{type(error).__name__}: {message[0][:200] if message else ''}"


class Busy(Exception):
    """Another process holds the SQLite write lock just now."""


def _sqlite_times(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    items = list(row)
    for i in positions:
        if items[i] is not None:
            items[i] = items[i].astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")  # as _SQLITE_TIME
    return tuple(items)
