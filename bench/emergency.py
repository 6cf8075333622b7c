"""An emergency transfer to a whole country, end to end.

A country of N persons is generated into a temporary var directory and run with ``tenfold
serve`` (CENTRAL, every member's gateway and applications, each its own process). Then, timed,
``tenfold payments emergency`` does what the operator's command does for a universal payment to
every living adult (Hong Kong's 2020 cash payout, the US 2020 economic impact payments): it reads
persons (POP) and known accounts (TAX) through the treasury's gateway, registers every eligible
resident in the account mapper, submits the payments, and waits while the treasury sends
pain.001 files to BANK1 (through the exchange) and BANK2 (through its folder pair) and
reconciles their pain.002 and camt.054 answers; the clock stops when every instruction is final
and the banks' returns (1% of credits, a second later) are reconciled too.

An income threshold (``income_below``) also reads the TAX incomes registry whole; at a million
persons that is 1.7 M records, which the registry API pages in about eight minutes on this
machine (each page counts the registry and skips its offset), so this benchmark leaves it out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tenfold.exchange.ports import free_base

PROGRAM = """
id = "BENCH-RELIEF"
name = {{ en = "Benchmark relief", zh-Hant = "基準測試救助" }}
amount = "100.00"
currency = "EUR"
budget = "{budget}.00"
narration = "Emergency relief"

[eligibility]
min_age = 18
"""
RETURN_SHARE = 0.01


def _returns_reconciled(service: Any, banks: list[Any]) -> bool:
    from sqlalchemy import func, select

    from tenfold.payments.tables import payment_instructions as t

    scheduled, sent = (sum(pair) for pair in zip(*(bank.returns_due() for bank in banks)))
    if scheduled:
        return False
    with service.engine.connect() as connection:
        returned = connection.execute(select(func.count()).select_from(t).where(t.c.state == "returned")).scalar_one()
    return bool(returned == sent)


def run(persons: int = 1_000_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tenfold-bench-emergency-") as tmp:
        var = Path(tmp) / "var"
        os.environ.update({"TENFOLD_VAR_DIR": str(var), "TENFOLD_EXCHANGE_BASE_PORT": str(free_base())})
        return _run(var, persons)


def _start(var: Path) -> Any:
    """Start the country; on a machine shared with others a port may be taken meanwhile, so a
    second attempt uses another range (the log of a failed start is printed on stderr)."""
    from tenfold.cli.serve import running_country
    from tenfold.errors import TenfoldError

    for attempt in range(2):
        country = running_country(timeout=600)
        try:
            country.__enter__()
            return country
        except TenfoldError:
            log = var / "logs" / "serve.log"
            sys.stderr.write(log.read_text(errors="replace")[-3000:] if log.is_file() else "")
            if attempt:
                raise
            os.environ["TENFOLD_EXCHANGE_BASE_PORT"] = str(free_base())
    raise AssertionError("unreachable")


def _run(var: Path, persons: int) -> dict[str, Any]:
    from tenfold.banks import Faults, open_bank
    from tenfold.cli.payments_emergency import run_emergency
    from tenfold.payments import open_payments
    from tenfold.payments.emergency import outcome
    from tenfold.settings import get_settings

    get_settings.cache_clear()
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "tenfold.cli", "country", "generate", "--persons", str(persons), "--json"],
                   check=True, stdout=subprocess.DEVNULL)
    country_seconds = time.monotonic() - started
    banks = [open_bank(code) for code in ("BANK1", "BANK2")]
    for bank in banks:
        bank.set_faults(Faults(return_share=RETURN_SHARE, return_delay_seconds=1.0))
    program = var / "program.toml"
    program.write_text(PROGRAM.format(budget=persons * 100))
    country = _start(var)
    try:
        service = open_payments()
        transfer_started = time.monotonic()
        result = run_emergency(service, program, wait=True, timeout=3600, quiet=True)
        deadline = time.monotonic() + 600
        while not _returns_reconciled(service, banks) and time.monotonic() < deadline:
            time.sleep(2.0)
        result["seconds_with_returns"] = round(time.monotonic() - transfer_started, 1)
        final = outcome(service, "BENCH-RELIEF")
        checked = service.check_ledger()
    finally:
        country.__exit__(None, None, None)
    return {
        "persons": persons, "country_seconds": round(country_seconds, 1), **result,
        "returned": final.get("returned", {}).get("count", 0), "ledger_balanced": checked.ok,
        "bank_arrivals": {bank.identity.code: bank.summary()["arrivals"] for bank in banks},
        "repeated_end_to_end_ids": sum(bank.summary()["repeated_end_to_end_ids"] for bank in banks),
        "goal_seconds": 600,
    }
