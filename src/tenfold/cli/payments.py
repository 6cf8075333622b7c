"""``tenfold payments``: the treasury's books, its dispatcher, emergency transfers and the
simulated banks; and ``tenfold bench payments`` / ``tenfold bench emergency``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import typer

from tenfold.cli.bench import app as bench_app
from tenfold.cli.bench import load, report
from tenfold.cli.output import console, print_json, table
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import N_, _

app = typer.Typer(help="The treasury: ledger, bank files, reconciliation, emergency transfers.", no_args_is_help=True)
banks_app = typer.Typer(help="The simulated banks: faults, closed accounts, their own cycle.", no_args_is_help=True)
app.add_typer(banks_app, name="banks")

STATES = {"accepted": N_("accepted"), "released": N_("released"), "sent": N_("sent"), "bank_accepted": N_("accepted by the bank"),
          "settled": N_("settled"), "rejected": N_("rejected"), "returned": N_("returned")}


def _service():  # type: ignore[no-untyped-def]
    from tenfold.payments import open_payments

    return open_payments()


def _euro(cents: int) -> str:
    from tenfold.payments.money import format_cents

    return format_cents(cents)


@app.command("check-ledger")
def check_ledger(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Prove the books balance and every paid instruction has exactly one debit and one credit."""
    result = _service().check_ledger()
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        console.print(_("The books balance: {journals} journals, {lines} lines, {instructions} instructions checked.").format(
            journals=result.journals, lines=result.lines, instructions=result.instructions))
    if not result.ok:
        if not as_json:
            console.print(_("The books do not balance: {discrepancy}").format(discrepancy=result.discrepancy))
        raise typer.Exit(1)


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """What the treasury holds: instructions per state, bank files, exceptions, programs."""
    summary = _service().status()
    if as_json:
        print_json(summary)
        return
    states = summary["instructions"]
    rows = [(_(label), states[state]["count"], _euro(states[state]["cents"])) for state, label in STATES.items() if state in states]
    console.print(table(_("Payment instructions"), [_("state"), _("count"), _("amount (EUR)")], rows))
    console.print(_("Overdue (no bank answer in time): {count}").format(count=summary["overdue"]))
    console.print(table(_("Reconciliation exceptions"), [_("kind"), _("count")], sorted(summary["exceptions"].items())))
    console.print(table(_("Programs"), [_("program"), _("budget"), _("available"), _("reserved")], [
        (p["program_id"], _euro(p["budget_cents"]), _euro(p["available_cents"]), _euro(p["reserved_cents"])) for p in summary["programs"]]))


@app.command("exceptions")
def exceptions(limit: int = typer.Option(50, "--limit", min=1, max=1000), as_json: bool = typer.Option(False, "--json")) -> None:
    """Bank entries and messages that matched no payment (newest first)."""
    rows = _service().exceptions(limit)
    if as_json:
        print_json([{**r, "created_at": r["created_at"].isoformat()} for r in rows])
        return
    console.print(table(_("Reconciliation exceptions"), [_("bank"), _("kind"), _("message"), _("end-to-end id"), _("detail")],
                        [(r["bank"], r["kind"], r["message_id"] or "-", r["end_to_end_id"] or "-", r["detail"]) for r in rows]))


