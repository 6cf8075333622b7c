"""Fixtures of the fault tests: one PostgreSQL server of their own and one country on it, shared
by the session (starting a country takes most of a minute). They need PostgreSQL's programs and
TENFOLD_TEST_POSTGRES_URL (set where a PostgreSQL server runs, as in CI); without it they skip."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.country import Postgres, start_country
from tests.lifeevents.country import World


@pytest.fixture(scope="session")
def faults_postgres(postgres_server_url: str) -> Iterator[Postgres]:
    server = Postgres.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def faults_country(faults_postgres: Postgres) -> Iterator[World]:
    directory = Path(tempfile.mkdtemp(prefix="tenfold-faults-"))
    running = start_country(directory, faults_postgres)
    yield running
    running.stop()
    shutil.rmtree(directory, ignore_errors=True)
