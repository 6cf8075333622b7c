from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.identity.idp import Idp, start_idp
from tests.databases import database_url


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Idp]:
    """One provider in a real HTTP server, shared by a test module (each test makes its own
    residents and clients)."""
    directory = Path(tmp_path_factory.mktemp("idp"))
    running = start_idp(database_url(directory, 'idp'))
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _clock_back(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that moves the provider's clock leaves it as it found it."""
    yield
    if "idp" in request.fixturenames:
        from datetime import timedelta

        request.getfixturevalue("idp").clock.offset = timedelta(0)
