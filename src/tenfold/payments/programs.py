"""Programs and their budgets: a fund account per program, allocated under the duplicate rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from tenfold.payments import ledger
from tenfold.payments.errors import DuplicateConflict, InvalidInput, NotFound
from tenfold.payments.models import content_hash
from tenfold.payments.money import check_currency
from tenfold.payments.tables import allocations, ledger_accounts, programs

PROGRAM_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Program:
    program_id: str
    name: str
    currency: str
    budget_cents: int
    available_cents: int
    reserved_cents: int


def check_program_id(program_id: str) -> str:
    if not isinstance(program_id, str) or not PROGRAM_PATTERN.match(program_id):
        raise InvalidInput("a program id is 1 to 64 letters, digits or . _ - (starting with a letter or digit)")
    return program_id


def create(connection: Connection, program_id: str, name: str, currency: str, now: datetime) -> bool:
    """Create a program (True), or confirm an identical one exists (False); a different one: 409."""
    check_program_id(program_id)
    check_currency(currency)
    found = connection.execute(select(programs).where(programs.c.program_id == program_id)).mappings().first()
    if found is not None:
        if (found["name"], found["currency"]) != (name, currency):
            raise DuplicateConflict(f"program {program_id} exists with another name or currency")
        return False
    connection.execute(programs.insert().values(program_id=program_id, name=name, currency=currency, created_at=now))
    ledger.open_program_accounts(connection, program_id, now)
    return True


def currency_of(connection: Connection, program_id: str) -> str:
    found = connection.execute(select(programs.c.currency).where(programs.c.program_id == program_id)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no program {program_id!r}; create it first")
    return str(found)


def allocate(connection: Connection, program_id: str, allocation_id: str, amount_cents: int, now: datetime) -> bool:
    """Add budget (True); the same allocation again is a replay (False); the same id with another
    amount is refused (the duplicate rule)."""
    currency_of(connection, program_id)
    if not PROGRAM_PATTERN.match(allocation_id or ""):
        raise InvalidInput("an allocation id is 1 to 64 letters, digits or . _ -")
    digest = content_hash(program_id, amount_cents)
    found = connection.execute(select(allocations.c.request_hash).where(
        allocations.c.program_id == program_id, allocations.c.allocation_id == allocation_id)).scalar_one_or_none()
    if found is not None:
        if found != digest:
            raise DuplicateConflict(f"allocation {allocation_id} of {program_id} was made with another amount")
        return False
    connection.execute(allocations.insert().values(program_id=program_id, allocation_id=allocation_id, request_hash=digest,
                                                   amount_cents=amount_cents, allocated_at=now))
    ledger.post(connection, "alloc", [(f"alloc:{program_id}:{allocation_id}", ledger.account("fund", program_id),
                                       ledger.account("appropriation", program_id), amount_cents)], now)
    return True


def describe(connection: Connection, program_id: str) -> Program:
    row = connection.execute(select(programs).where(programs.c.program_id == program_id)).mappings().first()
    if row is None:
        raise NotFound(f"no program {program_id!r}")
    balances = dict(connection.execute(select(ledger_accounts.c.kind, ledger_accounts.c.balance_cents)
                                       .where(ledger_accounts.c.program_id == program_id)).all())
    budget = connection.execute(select(func.coalesce(func.sum(allocations.c.amount_cents), 0))
                                .where(allocations.c.program_id == program_id)).scalar_one()
    return Program(program_id, row["name"], row["currency"], int(budget), int(balances.get("fund", 0)), int(balances.get("reserved", 0)))


def all_ids(connection: Connection) -> list[str]:
    return list(connection.execute(select(programs.c.program_id).order_by(programs.c.program_id)).scalars())
