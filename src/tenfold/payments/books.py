"""``tenfold payments check-ledger``: proof that the books balance, or the first discrepancy.

What is proven, in this order:
1. every journal has at least two lines and its lines sum to zero (so the trial balance is zero);
2. every line is on a program account or a beneficiary account;
3. every materialised balance equals the sum of its account's lines;
4. no fund or reservation is negative;
5. each program's reservation equals its accepted, unreleased instructions;
6. each batch's reservation journal equals the sum it accepted;
7. every paid instruction has exactly one payment journal (one debit on its beneficiary, one
   credit on its program's reservation, for its amount), every rejected or returned paid one
   exactly one reversal, and no other instruction either;
8. there are no payment or reversal journals beyond those.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from tenfold.payments import ledger
from tenfold.payments.models import ACCEPTED, REJECTED, RETURNED, end_to_end_id
from tenfold.payments.tables import disbursement_batches, ledger_accounts, payment_instructions, postings

CHUNK = 500


class Discrepancy(Exception):
    """The first thing found that does not balance."""


@dataclass
class LedgerCheck:
    ok: bool
    journals: int = 0
    lines: int = 0
    instructions: int = 0
    discrepancy: str | None = None
    balances: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "journals": self.journals, "lines": self.lines, "instructions": self.instructions,
                "discrepancy": self.discrepancy, "balances": self.balances}


def check(connection: Connection) -> LedgerCheck:
    result = LedgerCheck(ok=True)
    try:
        _journals_balance(connection, result)
        _balances(connection, result)
        _reservations(connection)
        _instructions(connection, result)
    except Discrepancy as error:
        result.ok, result.discrepancy = False, str(error)
    return result


def _journals_balance(connection: Connection, result: LedgerCheck) -> None:
    p = postings
    result.lines, result.journals = connection.execute(select(func.count(), func.count(func.distinct(p.c.journal)))).one()
    bad = connection.execute(select(p.c.journal, func.sum(p.c.amount_cents), func.count()).group_by(p.c.journal)
                             .having((func.sum(p.c.amount_cents) != 0) | (func.count() < 2)).limit(1)).first()
    if bad is not None:
        raise Discrepancy(f"journal {bad[0]} does not balance: its {bad[2]} lines sum to {bad[1]} cents")


def _balances(connection: Connection, result: LedgerCheck) -> None:
    stored = {a: (int(b), k) for a, b, k in connection.execute(
        select(ledger_accounts.c.account, ledger_accounts.c.balance_cents, ledger_accounts.c.kind))}
    summed = dict(connection.execute(select(postings.c.account, func.sum(postings.c.amount_cents))
                                     .where(~postings.c.account.startswith(ledger.BENEFICIARY)).group_by(postings.c.account)).all())
    for name in summed:
        if name not in stored:
            raise Discrepancy(f"lines are posted on {name}, which is neither a program account nor a beneficiary account")
    for name, (balance, kind) in sorted(stored.items()):
        if balance != int(summed.get(name, 0)):
            raise Discrepancy(f"the balance of {name} is {balance} cents but its lines sum to {int(summed.get(name, 0))}")
        if kind in ("fund", "reserved") and balance < 0:
            raise Discrepancy(f"{name} is negative ({balance} cents): more was spent than allocated")
        result.balances[name] = balance


def _reservations(connection: Connection) -> None:
    t = payment_instructions
    accepted = dict(connection.execute(select(t.c.program_id, func.sum(t.c.amount_cents)).where(t.c.state == ACCEPTED)
                                       .group_by(t.c.program_id)).all())
    for name, balance in connection.execute(select(ledger_accounts.c.account, ledger_accounts.c.balance_cents)
                                            .where(ledger_accounts.c.kind == "reserved")):
        program = name.split(":", 1)[1]
        if int(balance) != int(accepted.get(program, 0) or 0):
            raise Discrepancy(f"{name} holds {balance} cents but the accepted, unreleased instructions of {program} "
                              f"amount to {int(accepted.get(program, 0) or 0)}")
    b = disbursement_batches
    lines = _lines(connection, [f"reserve:{batch_id}" for batch_id in connection.execute(select(b.c.batch_id)).scalars()])
    for batch_id, program, cents in connection.execute(select(b.c.batch_id, b.c.program_id, b.c.accepted_sum_cents)):
        expected = [(ledger.account("reserved", program), cents), (ledger.account("fund", program), -cents)] if cents else []
        if sorted(lines.get(f"reserve:{batch_id}", [])) != sorted(expected):
            raise Discrepancy(f"batch {batch_id} accepted {cents} cents but its reservation journal is "
                              f"{lines.get(f'reserve:{batch_id}', [])}")


def _lines(connection: Connection, journals: list[str]) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for start in range(0, len(journals), CHUNK):
        query = select(postings.c.journal, postings.c.account, postings.c.amount_cents).where(
            postings.c.journal.in_(journals[start:start + CHUNK]))
        for journal, name, amount in connection.execute(query):
            found[journal].append((name, int(amount)))
    return found


def _instructions(connection: Connection, result: LedgerCheck) -> None:
    t = payment_instructions
    paid = failed = 0
    query = select(t.c.batch_id, t.c.seq, t.c.program_id, t.c.beneficiary_id, t.c.amount_cents, t.c.state, t.c.paid_at)
    for rows in connection.execute(query.execution_options(yield_per=CHUNK)).partitions(CHUNK):
        keys = [end_to_end_id(r.batch_id, r.seq) for r in rows]
        lines = _lines(connection, [f"pay:{k}" for k in keys] + [f"reverse:{k}" for k in keys])
        for row, e2e in zip(rows, keys):
            result.instructions += 1
            beneficiary = ledger.beneficiary_account(row.beneficiary_id) if row.beneficiary_id is not None else None
            was_paid = row.paid_at is not None
            reversed_ = was_paid and row.state in (REJECTED, RETURNED)
            expect_pay = [(beneficiary, row.amount_cents), (ledger.account("reserved", row.program_id), -row.amount_cents)] if was_paid else []
            expect_back = [(ledger.account("fund", row.program_id), row.amount_cents), (beneficiary, -row.amount_cents)] if reversed_ else []
            if sorted(lines.get(f"pay:{e2e}", []), key=str) != sorted(expect_pay, key=str):
                raise Discrepancy(f"instruction {e2e} ({row.state}) should have {'one' if was_paid else 'no'} payment journal "
                                  f"D {beneficiary} / C reserved for {row.amount_cents} cents; found {lines.get(f'pay:{e2e}', [])}")
            if sorted(lines.get(f"reverse:{e2e}", []), key=str) != sorted(expect_back, key=str):
                raise Discrepancy(f"instruction {e2e} ({row.state}) should have {'one' if reversed_ else 'no'} reversal; "
                                  f"found {lines.get(f'reverse:{e2e}', [])}")
            paid += was_paid
            failed += reversed_
    for kind, expected in (("pay", paid), ("reverse", failed)):
        found = connection.execute(select(func.count(func.distinct(postings.c.journal))).where(postings.c.kind == kind)).scalar_one()
        if int(found) != expected:
            raise Discrepancy(f"there are {found} {kind} journals but {expected} instructions that should have one")
