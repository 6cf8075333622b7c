"""The emergency transfer as the operator runs it: read the registries through the exchange,
register and pay every eligible resident, then dispatch and reconcile until the banks answered,
with a progress bar throughout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tenfold.cli.output import progress
from tenfold.i18n import _
from tenfold.payments.money import format_cents


def run_emergency(service: Any, program_file: Path, *, wait: bool, timeout: float, quiet: bool,
                  source: Any = None) -> dict[str, Any]:
    from tenfold.payments import emergency
    from tenfold.payments.channels import gateway_url
    from tenfold.payments.sources import ExchangeSource
    from tenfold.payments.worker import run_until

    started = time.monotonic()
    program = emergency.load_program(program_file)
    source = source or ExchangeSource(gateway_url(), service.settings.client, f"Emergency transfer {program.program_id}")
    with progress(quiet=quiet) as bar:
        tasks: dict[str, Any] = {}

        def read(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(_("Reading {registry}").format(registry=name), total=total)
            bar.advance(tasks[name], done)

        found = emergency.find_eligible(program, source, read)
        phases = {"read_seconds": round(time.monotonic() - started, 1)}
        paying = bar.add_task(_("Registering and paying"), total=max(len(found.eligible), 1))
        submitted = emergency.pay(service, program, found.eligible, service.functional_id_secret(),
                                  lambda n: bar.advance(paying, n))
        phases["pay_seconds"] = round(time.monotonic() - started - phases["read_seconds"], 1)
        if wait and found.eligible:
            answered = bar.add_task(_("Waiting for the banks"), total=max(submitted.instructions, 1))

            def show() -> None:
                bar.update(answered, completed=service.batches_left(program.program_id)[1])

            run_until(service, lambda: service.batches_left(program.program_id)[0] == 0, timeout, show)
    states = emergency.outcome(service, program.program_id)

    def count(state: str) -> int:
        return int(states.get(state, {}).get("count", 0))

    return {
        "program": program.program_id, "persons": found.persons, "eligible": len(found.eligible) + found.without_account,
        "without_account": found.without_account, "registered": submitted.registered, "updated": submitted.updated,
        "unpayable": submitted.unpayable, "instructions": submitted.instructions, "replayed": submitted.replayed,
        "batches": len(submitted.batches), "paid": count("settled"), "rejected": count("rejected"), "returned": count("returned"),
        "open": sum(count(s) for s in ("accepted", "released", "sent", "bank_accepted")),
        "paid_amount": format_cents(int(states.get("settled", {}).get("cents", 0))),
        "seconds": round(time.monotonic() - started, 1), **phases,
    }
