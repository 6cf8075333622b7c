"""Fixtures shared by every test package.

``database_url`` gives each test a fresh, empty database: SQLite by default, and PostgreSQL too
for tests that ask for the ``backend`` parameter through ``any_database_url``. PostgreSQL tests
need TENFOLD_TEST_POSTGRES_URL (``scripts/dev-postgres.sh start`` prints one); without it they skip.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "TENFOLD_TEST_POSTGRES_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Parametrised tests whose backend is PostgreSQL carry the `postgres` mark, so that
    # `-m postgres` and `-m "not postgres"` select them.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("any_database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (scripts/dev-postgres.sh start prints a URL)")
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"tenfold_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'member.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def var_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Point the settings at a private var directory for the test."""
    from tenfold.settings import get_settings

    directory = tmp_path / "var"
    directory.mkdir()
    monkeypatch.setenv("TENFOLD_VAR_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()
