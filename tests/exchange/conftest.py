from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.exchange.country import Country

SIB = {"X-Road-Client": "DEMO/GOV/SIB/benefits"}
ECHO = "/r1/DEMO/GOV/POP/registry/echo"


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Country]:
    """POP's and SIB's gateways with CENTRAL and two applications, shared by a test module."""
    running = Country(Path(tmp_path_factory.mktemp("country"))).start()
    yield running
    running.stop()


@pytest.fixture
def fresh_country(tmp_path: Path) -> Iterator[Country]:
    """A country of one's own, for tests that revoke, expire or break things."""
    running = Country(tmp_path).start()
    yield running
    running.stop()
