"""Reconciliation: every bank message is matched to instructions by end-to-end id, in one
transaction with the state changes and postings it causes.

An instruction ends settled (a booked debit in camt.054 or camt.053, or ACSC in pain.002),
rejected (pain.002, with the bank's reason) or returned (pacs.004 or a returned credit on the
statement). Rejected and returned payments are reversed in the ledger and reported back to the
program. Whatever does not match, a statement line without a payment, a return of an unknown
payment, a second copy of a message, an amount that differs, is recorded as a reconciliation
exception and shown to the operator: never ignored, never applied twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Connection, func, select, update

from tenfold.payments import ledger
from tenfold.payments.iso20022.reader import AccountReport, BankMessage, PaymentReturn, StatusReport
from tenfold.payments.models import (
    BANK_ACCEPTED, OPEN, RELEASED, REJECTED, RETURNED, SENT, SETTLED, end_to_end_id, reason_text, split_end_to_end_id,
)
from tenfold.payments.tables import bank_files, bank_messages, payment_instructions, reconciliation_exceptions
from tenfold.storage import bulk

ALLOWED = {
    BANK_ACCEPTED: {RELEASED, SENT},
    SETTLED: {RELEASED, SENT, BANK_ACCEPTED},
    REJECTED: {RELEASED, SENT, BANK_ACCEPTED},
    RETURNED: {RELEASED, SENT, BANK_ACCEPTED, SETTLED},
}
ACCEPTING = {"ACCP", "ACTC", "ACWC", "ACSP", "PART", "PDNG", "RCVD"}
CHUNK = 500


@dataclass
class Applied:
    kind: str
    message_id: str
    entries: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    already_applied: bool = False
    duplicate_message: bool = False
    failed: int = 0
    batches: set[str] = field(default_factory=set)


@dataclass
class _Work:
    bank: str
    message_id: str
    rows: dict[str, dict[str, Any]]
    applied: Applied
    changes: dict[str, list[tuple[str, str | None]]] = field(default_factory=lambda: defaultdict(list))
    statement: list[str] = field(default_factory=list)
    accept_rest: tuple[str, str] | None = None
    exceptions: list[tuple[str, str | None, int | None, str]] = field(default_factory=list)

    def problem(self, kind: str, e2e: str | None, amount: int | None, detail: str) -> None:
        self.applied.unmatched += 1
        self.exceptions.append((kind, e2e, amount, detail))

    def move(self, e2e: str | None, target: str, code: str | None, amount: int | None = None) -> None:
        self.applied.entries += 1
        row = self.rows.get(e2e or "")
        if row is None or row["bank"] != self.bank:
            kind = "unknown_return" if target == RETURNED else "unmatched_entry"
            self.problem(kind, e2e, amount, f"no payment with end-to-end id {e2e or '(none)'} was sent to {self.bank}")
            return
        if amount is not None and amount != row["amount_cents"]:
            self.problem("amount_mismatch", e2e, amount, f"the bank reports {amount} cents; the payment was {row['amount_cents']}")
            return
        self.applied.matched += 1
        state = row["state"]
        if state == target or (target in (BANK_ACCEPTED, SETTLED) and state in (SETTLED, RETURNED)):
            # the same news again, or older news (a payment is settled before it can be returned)
            self.applied.duplicates += 1
        elif state in ALLOWED[target]:
            row["state"] = target
            self.changes[target].append((e2e or "", code))
        else:
            self.problem("conflict", e2e, amount, f"the bank reports {target} but the payment is {state}")


def seen(connection: Connection, bank: str, kind: str, message_id: str) -> tuple[str, str] | None:
    """(sha256, source) of a message already applied, or None."""
    t = bank_messages
    row = connection.execute(select(t.c.sha256, t.c.source).where(t.c.bank == bank, t.c.kind == kind, t.c.message_id == message_id)).first()
    return (row[0], row[1]) if row else None


def apply(connection: Connection, bank: str, message: BankMessage, source: str, sha256: str, now: datetime) -> Applied:
    applied = Applied(message.kind, message.message_id)
    earlier = seen(connection, bank, message.kind, message.message_id)
    if earlier is not None:
        if earlier == (sha256, source):
            applied.already_applied = True  # our own re-read after a crash, before the file was moved
        else:
            applied.duplicate_message = True
            record(connection, bank, [("duplicate_message", None, None, f"{message.kind} {message.message_id} came again ({source})")],
                   message.message_id, now)
        return applied
    work = _Work(bank, message.message_id, {}, applied)
    if isinstance(message, StatusReport):
        _status_report(connection, work, message, now)
    elif isinstance(message, AccountReport):
        _account_report(connection, work, message)
    elif isinstance(message, PaymentReturn):
        work.rows = load(connection, [r.original_end_to_end_id or "" for r in message.returns])
        for r in message.returns:
            work.move(r.original_end_to_end_id, RETURNED, r.reason_code or "MS03", r.amount_cents)
    _commit(connection, work, now)
    connection.execute(bank_messages.insert().values(
        bank=bank, kind=message.kind, message_id=message.message_id, sha256=sha256, source=source[:255], entries=applied.entries,
        matched=applied.matched, unmatched=applied.unmatched, received_at=now))
    return applied


def load(connection: Connection, e2e_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Instructions by end-to-end id (ids that are not ours are simply not found)."""
    by_batch: dict[str, list[int]] = defaultdict(list)
    for e2e in e2e_ids:
        parts = split_end_to_end_id(e2e)
        if parts:
            by_batch[parts[0]].append(parts[1])
    sql = ("SELECT batch_id, seq, state, amount_cents, bank, program_id, beneficiary_id FROM payment_instructions "
           "WHERE batch_id = ? AND seq IN")
    found = {}
    for batch_id, seqs in by_batch.items():
        for row in bulk.select_in(connection, sql, seqs, (batch_id,)):
            found[end_to_end_id(row[0], row[1])] = {"state": row[2], "amount_cents": row[3], "bank": row[4], "program_id": row[5],
                                                    "beneficiary_id": row[6]}
    return found


