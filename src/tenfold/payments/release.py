"""Releasing an accepted batch to its banks: one pain.001 per bank, the payment postings, and the
instructions marked released, in one transaction. A released file is then delivered exactly once
by the dispatcher (see channels.py); its content is kept, compressed, with its SHA-256."""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tenfold.payments import ledger
from tenfold.payments.config import BankDirectory
from tenfold.payments.iso20022 import pain001
from tenfold.payments.models import ACCEPTED, RELEASED, end_to_end_id
from tenfold.payments.tables import bank_files, disbursement_batches, payment_instructions

PREPARED = "prepared"


def file_id(batch_id: str, bank: str) -> str:
    """The pain.001 MsgId (and file name) of one batch at one bank."""
    return f"{batch_id}-{bank}"


def batches_to_release(connection: Connection, limit: int = 50) -> list[str]:
    t = disbursement_batches
    query = select(t.c.batch_id).where(t.c.state == ACCEPTED).order_by(t.c.created_at, t.c.batch_id).limit(limit)
    return list(connection.execute(query).scalars())


def _lock_batch(connection: Connection, batch_id: str) -> dict[str, Any] | None:
    query = select(disbursement_batches).where(disbursement_batches.c.batch_id == batch_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).mappings().first()
    return dict(row) if row is not None and row["state"] == ACCEPTED else None


def release(connection: Connection, directory: BankDirectory, batch_id: str, now: datetime) -> list[str]:
    """Release one accepted batch (a no-op if it was released already); returns its file ids."""
    batch = _lock_batch(connection, batch_id)
    if batch is None:
        return []
    t = payment_instructions
    rows = connection.execute(
        select(t.c.seq, t.c.amount_cents, t.c.iban, t.c.bic, t.c.bank, t.c.beneficiary_id, t.c.narration)
        .where(t.c.batch_id == batch_id, t.c.state == ACCEPTED).order_by(t.c.seq)).all()
    by_bank: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_bank[row.bank].append(row)
    reserved = ledger.account("reserved", batch["program_id"])
    journals, files = [], []
    for bank_code, bank_rows in sorted(by_bank.items()):
        files.append(_prepare_file(connection, directory, batch, bank_code, bank_rows, now))
        journals += [(f"pay:{end_to_end_id(batch_id, r.seq)}", ledger.beneficiary_account(r.beneficiary_id), reserved, r.amount_cents)
                     for r in bank_rows]
    ledger.post(connection, "pay", journals, now)
    connection.execute(update(t).where(t.c.batch_id == batch_id, t.c.state == ACCEPTED)
                       .values(state=RELEASED, paid_at=now, updated_at=now))
    connection.execute(update(disbursement_batches).where(disbursement_batches.c.batch_id == batch_id)
                       .values(state=RELEASED, released_at=now))
    return files


def _prepare_file(connection: Connection, directory: BankDirectory, batch: dict[str, Any], bank_code: str, rows: list[Any],
                  now: datetime) -> str:
    bank = directory.by_code(bank_code)
    message_id = file_id(batch["batch_id"], bank_code)
    transfers = [pain001.CreditTransfer(end_to_end_id(batch["batch_id"], r.seq), r.amount_cents, r.iban, r.bic, r.narration)
                 for r in rows]
    debtor = pain001.Debtor(bank.debtor_name, bank.debtor_iban, bank.bic)
    document = pain001.write(message_id, now, now.date(), debtor, batch["currency"], transfers)
    pain001.validate(document)
    connection.execute(bank_files.insert().values(
        file_id=message_id, batch_id=batch["batch_id"], bank=bank_code, channel=bank.channel, state=PREPARED,
        tx_count=len(transfers), ctrl_sum_cents=sum(t.amount_cents for t in transfers),
        sha256=hashlib.sha256(document).hexdigest(), content=zlib.compress(document, 1), created_at=now))
    return message_id


def content(connection: Connection, message_id: str) -> bytes:
    packed = connection.execute(select(bank_files.c.content).where(bank_files.c.file_id == message_id)).scalar_one()
    return zlib.decompress(packed)
