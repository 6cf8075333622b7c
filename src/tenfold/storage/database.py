"""One database per member: SQLite (WAL) by default, PostgreSQL by URL.

The engine is the only thing that differs between the embedded default and production; every
building block talks to it through SQLAlchemy Core, so the same code runs on both.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from tenfold.errors import InvalidInput
from tenfold.settings import Settings, get_settings
from tenfold.storage import walcheckpoint


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


SQLITE_WAL_LIMIT_BYTES = 64 << 20
SQLITE_PAGE_BYTES = 4096  # SQLite's default page size


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # WAL lets readers run while one writer commits; NORMAL sync is durable across process
    # crashes (the WAL is fsynced at checkpoints), which is what the embedded default needs.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A checkpointed WAL is reused from its start but never shrinks by itself: one burst of
    # writes would keep its high-water mark on disk for good (a 227 MB WAL was seen after a
    # benchmark's busy minutes). Past this size it is cut back when it is reset.
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
    if walcheckpoint.active():  # a thread checkpoints; a commit only once the log is as large as its limit
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_LIMIT_BYTES // SQLITE_PAGE_BYTES}")
    cursor.close()


SQLITE_POOL_SIZE, SQLITE_MAX_OVERFLOW = 20, 44   # connections kept, and opened beyond them at busy moments


def _dumps(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError as error:   # e.g. an integer beyond 64 bits, which JSON itself allows
        raise UnstorableValue(f"a value cannot be stored: {error}") from None


class UnstorableValue(InvalidInput):
    """A value a JSON column cannot keep; raised while binding, so the transaction writes nothing."""


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine with the settings Tenfold relies on for either backend."""
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A web application runs up to 40 request threads (anyio's default) besides its worker's:
        # a smaller pool makes them queue for a connection, or open and close one per request.
        engine = create_engine(
            url,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_MAX_OVERFLOW,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_dumps,
            json_deserializer=orjson.loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        walcheckpoint.watch(path or "")
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
    )


def member_engine(member_code: str, settings: Settings | None = None) -> Engine:
    """The engine of one member's own database (``POP``, ``TAX``...)."""
    settings = settings or get_settings()
    return make_engine(settings.member_database_url(member_code))


_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def _process_lock(engine: Engine) -> threading.Lock:
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(engine, threading.Lock())


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One writing transaction that many request threads of a process run at once (a use case
    that reads, then writes, under the lock it takes first).

    SQLite lets one transaction write at a time, and a thread that finds the lock taken sleeps in
    SQLite's busy handler for 1 to 100 ms between tries: under load the lock sits free while its
    waiters sleep, and a few unlucky requests wait for seconds. Here the threads of the process
    queue on a lock of their own, so the next one starts the moment the last one commits, and
    the one at the front takes SQLite's lock from its first statement (``BEGIN IMMEDIATE``), in
    short steps while another process (the member's gateway) writes. PostgreSQL: a plain
    transaction (its locks are rows and advisory locks)."""
    if not is_sqlite(engine):
        with engine.begin() as connection:
            yield connection
        return
    from tenfold.storage.writelock import begin_immediate_briefly

    with _process_lock(engine), engine.begin() as connection:
        begin_immediate_briefly(connection.connection.driver_connection.cursor())
        yield connection


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One unit of work: commits on success, rolls back on any error."""
    with engine.begin() as connection:
        yield connection
