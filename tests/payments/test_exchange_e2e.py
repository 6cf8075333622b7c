"""The whole country running (``tenfold serve``): SIB pays through the treasury over the exchange,
BANK1 answers over the exchange and BANK2 over its folder pair, an emergency program pays the
eligible residents, and the books balance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tenfold.cli.exchange import http
from tenfold.exchange.ports import free_base

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
id = "E2E-RELIEF"
name = { en = "Relief", zh-Hant = "救助" }
amount = "50.00"
budget = "1000000.00"
[eligibility]
min_age = 18
income_year = 2025
income_below = "12000.00"
"""


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:  # type: ignore[type-arg]
    from tenfold.settings import get_settings

    var = tmp_path_factory.mktemp("country") / "var"
    saved = {k: os.environ.get(k) for k in ("TENFOLD_VAR_DIR", "TENFOLD_EXCHANGE_BASE_PORT", "TENFOLD_BANKS_STATEMENT_INTERVAL_SECONDS")}
    os.environ.update({"TENFOLD_VAR_DIR": str(var), "TENFOLD_EXCHANGE_BASE_PORT": str(free_base()),
                       "TENFOLD_BANKS_STATEMENT_INTERVAL_SECONDS": "2"})
    get_settings.cache_clear()
    subprocess.run([sys.executable, "-m", "tenfold.cli", "country", "generate", "--persons", "3000", "--json"], check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT)
    from tenfold.cli.serve import running_country
    from tenfold.errors import TenfoldError

    try:
        for attempt in range(3):  # other countries on this machine may take a port between the check and the bind
            started = False
            try:
                with running_country(timeout=240) as runtime:
                    started = True
                    yield runtime
                break
            except TenfoldError:
                if started or attempt == 2:
                    raise
                os.environ["TENFOLD_EXCHANGE_BASE_PORT"] = str(free_base())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def _tenfold(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *args], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env=dict(os.environ))


@pytest.mark.slow
def test_sib_pays_through_the_exchange_and_both_banks_answer(country: dict, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[type-arg]
    from tenfold.cli.payments_demo import show

    show(country)  # SIB -> TRE over the exchange; BANK1 over the exchange, BANK2 over its folders
    shown = capsys.readouterr().out
    assert "pain.001 files written" in shown and "settled" in shown and "AC04" in shown
    sib = next(m for m in country["members"] if m["code"] == "SIB")["gateway_url"]
    status, _h, listed = http("GET", sib + "/r1/DEMO/GOV/TRE/payments/payments/reconciliation/messages?limit=50",
                              headers={"X-Road-Client": "DEMO/GOV/SIB/benefits"})
    kinds = {(m["bank"], m["kind"]) for m in listed["messages"]}
    assert status == 200 and {("BANK1", "pain.002"), ("BANK1", "camt.054"), ("BANK2", "pain.002"), ("BANK2", "camt.054")} <= kinds
    refused, _h, body = http("GET", sib + "/r1/DEMO/COM/BANK1/bank/payment-files/messages", headers={"X-Road-Client": "DEMO/GOV/SIB/benefits"})
    assert refused == 403  # only the treasury may read the bank's answers


@pytest.mark.slow
def test_an_emergency_program_pays_each_eligible_resident_once(country: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    (tmp_path / "relief.toml").write_text(PROGRAM)
    first = _tenfold("payments", "emergency", "--program", str(tmp_path / "relief.toml"), "--timeout", "120", "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    result = json.loads(first.stdout)
    assert result["open"] == 0 and result["paid"] > 0 and result["paid"] + result["rejected"] + result["returned"] == result["instructions"]
    again = json.loads(_tenfold("payments", "emergency", "--program", str(tmp_path / "relief.toml"), "--json").stdout)
    assert (again["instructions"], again["replayed"]) == (0, result["instructions"])
    banks = [json.loads(_tenfold("payments", "banks", "status", code, "--json").stdout) for code in ("BANK1", "BANK2")]
    assert all(b["repeated_end_to_end_ids"] == 0 for b in banks)
    assert _tenfold("payments", "check-ledger").returncode == 0
