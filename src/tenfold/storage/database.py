"""One database per member: SQLite (WAL) by default, PostgreSQL by URL.

The engine is the only thing that differs between the embedded default and production; every
building block talks to it through SQLAlchemy Core, so the same code runs on both.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from tenfold.settings import Settings, get_settings


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # WAL lets readers run while one writer commits; NORMAL sync is durable across process
    # crashes (the WAL is fsynced at checkpoints), which is what the embedded default needs.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine with the settings Tenfold relies on for either backend."""
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_dumps,
            json_deserializer=orjson.loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
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


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One unit of work: commits on success, rolls back on any error."""
    with engine.begin() as connection:
        yield connection
