"""The double-entry ledger, in integer cents.

Accounts (balances are debit-positive; every journal's lines sum to zero):

- ``appropriation:<program>``: where a program's budget comes from (credited on allocation);
- ``fund:<program>``: the budget still available to the program;
- ``reserved:<program>``: funds reserved for accepted instructions not yet released to a bank;
- ``beneficiary:<id>``: what was paid to one beneficiary (one per mapper entry).

Journals (the key makes each unique):

- ``alloc:<program>:<allocation>``  D fund / C appropriation     a budget allocation
- ``reserve:<batch>``               D reserved / C fund          a batch accepted, funds checked
- ``pay:<end-to-end id>``           D beneficiary / C reserved   an instruction released in a pain.001
- ``reverse:<end-to-end id>``       D fund / C beneficiary       a paid instruction rejected or returned

Every function takes the connection of the caller's transaction, so a posting commits or rolls
back with the state change it records.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import Connection, bindparam, select, update

from tenfold.payments.tables import ledger_accounts, postings
from tenfold.storage import bulk

PROGRAM_ACCOUNT_KINDS = ("fund", "reserved", "appropriation")
BENEFICIARY = "beneficiary:"

# (journal key, debit account, credit account, amount in cents)
Journal = tuple[str, str, str, int]


def account(kind: str, program_id: str) -> str:
    return f"{kind}:{program_id}"


def beneficiary_account(beneficiary_id: int) -> str:
    return f"{BENEFICIARY}{beneficiary_id}"


def open_program_accounts(connection: Connection, program_id: str, now: datetime) -> None:
    """Create the program's materialised accounts (idempotent)."""
    existing = set(connection.execute(
        select(ledger_accounts.c.account).where(ledger_accounts.c.program_id == program_id)).scalars())
    rows = [{"account": account(kind, program_id), "program_id": program_id, "kind": kind, "balance_cents": 0, "updated_at": now}
            for kind in PROGRAM_ACCOUNT_KINDS if account(kind, program_id) not in existing]
    if rows:
        connection.execute(ledger_accounts.insert(), rows)


def hold(connection: Connection, name: str, now: datetime) -> bool:
    """Take the write lock on an account for the rest of the transaction (a row lock on
    PostgreSQL; the database's write lock on SQLite, whose driver would otherwise read outside
    the transaction until the first write). Returns whether the account exists."""
    result = connection.execute(update(ledger_accounts).where(ledger_accounts.c.account == name).values(updated_at=now))
    return bool(result.rowcount)


def balance(connection: Connection, name: str, *, lock: bool = False) -> int:
    """The materialised balance of a program account; ``lock`` holds the row (PostgreSQL) until
    the transaction ends, so two reservations cannot both spend the same funds."""
    query = select(ledger_accounts.c.balance_cents).where(ledger_accounts.c.account == name)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    found = connection.execute(query).scalar_one_or_none()
    if found is None:
        raise KeyError(name)
    return int(found)


def post(connection: Connection, kind: str, journals: Sequence[Journal], now: datetime) -> None:
    """Post two-line journals (one debit, one credit each) and move the materialised balances."""
    if not journals:
        return
    rows = []
    deltas: dict[str, int] = defaultdict(int)
    for journal, debit, credit, amount in journals:
        if amount <= 0:
            raise ValueError(f"journal {journal}: amounts are positive cents, not {amount}")
        rows.append((journal, kind, debit, amount, now))
        rows.append((journal, kind, credit, -amount, now))
        if not debit.startswith(BENEFICIARY):
            deltas[debit] += amount
        if not credit.startswith(BENEFICIARY):
            deltas[credit] -= amount
    bulk.insert_rows(connection, postings, ("journal", "kind", "account", "amount_cents", "posted_at"), rows)
    _move(connection, deltas, now)


def _move(connection: Connection, deltas: dict[str, int], now: datetime) -> None:
    statement = (update(ledger_accounts).where(ledger_accounts.c.account == bindparam("name"))
                 .values(balance_cents=ledger_accounts.c.balance_cents + bindparam("delta"), updated_at=now))
    for name, delta in deltas.items():
        if delta:
            result = connection.execute(statement, {"name": name, "delta": delta})
            if result.rowcount != 1:
                raise KeyError(f"no ledger account {name}")


def lines_of(connection: Connection, journals: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    """The lines of some journals (for tests and the check)."""
    keys = list(journals)
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        query = select(postings.c.journal, postings.c.account, postings.c.amount_cents).where(postings.c.journal.in_(chunk))
        for journal, name, amount in connection.execute(query):
            found[journal].append((name, int(amount)))
    return dict(found)