def _status_report(connection: Connection, work: _Work, report: StatusReport, now: datetime) -> None:
    f = bank_files
    file = connection.execute(select(f).where(f.c.file_id == report.original_message_id, f.c.bank == work.bank)).mappings().first()
    if file is None:
        for tx in report.transactions or [None]:  # type: ignore[list-item]
            work.problem("unknown_original", tx.end_to_end_id if tx else None, None,
                         f"a status report on {report.original_message_id}, which the treasury did not send to {work.bank}")
        return
    group = report.group_status
    accepting = group in ACCEPTING
    if accepting:  # only the listed transactions are read; the rest is accepted in one statement
        work.rows = load(connection, [tx.end_to_end_id for tx in report.transactions])
        work.accept_rest = (file["batch_id"], work.bank)
    else:
        t = payment_instructions
        seqs = connection.execute(select(t.c.seq).where(t.c.batch_id == file["batch_id"], t.c.bank == work.bank)).scalars()
        work.rows = load(connection, [end_to_end_id(file["batch_id"], s) for s in seqs])
    listed = set()
    for tx in report.transactions:
        listed.add(tx.end_to_end_id)
        target = REJECTED if tx.status == "RJCT" else SETTLED if tx.status == "ACSC" else BANK_ACCEPTED
        work.move(tx.end_to_end_id, target, tx.reason_code or ("MS03" if target == REJECTED else None))
    if group in ("RJCT", "ACSC"):
        target = REJECTED if group == "RJCT" else SETTLED
        for e2e in sorted(set(work.rows) - listed):
            work.move(e2e, target, report.group_reason or ("MS03" if target == REJECTED else None))
    state = {"RJCT": "rejected", "PART": "partial"}.get(group or "", "accepted")
    connection.execute(update(f).where(f.c.file_id == file["file_id"]).values(
        state=state, answered_at=now, reason_code=report.group_reason if group == "RJCT" else None))


