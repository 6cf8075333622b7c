"""Payment instructions per second: validated, mapped, reserved, ledgered and written into pain.001.

A fresh treasury database (SQLite under a temporary directory, or TENFOLD_BENCH_DATABASE_URL)
gets a program, a budget and N beneficiaries in the account mapper (not timed). Then, timed, the
N instructions arrive as GovStack batch bodies (JSON, 10,000 per batch): each batch is parsed and
validated with the API's own models, checked under the duplicate rule, mapped to accounts,
reserved against the budget (one transaction), then released: a payment journal per
instruction and one pain.001 per bank, validated against the official XSD (a second
transaction). The baseline, in the same run, inserts the same number of instruction rows with
the same columns in the same chunks, and nothing else.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

SIB = "DEMO/GOV/SIB/benefits"
BATCH = 10_000


def _ibans(count: int) -> list[str]:
    from schwifty import IBAN

    return [str(IBAN.generate("EE", bank_code="22" if n % 2 else "10", account_code=f"{n + 1:010d}")) for n in range(count)]


def _service(directory: Path):  # type: ignore[no-untyped-def]
    from tenfold.payments import load_directory, open_payments
    from tenfold.payments.config import PaymentsSettings
    from tenfold.storage import make_engine

    url = os.environ.get("TENFOLD_BENCH_DATABASE_URL") or f"sqlite:///{directory / 'tre.sqlite'}"
    settings = PaymentsSettings(worker=False, max_batch_instructions=BATCH)
    return open_payments(make_engine(url), load_directory(settings.banks_file), settings)


def _bodies(count: int) -> list[bytes]:
    bodies = []
    for start in range(0, count, BATCH):
        bodies.append(orjson.dumps([
            {"requestId": f"R{n:09d}", "creditParty": [{"key": "payeeIdentity", "value": f"SIB-{n:09d}"}], "amount": 80 + n % 100 / 100,
             "currency": "EUR", "descriptionText": "Child allowance 2026-03"} for n in range(start, min(start + BATCH, count))]))
    return bodies


def _pipeline(service: Any, bodies: list[bytes]) -> dict[str, Any]:
    from pydantic import TypeAdapter

    from tenfold.payments import release
    from tenfold.payments.api import InstructionIn, _instruction
    from tenfold.payments.models import BatchRequest

    adapter = TypeAdapter(list[InstructionIn])
    files = size = 0
    started = time.perf_counter()
    for number, body in enumerate(bodies):
        instructions = [_instruction(item) for item in adapter.validate_json(body)]
        receipt = service.submit(BatchRequest(SIB, f"bench-{number}", "BENCH", instructions))
        with service.engine.begin() as connection:
            ids = release.release(connection, service.directory, receipt.batch_id, datetime.now(UTC))
            files += len(ids)
            size += sum(len(release.content(connection, i)) for i in ids)
    return {"seconds": time.perf_counter() - started, "files": files, "pain001_bytes": size}


def _baseline(service: Any, count: int) -> float:
    """The same rows with the same columns, inserted in the same chunks, and nothing else."""
    from sqlalchemy import Column, MetaData, Table

    from tenfold.storage import bulk
    from tenfold.payments.tables import payment_instructions

    plain = Table("bench_plain_rows", MetaData(), *[Column(c.name, c.type) for c in payment_instructions.columns])
    plain.create(service.engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        rows = [(f"B{start:011d}", n, SIB, f"R{n:09d}", "0" * 32, "BENCH", f"SIB-{n:09d}", n, 8000, "EUR", "00", "Child allowance",
                 "EE382200221020145685", "HABAEE2X", "BANK1", "accepted", None, None, None, None, None, now, now)
                for n in range(start, min(start + BATCH, count))]
        with service.engine.begin() as connection:
            bulk.insert_rows(connection, plain, [c.name for c in payment_instructions.columns], rows)
    return time.perf_counter() - started


def run(instructions: int = 100_000) -> dict[str, Any]:
    from tenfold.payments.mapper import Beneficiary

    with tempfile.TemporaryDirectory(prefix="tenfold-bench-payments-") as tmp:
        service = _service(Path(tmp))
        service.create_program("BENCH", "Benchmark", "EUR")
        service.allocate("BENCH", "initial", 10**13)
        ibans = _ibans(instructions)
        for start in range(0, instructions, BATCH):
            service.register(SIB, [Beneficiary(f"SIB-{n:09d}", "00", ibans[n]) for n in range(start, min(start + BATCH, instructions))])
        bodies = _bodies(instructions)
        measured = _pipeline(service, bodies)
        checked = service.check_ledger()
        baseline = _baseline(service, instructions)
        service.engine.dispose()
    return {
        "instructions": instructions,
        "instructions_per_s": round(instructions / measured["seconds"]),
        "baseline_per_s": round(instructions / baseline),
        "ratio": round(baseline / measured["seconds"], 3),
        "seconds": round(measured["seconds"], 2),
        "batches": len(bodies),
        "pain001_files": measured["files"],
        "pain001_bytes": measured["pain001_bytes"],
        "ledger_balanced": checked.ok,
        "database": service.engine.dialect.name,
        "steps": "parse+validate (API models), duplicate rule, mapper, funds reserved, payment journals, pain.001 per bank + XSD",
    }
