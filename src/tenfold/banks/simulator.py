"""A simulated bank: a faithful stand-in for a real bank's corporate payment channel speaking
ISO 20022, so that the treasury is built and tested against what banks actually do.

On each pain.001 it does what a bank does: validates it against the official XSD (FF01 if not),
refuses a message id it has seen (DU01), checks the control totals (AM18, AM10), the debtor's
account and agent (AC02, RC01) and the cover (AM04), then checks every creditor account against
its own customer accounts (AC01 unknown, AC04 closed, AM03 wrong currency), books the credits,
and answers with a pain.002 and a camt.054. At the end of each simulated business day it sends a
camt.053 statement, and days later a share of credits comes back as pacs.004 returns. Faults
(see config.Faults) make it misbehave the ways real banks do.
"""

from __future__ import annotations

import hashlib
import zlib

import orjson
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from sqlalchemy import Connection, Engine, func, select, update

from tenfold.banks import accounts, messages
from tenfold.banks.config import BankSettings, Faults, bank_settings, identity
from tenfold.banks.pain001 import PaymentFile, Unreadable, read
from tenfold.banks.tables import arrivals, entries, outgoing, returns, state, transactions
from tenfold.storage import bulk

RETURN_REASONS = ("AC04", "MD07", "AC04", "CUST")


@dataclass(frozen=True)
class Arrival:
    arrival_id: int
    message_id: str
    outcome: str
    reason_code: str | None
    credited: int
    rejected: int
    repeated: bool = False


def share_of(key: str, share: float) -> bool:
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


