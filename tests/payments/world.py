"""A small world for the payments tests: the treasury, two simulated banks that hold their
customers' accounts, folder channels between them, a program with a budget and registered
beneficiaries. Nothing is faked: the banks read the files the treasury writes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from schwifty import IBAN
from sqlalchemy import Engine

from tenfold.banks import BankSimulator, Faults, open_bank
from tenfold.banks.worker import cycle
from tenfold.ids import isikukood
from tenfold.payments import PaymentsService, load_directory, open_payments
from tenfold.payments.config import PaymentsSettings
from tenfold.payments.dispatcher import Dispatcher
from tenfold.payments.mapper import Beneficiary
from tenfold.payments.models import BatchReceipt, BatchRequest, InstructionRequest
from tenfold.registries import Reader, open_service
from tenfold.storage import make_engine

from tests.databases import database_url

SIB = "DEMO/GOV/SIB/benefits"
PROGRAM = "CHILD-ALLOWANCE"
BANKS_TOML = """
[[banks]]
member = "DEMO/COM/BANK1"
bic = "HABAEE2X"
debtor_iban = "EE432200011000000015"
channel = "folder"

[[banks]]
member = "DEMO/COM/BANK2"
bic = "EEUHEE2X"
debtor_iban = "EE831000011000000028"
channel = "folder"
"""


def iban(n: int) -> str:
    """The n-th test account: odd ones at BANK1 (code 22), even ones at BANK2 (code 10)."""
    return str(IBAN.generate("EE", bank_code="22" if n % 2 else "10", account_code=f"{n + 1:010d}"))


def payee(n: int) -> str:
    return f"SIB-{n:08d}"


@dataclass
class World:
    var: Path
    treasury: PaymentsService
    banks: dict[str, BankSimulator]
    dispatcher: Dispatcher
    accounts: dict[int, str] = field(default_factory=dict)

    def database_env(self) -> dict[str, str]:
        """Where TRE's and the banks' databases are, for a `tenfold` process started by a test."""
        engines = {"TRE": self.treasury.engine, **{code: bank.engine for code, bank in self.banks.items()}}
        return {f"TENFOLD_DATABASE_URL_{code}": engine.url.render_as_string(hide_password=False) for code, engine in engines.items()}

    def pay(self, numbers: list[int], correlation: str, cents: int = 8000, request_prefix: str = "R") -> BatchReceipt:
        instructions = [InstructionRequest(f"{request_prefix}{n}", payee(n), cents + n, "EUR", "00", "Child allowance") for n in numbers]
        return self.treasury.submit(BatchRequest(SIB, correlation, PROGRAM, instructions))

    def settle(self, *, close_day: bool = True, timeout: float = 60.0, until: Callable[[], bool] | None = None) -> None:
        """Run the treasury's dispatcher and the banks' cycles until nothing is open (and the
        day's statements are in, when ``close_day``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.dispatcher.step().busy
            for bank in self.banks.values():
                busy = cycle(bank).busy or busy
            if busy:
                continue
            if self.treasury.open_count() == 0 and (until is None or until()):
                if not close_day:
                    return
                for bank in self.banks.values():
                    cycle(bank, close=True)
                close_day = False  # one more round to read the statements
                continue
            for bank in self.banks.values():  # a quiet moment ends the business day
                cycle(bank, close=True)
        raise AssertionError(f"not settled within {timeout} s: {self.treasury.status()}")


def build(var: Path, persons: int = 40, *, treasury_url: str | None = None, budget_cents: int = 10**9,
          closed: tuple[int, ...] = (), unknown: tuple[int, ...] = ()) -> World:
    """``persons`` beneficiaries with accounts; ``closed`` accounts are closed at their bank and
    ``unknown`` ones the bank never had."""
    (var / "banks.toml").write_text(BANKS_TOML)
    directory = load_directory(var / "banks.toml")
    settings = PaymentsSettings(banks_file=var / "banks.toml", worker=False)
    engine = make_engine(treasury_url or database_url(var, 'tre'))
    treasury = open_payments(engine, directory, settings)
    banks = {code: open_bank(code, make_engine(database_url(var, code.lower()))) for code in ("BANK1", "BANK2")}
    accounts = {n: iban(n) for n in range(persons)}
    open_accounts(banks, accounts, closed, unknown)
    treasury.create_program(PROGRAM, "Child allowance", "EUR")
    treasury.allocate(PROGRAM, "2026", budget_cents)
    treasury.register(SIB, [Beneficiary(payee(n), "00", account) for n, account in accounts.items()])
    return World(var, treasury, banks, Dispatcher(engine, directory, settings), accounts)


def open_accounts(banks: dict[str, BankSimulator], accounts: dict[int, str], closed: tuple[int, ...], unknown: tuple[int, ...]) -> None:
    for code, bank in banks.items():
        service = open_service(bank.engine, bank.identity.member, ["customer-accounts"])
        reader = Reader(client=f"{bank.identity.member}/bank")
        for n, account in accounts.items():
            if account[4:6] != bank.identity.national_code or n in unknown:
                continue
            holder = isikukood.generate(date(1980 + n % 20, 1 + n % 12, 1 + n % 28), "F" if n % 2 else "M", n % 999 + 1)
            service.create(reader, "customer-accounts", "1.0", {
                "ID": account, "holderId": holder, "holderName": f"Holder {n}", "status": "closed" if n in closed else "open",
                "openedOn": "2015-06-01", "currency": "EUR"})


def engine_of(world: World) -> Engine:
    return world.treasury.engine


def faults(world: World, code: str, **values: object) -> None:
    world.banks[code].set_faults(Faults.from_dict(values))
