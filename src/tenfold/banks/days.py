"""The bank's calendar: returns that fall due (pacs.004 and the credit back on the treasury's
account) and the end of each business day (a camt.053 statement of the day's entries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from tenfold.banks import messages
from tenfold.banks.config import Faults
from tenfold.banks.simulator import BOOKING_COLUMNS, BankSimulator, _booking
from tenfold.banks.tables import arrivals, entries, returns

STATEMENT_PAGE = 10_000
RETURNS_PER_MESSAGE = 5_000


def run_returns(bank: BankSimulator, now: datetime) -> int:
    """Send the returns that are due; returns how many."""
    with bank.engine.begin() as connection:
        faults = Faults.from_dict(bank._get(connection, "faults", {}))
        if faults.silent:
            return 0
        due = connection.execute(select(returns, arrivals.c.sender, arrivals.c.channel)
                                 .join(arrivals, arrivals.c.id == returns.c.arrival_id)
                                 .where(returns.c.done.is_(False), returns.c.due_at <= now)
                                 .order_by(returns.c.due_at, returns.c.end_to_end_id).limit(RETURNS_PER_MESSAGE)).mappings().all()
        if not due:
            return 0
        code = bank.identity.code
        connection.execute(entries.insert(), [
            {"reference": f"{code}R{r['arrival_id']:08d}{n:05d}"[:35], "kind": "return", "credit": True, "amount_cents": r["amount_cents"],
             "end_to_end_id": r["end_to_end_id"], "arrival_id": r["arrival_id"], "return_reason": r["reason_code"], "booked_at": now}
            for n, r in enumerate(due)])
        connection.execute(update(returns).where(returns.c.end_to_end_id.in_([r["end_to_end_id"] for r in due])).values(done=True))
        by_recipient: dict[tuple[str, str], list[messages.Returned]] = {}
        for r in due:
            returned = messages.Returned(f"{code}RT{r['arrival_id']:08d}", r["end_to_end_id"], r["original_message_id"],
                                         r["amount_cents"], r["reason_code"])
            by_recipient.setdefault((r["sender"], r["channel"]), []).append(returned)
        for (recipient, channel), group in by_recipient.items():
            document = messages.payment_return(bank._id(connection, "R"), now, "EUR", group)
            bank._send(connection, recipient, channel, "pacs.004", document, now, faults)
        return len(due)


def close_day(bank: BankSimulator, now: datetime, *, force: bool = False) -> int:
    """At the end of a business day, send the statement of every entry not yet on one."""
    with bank.engine.begin() as connection:
        faults = Faults.from_dict(bank._get(connection, "faults", {}))
        last = bank._get(connection, "last_statement_at", None)
        if faults.silent or (not force and last is not None and (now - datetime.fromisoformat(last)).total_seconds()
                             < bank.settings.statement_interval_seconds):
            return 0
        if last is None and not force:
            bank._set(connection, "last_statement_at", now.isoformat())
            return 0
        if faults.statement_fee and _has_unstated(connection):
            connection.execute(entries.insert().values(reference=bank._id(connection, "F"), kind="fee", credit=False, amount_cents=250,
                                                       end_to_end_id=None, arrival_id=None, booked_at=now))
        sent = 0
        while True:
            page = connection.execute(select(*BOOKING_COLUMNS).where(entries.c.statement_seq.is_(None)).order_by(entries.c.id)
                                      .limit(STATEMENT_PAGE)).mappings().all()
            if not page:
                break
            sequence = bank._next(connection, "statement")
            opening = int(bank._get(connection, "balance", bank.settings.opening_balance_cents))
            bookings = [_booking(row) for row in page]
            document = messages.statement(bank._id(connection, "S"), now, bank._account(connection), opening, bookings, sequence)
            closing = opening + sum(b.amount_cents if b.credit else -b.amount_cents for b in bookings)
            connection.execute(update(entries).where(entries.c.id.in_([row["id"] for row in page])).values(statement_seq=sequence))
            bank._set(connection, "balance", closing)
            recipient = bank.settings.treasury_client
            bank._send(connection, recipient, bank._get(connection, "channel", "exchange"), "camt.053", document, now, faults)
            sent += 1
        bank._set(connection, "last_statement_at", now.isoformat())
        return sent


def _has_unstated(connection: object) -> bool:
    return connection.execute(select(entries.c.id).where(entries.c.statement_seq.is_(None)).limit(1)).first() is not None  # type: ignore[attr-defined]