class BankSimulator:
    def __init__(self, engine: Engine, code: str, settings: BankSettings | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.identity, self.settings, self.clock = engine, identity(code), settings or bank_settings(), clock

    # ---------------------------------------------------------------- state and faults
    def _get(self, connection: Connection, key: str, default: Any) -> Any:
        found = connection.execute(select(state.c.value).where(state.c.key == key)).scalar_one_or_none()
        return default if found is None else orjson.loads(found)

    def _set(self, connection: Connection, key: str, value: Any) -> None:
        value = orjson.dumps(value).decode()
        if connection.execute(update(state).where(state.c.key == key).values(value=value)).rowcount == 0:
            connection.execute(state.insert().values(key=key, value=value))

    def _next(self, connection: Connection, name: str) -> int:
        value = int(self._get(connection, f"counter:{name}", 0)) + 1
        self._set(connection, f"counter:{name}", value)
        return value

    def faults(self) -> Faults:
        with self.engine.connect() as connection:
            return Faults.from_dict(self._get(connection, "faults", {}))

    def set_faults(self, faults: Faults) -> None:
        with self.engine.begin() as connection:
            self._set(connection, "faults", faults.as_dict())

    # ---------------------------------------------------------------- receiving a file
    def receive(self, content: bytes, source: str, channel: str, sender: str) -> Arrival:
        """Take one pain.001 (from the exchange or the inbound folder) and answer it."""
        now, digest = self.clock(), hashlib.sha256(content).hexdigest()
        with self.engine.begin() as connection:
            if channel == "folder":
                found = connection.execute(select(arrivals).where(arrivals.c.source == source, arrivals.c.sha256 == digest)).mappings().first()
                if found is not None:  # read again after a crash, before the file was moved aside
                    return Arrival(found["id"], found["message_id"], found["outcome"], found["reason_code"], 0, 0, True)
            faults = Faults.from_dict(self._get(connection, "faults", {}))
            self._set(connection, "channel", channel)
            try:
                parsed = read(content)
            except Unreadable as error:
                return self._unreadable(connection, error, digest, source, channel, sender, now, faults)
            return self._accept(connection, parsed, digest, source, channel, sender, now, faults)

    def _unreadable(self, connection: Connection, error: Unreadable, digest: str, source: str, channel: str, sender: str,
                    now: datetime, faults: Faults) -> Arrival:
        message_id = (error.message_id or source)[:35]
        arrival_id = self._arrival(connection, message_id, None, digest, source, channel, sender, "invalid", "FF01", 0, 0, now)
        if not faults.silent:
            report = messages.status_report(self._id(connection, "P"), now, message_id, None, 0, 0, "RJCT", "FF01", [])
            self._send(connection, sender, channel, "pain.002", report, now, faults)
        return Arrival(arrival_id, message_id, "invalid", "FF01", 0, 0)

    def _file_problem(self, connection: Connection, parsed: PaymentFile, faults: Faults) -> str | None:
        earlier = connection.execute(select(func.count()).select_from(arrivals).where(
            arrivals.c.message_id == parsed.message_id, arrivals.c.outcome != "invalid")).scalar_one()
        if earlier:
            return "DU01"
        if parsed.declared_count != len(parsed.transfers):
            return "AM18"
        if parsed.declared_cents != sum(t.amount_cents for t in parsed.transfers):
            return "AM10"
        if parsed.debtor_bic[:8] != self.identity.bic[:8]:
            return "RC01"
        if parsed.debtor_iban[4:4 + len(self.identity.national_code)] != self.identity.national_code:
            return "AC02"
        if faults.insufficient_cover:
            return "AM04"
        return None

    def _accept(self, connection: Connection, parsed: PaymentFile, digest: str, source: str, channel: str, sender: str,
                now: datetime, faults: Faults) -> Arrival:
        problem = self._file_problem(connection, parsed, faults)
        verdicts = self._verdicts(connection, parsed, problem)
        credited = [t for t, (status, _r) in zip(parsed.transfers, verdicts) if status == "credited"]
        rejected = [messages.Rejection(t.end_to_end_id, reason or "MS03")
                    for t, (status, reason) in zip(parsed.transfers, verdicts) if status == "rejected"]
        if problem is not None:
            outcome, group, listed = ("duplicate" if problem == "DU01" else "rejected"), "RJCT", []
        else:
            outcome, group = ("accepted", "ACCP") if not rejected else ("partial", "PART") if credited else ("rejected", "RJCT")
            listed = rejected
        total = sum(t.amount_cents for t in parsed.transfers)
        arrival_id = self._arrival(connection, parsed.message_id, parsed.payment_info_id, digest, source, channel, sender, outcome,
                                   problem, len(parsed.transfers), total, now)
        bulk.insert_rows(connection, transactions, ("arrival_id", "end_to_end_id", "amount_cents", "creditor_iban", "status", "reason_code"),
                         [(arrival_id, t.end_to_end_id, t.amount_cents, t.creditor_iban, status, reason)
                          for t, (status, reason) in zip(parsed.transfers, verdicts)])
        if problem is None:
            self._set(connection, "treasury_iban", parsed.debtor_iban)
            self._book(connection, arrival_id, parsed.message_id, credited, now, faults)
        if not faults.silent:
            self._answer(connection, arrival_id, parsed, group, problem, listed, credited, sender, channel, now, faults)
        return Arrival(arrival_id, parsed.message_id, outcome, problem, len(credited), len(parsed.transfers) - len(credited))

    def _verdicts(self, connection: Connection, parsed: PaymentFile, problem: str | None) -> list[tuple[str, str | None]]:
        if problem is not None:
            status = "duplicate" if problem == "DU01" else "rejected"
            return [(status, problem)] * len(parsed.transfers)
        known = accounts.statuses(connection, [t.creditor_iban for t in parsed.transfers])
        verdicts: list[tuple[str, str | None]] = []
        for transfer in parsed.transfers:
            account = known.get(transfer.creditor_iban)
            if transfer.currency != "EUR":
                verdicts.append(("rejected", "AM03"))
            elif account is None:
                verdicts.append(("rejected", "AC01"))
            elif account != "open":
                verdicts.append(("rejected", "AC04"))
            else:
                verdicts.append(("credited", None))
        return verdicts

    def _arrival(self, connection: Connection, message_id: str, payment_info_id: str | None, digest: str, source: str, channel: str,
                 sender: str, outcome: str, reason: str | None, count: int, cents: int, now: datetime) -> int:
        result = connection.execute(arrivals.insert().values(
            message_id=message_id[:35], payment_info_id=payment_info_id, sha256=digest, source=source[:255], channel=channel,
            sender=sender[:255], outcome=outcome, reason_code=reason, tx_count=count, ctrl_sum_cents=cents, received_at=now))
        return int(result.inserted_primary_key[0])

    def _book(self, connection: Connection, arrival_id: int, message_id: str, credited: list[Any], now: datetime,
              faults: Faults) -> None:
        if not credited:
            return
        bulk.insert_rows(connection, entries, ("reference", "kind", "credit", "amount_cents", "end_to_end_id", "arrival_id", "booked_at"),
                         [(f"{self.identity.code}{arrival_id:08d}T{n:06d}", "payment", False, t.amount_cents, t.end_to_end_id,
                           arrival_id, now) for n, t in enumerate(credited, start=1)])
        due = now + timedelta(seconds=faults.return_delay_seconds)
        later = [{"end_to_end_id": t.end_to_end_id, "arrival_id": arrival_id, "original_message_id": message_id,
                  "amount_cents": t.amount_cents, "due_at": due, "done": False,
                  "reason_code": RETURN_REASONS[int(hashlib.sha256(t.end_to_end_id.encode()).digest()[0]) % len(RETURN_REASONS)]}
                 for t in credited if faults.return_share and share_of(f"return:{t.end_to_end_id}", faults.return_share)]
        if later:
            connection.execute(returns.insert(), later)

    def _answer(self, connection: Connection, arrival_id: int, parsed: PaymentFile, group: str, reason: str | None,
                rejected: list[messages.Rejection], credited: list[Any], sender: str, channel: str, now: datetime,
                faults: Faults) -> None:
        total = sum(t.amount_cents for t in parsed.transfers)
        report = messages.status_report(self._id(connection, "P"), now, parsed.message_id, parsed.payment_info_id,
                                        len(parsed.transfers), total, group, reason, rejected)
        self._send(connection, sender, channel, "pain.002", report, now, faults)
        if credited:
            booked = connection.execute(select(*BOOKING_COLUMNS).where(entries.c.arrival_id == arrival_id).order_by(entries.c.id)).mappings().all()
            notice = messages.notification(self._id(connection, "N"), now, self._account(connection), [_booking(e) for e in booked])
            self._send(connection, sender, channel, "camt.054", notice, now, faults)
        if faults.unknown_return:
            foreign = messages.Returned(f"{self.identity.code}X{arrival_id:08d}", f"FOREIGN{arrival_id:011d}", None, 1234, "AC04")
            self._send(connection, sender, channel, "pacs.004", messages.payment_return(self._id(connection, "R"), now, "EUR", [foreign]),
                       now, faults)

    def _id(self, connection: Connection, kind: str) -> str:
        return f"{self.identity.code}-{kind}{self._next(connection, 'message'):09d}"

    def _account(self, connection: Connection) -> messages.Account:
        return messages.Account(self._get(connection, "treasury_iban", "UNKNOWN"), "EUR", "State Treasury")

    def _send(self, connection: Connection, recipient: str, channel: str, kind: str, document: bytes, now: datetime,
              faults: Faults) -> None:
        message_id = _message_id(document)
        copies = 2 if faults.duplicate_answers else 1
        for copy in range(copies):
            result = connection.execute(outgoing.insert().values(
                recipient=recipient, channel=channel, kind=kind, message_id=message_id, name="", content=zlib.compress(document, 1),
                created_at=now, written=False))
            seq = int(result.inserted_primary_key[0])
            connection.execute(update(outgoing).where(outgoing.c.seq == seq).values(name=f"{seq:010d}-{kind}-{message_id}.xml"))


    # ---------------------------------------------------------------- what the customer asks
    def has_file(self, message_id: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(select(arrivals.c.id).where(arrivals.c.message_id == message_id, arrivals.c.outcome != "invalid")
                                      .limit(1)).first() is not None

    def messages_after(self, recipient: str, after: int, limit: int, max_bytes: int = 8 * 1024 * 1024) -> list[dict[str, Any]]:
        """The customer's messages on the exchange channel after a cursor, oldest first."""
        o = outgoing
        query = (select(o.c.seq, o.c.kind, o.c.message_id, o.c.name, o.c.content)
                 .where(o.c.channel == "exchange", o.c.recipient == recipient, o.c.seq > after).order_by(o.c.seq).limit(limit))
        listed, size = [], 0
        with self.engine.connect() as connection:
            for seq, kind, message_id, name, content in connection.execute(query):
                document = zlib.decompress(content)
                if listed and size + len(document) > max_bytes:
                    break
                size += len(document)
                listed.append({"seq": seq, "kind": kind, "messageId": message_id, "name": name, "content": document.decode()})
        return listed

    def returns_due(self) -> tuple[int, int]:
        """(returns scheduled, returns sent)."""
        with self.engine.connect() as connection:
            counts = dict(connection.execute(select(returns.c.done, func.count()).group_by(returns.c.done)).all())
        return int(counts.get(False, 0)), int(counts.get(True, 0))

    def summary(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            return {
                "bank": self.identity.code,
                "arrivals": dict(connection.execute(select(arrivals.c.outcome, func.count()).group_by(arrivals.c.outcome)).all()),
                "transactions": dict(connection.execute(select(transactions.c.status, func.count()).group_by(transactions.c.status)).all()),
                "repeated_end_to_end_ids": int(connection.execute(select(func.count()).select_from(
                    select(transactions.c.end_to_end_id).group_by(transactions.c.end_to_end_id)
                    .having(func.count() > 1).subquery())).scalar_one()),
                "returns": {("sent" if done else "scheduled"): int(n) for done, n in
                            connection.execute(select(returns.c.done, func.count()).group_by(returns.c.done))},
                "messages": dict(connection.execute(select(outgoing.c.kind, func.count()).group_by(outgoing.c.kind)).all()),
                "unwritten": int(connection.execute(select(func.count()).select_from(outgoing).where(
                    outgoing.c.channel == "folder", outgoing.c.written.is_(False))).scalar_one()),
                "faults": self._get(connection, "faults", {}),
            }


BOOKING_COLUMNS = (entries.c.id, entries.c.reference, entries.c.kind, entries.c.credit, entries.c.amount_cents, entries.c.end_to_end_id,
                   entries.c.arrival_id, entries.c.return_reason)


def _booking(row: Any) -> messages.Booking:
    group = f"A{row['arrival_id']:010d}" if row["kind"] == "payment" and row["arrival_id"] is not None else None
    return messages.Booking(row["reference"], row["end_to_end_id"], row["amount_cents"], row["credit"], row["kind"], group,
                            row["return_reason"])


def _message_id(document: bytes) -> str:
    start = document.index(b"<MsgId>") + 7
    return document[start:document.index(b"</MsgId>", start)].decode()
