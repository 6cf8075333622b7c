"""Where a test's member database lives: SQLite by default, PostgreSQL when the suite runs with
``TENFOLD_TEST_BACKEND=postgresql`` (CI runs the storage-touching packages a second time so).

Test helpers that build a member (a bank, the treasury, SIB, the portal...) ask
:func:`database_url` instead of writing a ``sqlite:///`` URL, so the same test proves the same
behaviour on both backends. Each PostgreSQL database is fresh and dropped when the test process ends.
"""

from __future__ import annotations

import atexit
import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKEND_ENV = "TENFOLD_TEST_BACKEND"
POSTGRES_ENV = "TENFOLD_TEST_POSTGRES_URL"
_created: list[str] = []


def backend() -> str:
    chosen = os.environ.get(BACKEND_ENV, "sqlite")
    if chosen not in ("sqlite", "postgresql"):
        raise RuntimeError(f"{BACKEND_ENV} must be sqlite or postgresql, not {chosen!r}")
    return chosen


def database_url(directory: Path, name: str) -> str:
    """A fresh, empty database for one member of a test: ``directory/name.sqlite`` on SQLite."""
    if backend() == "sqlite":
        return f"sqlite:///{Path(directory) / (name + '.sqlite')}"
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        raise RuntimeError(f"{BACKEND_ENV}=postgresql needs {POSTGRES_ENV} (scripts/dev-postgres.sh start prints one)")
    database = f"tenfold_t_{name.lower()}_{uuid.uuid4().hex[:10]}"
    _admin(server, f'CREATE DATABASE "{database}"')
    if not _created:
        atexit.register(_drop_all, server)
    _created.append(database)
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def _admin(server: str, statement: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _drop_all(server: str) -> None:
    for database in _created:
        try:
            _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        except Exception:  # noqa: BLE001 - the server may be gone already; the databases are throwaway
            pass