def _account_report(connection: Connection, work: _Work, report: AccountReport) -> None:
    work.rows = load(connection, [e.end_to_end_id for e in report.entries if e.end_to_end_id])
    for entry in report.entries:
        if entry.credit and entry.end_to_end_id in work.rows:
            work.move(entry.end_to_end_id, RETURNED, entry.return_reason or "MS03", entry.amount_cents)
        elif entry.credit or entry.end_to_end_id is None:
            work.applied.entries += 1
            work.problem("unmatched_entry", entry.end_to_end_id, entry.amount_cents, f"a {'credit' if entry.credit else 'debit'} of {entry.amount_cents} cents "
                         f"(ref {entry.reference or '-'}) matches no payment")
        else:
            work.move(entry.end_to_end_id, SETTLED, None, entry.amount_cents)
        if report.kind == "camt.053" and entry.end_to_end_id in work.rows:
            work.statement.append(entry.end_to_end_id or "")
    if report.opening_cents is not None and report.closing_cents is not None:
        moved = sum(e.amount_cents if e.credit else -e.amount_cents for e in report.entries)
        if report.opening_cents + moved != report.closing_cents:
            work.problem("balance_mismatch", None, report.closing_cents,
                         f"opening {report.opening_cents} + entries {moved} != closing {report.closing_cents}")


def _commit(connection: Connection, work: _Work, now: datetime) -> None:
    t = payment_instructions
    for target, moves in work.changes.items():
        rows = []
        for e2e, code in moves:
            batch_id, seq = split_end_to_end_id(e2e)  # type: ignore[misc]
            rows.append((target, code, reason_text(code) if target in (REJECTED, RETURNED) else None, now, batch_id, seq))
            work.applied.batches.add(batch_id)
        bulk.update_rows(connection, t, ("state", "reason_code", "reason", "updated_at"), ("batch_id", "seq"), rows)
    failed = work.changes.get(REJECTED, []) + work.changes.get(RETURNED, [])
    work.applied.failed = len(failed)
    journals = []
    for e2e, _code in failed:
        row = work.rows[e2e]
        journals.append((f"reverse:{e2e}", ledger.account("fund", row["program_id"]), ledger.beneficiary_account(row["beneficiary_id"]),
                         row["amount_cents"]))
    ledger.post(connection, "reverse", journals, now)
    if work.accept_rest is not None:
        batch_id, bank = work.accept_rest
        accepted = connection.execute(update(t).where(t.c.batch_id == batch_id, t.c.bank == bank, t.c.state.in_((RELEASED, SENT)))
                                      .values(state=BANK_ACCEPTED, updated_at=now)).rowcount
        work.applied.entries += accepted
        work.applied.matched += accepted
        work.applied.batches.add(batch_id)
    _mark_statement(connection, work.message_id, work.statement)
    record(connection, work.bank, work.exceptions, work.message_id, now)


def _mark_statement(connection: Connection, message_id: str, e2e_ids: list[str]) -> None:
    """Note on each instruction the statement that showed it."""
    rows = [(message_id, *split_end_to_end_id(e2e)) for e2e in e2e_ids]  # type: ignore[misc]
    bulk.update_rows(connection, payment_instructions, ("statement_id",), ("batch_id", "seq"), rows)


def record(connection: Connection, bank: str, problems: list[tuple[str, str | None, int | None, str]], message_id: str | None,
           now: datetime) -> None:
    rows = [(bank, kind, message_id, e2e, amount, detail[:500], False, now) for kind, e2e, amount, detail in problems]
    bulk.insert_rows(connection, reconciliation_exceptions, ("bank", "kind", "message_id", "end_to_end_id", "amount_cents",
                                                             "detail", "resolved", "created_at"), rows)


def open_count(connection: Connection, batch_id: str) -> int:
    t = payment_instructions
    return int(connection.execute(select(func.count()).select_from(t).where(t.c.batch_id == batch_id, t.c.state.in_(OPEN))).scalar_one())