@app.command("run")
def run(
    until_done: bool = typer.Option(False, "--until-done", help="Stop when no instruction waits for a bank."),
    timeout: float = typer.Option(3600.0, "--timeout", min=1.0, help="Stop after this many seconds."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Release due batches, send bank files, fetch and reconcile the banks' answers, send callbacks."""
    from tenfold.payments.worker import run_until

    service = _service()
    finished = run_until(service, (lambda: service.open_count() == 0) if until_done else (lambda: False), timeout)
    if as_json:
        print_json({"finished": finished, "status": service.status()})
    elif until_done:
        console.print(_("Every instruction has its bank's answer.") if finished else _("Stopped with instructions still open."))
    if until_done and not finished:
        raise typer.Exit(1)


@app.command("emergency")
def emergency(
    program_file: Path = typer.Option(..., "--program", help="The program (TOML): amount, budget, eligibility filter."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the banks' answers and reconcile them."),
    timeout: float = typer.Option(1800.0, "--timeout", min=1.0, help="How long to wait for the banks."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Pay every eligible resident of a one-off program (with a progress bar and a final table)."""
    from tenfold.cli.payments_emergency import run_emergency

    result = run_emergency(_service(), program_file, wait=wait, timeout=timeout, quiet=as_json)
    if as_json:
        print_json(result)
        return
    console.print(table(_("Emergency transfer {program}").format(program=result["program"]), [_("figure"), _("value")], [
        (_("residents read"), result["persons"]), (_("eligible"), result["eligible"]),
        (_("eligible without a known account"), result["without_account"]), (_("paid (settled)"), result["paid"]),
        (_("rejected"), result["rejected"]), (_("returned"), result["returned"]), (_("still open"), result["open"]),
        (_("amount paid (EUR)"), result["paid_amount"]), (_("time (s)"), result["seconds"])]))


# ---------------------------------------------------------------------------- simulated banks
def _bank(code: str):  # type: ignore[no-untyped-def]
    from tenfold.banks import open_bank

    return open_bank(code.upper())


@banks_app.command("faults")
def faults(
    bank: str = typer.Argument(..., help="BANK1 or BANK2."),
    silent: Optional[bool] = typer.Option(None, "--silent/--no-silent", help="Answer nothing at all."),
    insufficient_cover: Optional[bool] = typer.Option(None, "--insufficient-cover/--cover", help="Reject every file whole (AM04)."),
    duplicate_answers: Optional[bool] = typer.Option(None, "--duplicate-answers/--single-answers", help="Send every answer twice."),
    unknown_return: Optional[bool] = typer.Option(None, "--unknown-return/--no-unknown-return", help="Return a payment never received."),
    statement_fee: Optional[bool] = typer.Option(None, "--statement-fee/--no-statement-fee", help="A fee line on each statement."),
    return_share: Optional[float] = typer.Option(None, "--return-share", min=0.0, max=1.0, help="Share of credits returned later."),
    return_delay: Optional[float] = typer.Option(None, "--return-delay", min=0.0, help="Seconds until a return is sent."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show or change a simulated bank's faults (a running bank picks them up on its next cycle)."""
    from dataclasses import replace

    simulator = _bank(bank)
    changes = {k: v for k, v in {"silent": silent, "insufficient_cover": insufficient_cover, "duplicate_answers": duplicate_answers,
                                 "unknown_return": unknown_return, "statement_fee": statement_fee, "return_share": return_share,
                                 "return_delay_seconds": return_delay}.items() if v is not None}
    current = replace(simulator.faults(), **changes)
    if changes:
        simulator.set_faults(current)
    if as_json:
        print_json(current.as_dict())
        return
    console.print(table(_("Faults of {bank}").format(bank=bank.upper()), [_("fault"), _("value")], list(current.as_dict().items())))


@banks_app.command("close-accounts")
def close_accounts(
    bank: str = typer.Argument(..., help="BANK1 or BANK2."),
    share: float = typer.Option(0.0, "--share", min=0.0, max=1.0, help="Close this share of the open accounts."),
    iban: list[str] = typer.Option([], "--iban", help="Close this account (repeatable)."),
    seed: int = typer.Option(0, "--seed", help="Which accounts a share picks."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Close customer accounts at a simulated bank (payments to them are rejected with AC04)."""
    from tenfold.banks.accounts import close

    if not iban and share <= 0:
        raise InvalidInput(_("give --iban or a --share above 0"))
    simulator = _bank(bank)
    closed = close(simulator.engine, simulator.identity.member, ibans=list(iban) or None, share=share, seed=seed)
    if as_json:
        print_json({"bank": simulator.identity.code, "closed": len(closed)})
    else:
        console.print(_("{count} accounts closed at {bank}.").format(count=len(closed), bank=simulator.identity.code))


@banks_app.command("run")
def run_bank(
    bank: str = typer.Argument(..., help="BANK1 or BANK2."),
    until_idle: bool = typer.Option(False, "--until-idle", help="Stop when a cycle finds nothing to do."),
    close_day: bool = typer.Option(False, "--close-day", help="End the business day now (send the statement)."),
) -> None:
    """Run a simulated bank's own cycle (folder intake, returns, statements) without its API."""
    from tenfold.banks.worker import cycle

    simulator = _bank(bank)
    try:
        while True:
            result = cycle(simulator, close=close_day)
            close_day = False
            if until_idle and not result.busy:
                return
            if not result.busy:
                time.sleep(simulator.settings.worker_interval_seconds)
    except KeyboardInterrupt:
        return


@banks_app.command("status")
def bank_status(bank: str = typer.Argument(..., help="BANK1 or BANK2."), as_json: bool = typer.Option(False, "--json")) -> None:
    """What a simulated bank received and sent."""
    summary = _bank(bank).summary()
    if as_json:
        print_json(summary)
        return
    rows: list[tuple[str, Any]] = []
    for group in ("arrivals", "transactions", "messages", "returns"):
        rows += [(f"{group}: {k}", v) for k, v in sorted(summary[group].items())]
    rows.append((_("end-to-end ids received more than once"), summary["repeated_end_to_end_ids"]))
    console.print(table(_("Bank {bank}").format(bank=summary["bank"]), [_("figure"), _("value")], rows))


# ---------------------------------------------------------------------------- benchmarks
@bench_app.command("payments")
def bench_payments(
    instructions: int = typer.Option(100_000, "--instructions", min=1_000, max=10_000_000, help="How many instructions."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Instructions validated, mapped, reserved, ledgered and written into pain.001 per second, vs plain inserts."""
    report("payments", load("payments").run(instructions=instructions), as_json)


@bench_app.command("emergency")
def bench_emergency(
    persons: int = typer.Option(1_000_000, "--persons", min=1_000, max=10_000_000, help="Size of the country."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """An emergency transfer to a whole country, end to end through the exchange and the simulated banks."""
    report("emergency", load("emergency").run(persons=persons), as_json)


__all__ = ["app", "TenfoldError"]
