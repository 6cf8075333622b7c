"""What a simulated bank does on its own, each cycle: take files from its inbound folder, send
the returns that fell due, close the business day, and write its answers to the outbound folder."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from tenfold.banks import days, folders
from tenfold.banks.simulator import BankSimulator

log = logging.getLogger("tenfold.banks")


@dataclass
class Cycle:
    received: int = 0
    returned: int = 0
    statements: int = 0
    written: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.received or self.returned or self.statements or self.written)


def cycle(bank: BankSimulator, *, close: bool = False) -> Cycle:
    """One pass; ``close`` ends the business day now (tests and the demo)."""
    result = Cycle()
    result.received = folders.read_inbound(bank)
    now = bank.clock()
    result.returned = days.run_returns(bank, now)
    result.statements = days.close_day(bank, now, force=close)
    result.written = folders.write_outbound(bank)
    return result


class BankWorker:
    """Runs :func:`cycle` on a background thread until stopped."""

    def __init__(self, bank: BankSimulator):
        self.bank = bank
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"bank-{bank.identity.code}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = cycle(self.bank).busy
            except Exception:  # a bad cycle must not stop the bank; the next one tries again
                log.exception("bank cycle failed")
                busy = False
            if not busy:
                self._stop.wait(self.bank.settings.worker_interval_seconds)
