from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tenfold.banks import BankSimulator, open_bank
from tenfold.storage import make_engine
from tests.banks.helpers import Clock
from tests.payments.world import open_accounts, iban
from tests.databases import database_url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bank(var_dir: Path, clock: Clock) -> Iterator[BankSimulator]:
    simulator = open_bank("BANK1", make_engine(database_url(var_dir, 'bank1')))
    simulator.clock = clock
    open_accounts({"BANK1": simulator}, {n: iban(n) for n in (1, 3, 5, 7)}, closed=(5,), unknown=(7,))
    yield simulator


