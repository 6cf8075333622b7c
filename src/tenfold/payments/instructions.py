"""Accepting a disbursement batch: the duplicate rule, the account mapping and the funds check,
in one transaction (all of it, or none of it).

Mojaloop's duplicate rule applies at two levels. A batch's correlation id with the same content
replays the stored receipt; with other content it is refused. An instruction's request id that
was used before with the same content is not paid again (the receipt lists it with its stored
state); used with other content, the whole batch is refused and nothing is written.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from datetime import datetime
from typing import Sequence

from sqlalchemy import Connection, select

from tenfold.payments import ledger, mapper, programs
from tenfold.payments.errors import DuplicateConflict, InsufficientFunds, InvalidInput
from tenfold.payments.models import (
    ACCEPTED, NO_FINANCIAL_ADDRESS, REJECTED, BatchReceipt, BatchRequest, InstructionRequest, Refused, Replayed, end_to_end_id,
    reason_text,
)
from tenfold.payments.money import format_cents
from tenfold.payments.tables import disbursement_batches, payment_instructions
from tenfold.storage import bulk

CHUNK = 500
_COLUMNS = ("batch_id", "seq", "institution", "request_id", "request_hash", "program_id", "payee_identity", "beneficiary_id",
            "amount_cents", "currency", "payment_mode", "narration", "iban", "bic", "bank", "state", "reason_code", "reason",
            "retry_of", "created_at", "updated_at")


def new_batch_id() -> str:
    """12 characters (GovStack's id length): ``B`` and 55 random bits in base32."""
    return "B" + b32encode(secrets.token_bytes(7)).decode()[:11]


def stored_receipt(connection: Connection, batch: dict) -> BatchReceipt:  # type: ignore[type-arg]
    t = payment_instructions
    refused = [Refused(r, c or "", reason_text(c) or "") for r, c in connection.execute(
        select(t.c.request_id, t.c.reason_code).where(t.c.batch_id == batch["batch_id"], t.c.state == REJECTED,
                                                      t.c.paid_at.is_(None)).order_by(t.c.seq))]
    return BatchReceipt(batch["batch_id"], batch["state"], batch["accepted_count"], batch["accepted_sum_cents"], True, refused)


def _previous(connection: Connection, institution: str, request_ids: Sequence[str]) -> dict[str, tuple[str, str, int, str]]:
    sql = ("SELECT request_id, request_hash, batch_id, seq, state FROM payment_instructions "
           "WHERE institution = ? AND request_id IN")
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in bulk.select_in(connection, sql, request_ids, (institution,))}


def _split(connection: Connection, request: BatchRequest, hashes: list[str]) -> tuple[list[tuple[InstructionRequest, str]], list[Replayed]]:
    """New instructions (with their hashes) and replays; a reused id with other content: 409."""
    ids = [i.request_id for i in request.instructions]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise InvalidInput(f"request ids appear twice in the batch: {', '.join(twice)}")
    previous = _previous(connection, request.institution, ids)
    fresh, replayed, conflicts = [], [], []
    for instruction, digest in zip(request.instructions, hashes):
        known = previous.get(instruction.request_id)
        if known is None:
            fresh.append((instruction, digest))
        elif known[0] == digest:
            replayed.append(Replayed(instruction.request_id, known[1], end_to_end_id(known[1], known[2]), known[3]))
        else:
            conflicts.append(instruction.request_id)
    if conflicts:
        shown = ", ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        raise DuplicateConflict(f"request ids already used with different content (Mojaloop duplicate rule): {shown}")
    return fresh, replayed


def submit(connection: Connection, request: BatchRequest, now: datetime, *, retry_of: dict[str, str] | None = None) -> BatchReceipt:
    """Accept a batch: store it, map every payee, reserve the funds; or refuse it whole."""
    # Serialise every batch of the program from here on: the duplicate checks and the funds
    # check below then see what the batch before this one committed.
    ledger.hold(connection, ledger.account("fund", request.program_id), now)
    hashes = request.instruction_hashes()
    digest = request.request_hash(hashes)
    batches = disbursement_batches
    found = connection.execute(select(batches).where(batches.c.institution == request.institution,
                                                     batches.c.correlation_id == request.correlation_id)).mappings().first()
    if found is not None:
        if found["request_hash"] != digest:
            raise DuplicateConflict(f"correlation id {request.correlation_id} was used for a batch with different content")
        return stored_receipt(connection, dict(found))
    currency = programs.currency_of(connection, request.program_id)
    wrong = [i.request_id for i in request.instructions if i.currency != currency]
    if wrong:
        raise InvalidInput(f"program {request.program_id} pays in {currency}; these instructions are in another currency: {', '.join(wrong[:5])}")
    fresh, replayed = _split(connection, request, hashes)
    addresses = mapper.routes(connection, request.institution, [i.payee_identity for i, _d in fresh])
    accepted_cents = sum(i.amount_cents for i, _d in fresh if i.payee_identity in addresses)
    new_id = new_batch_id()
    _reserve(connection, request.program_id, accepted_cents, new_id, now)
    rows, refused = _rows(new_id, request, fresh, addresses, now, retry_of or {})
    accepted = len(rows) - len(refused)
    state = ACCEPTED if accepted else "completed"
    connection.execute(batches.insert().values(
        batch_id=new_id, institution=request.institution, correlation_id=request.correlation_id, request_hash=digest,
        program_id=request.program_id, currency=currency, callback_url=request.callback_url, tenant=request.tenant, state=state,
        control_count=len(request.instructions), control_sum_cents=sum(i.amount_cents for i in request.instructions),
        accepted_count=accepted, accepted_sum_cents=accepted_cents, callbacks=0, created_at=now,
        completed_at=None if accepted else now))
    bulk.insert_rows(connection, payment_instructions, _COLUMNS, rows)
    return BatchReceipt(new_id, state, accepted, accepted_cents, False, refused, replayed)


def _reserve(connection: Connection, program_id: str, cents: int, batch_id: str, now: datetime) -> None:
    if cents <= 0:
        return
    fund = ledger.account("fund", program_id)
    available = ledger.balance(connection, fund, lock=True)
    if available < cents:
        raise InsufficientFunds(f"program {program_id} has {format_cents(available)} available; the batch needs "
                                f"{format_cents(cents)} (AM04)")
    ledger.post(connection, "reserve", [(f"reserve:{batch_id}", ledger.account("reserved", program_id), fund, cents)], now)


def _rows(batch_id: str, request: BatchRequest, fresh: list[tuple[InstructionRequest, str]],
          addresses: dict[str, tuple[int, str, str, str]], now: datetime, retry_of: dict[str, str]) -> tuple[list[tuple], list[Refused]]:  # type: ignore[type-arg]
    rows, refused = [], []
    reason = reason_text(NO_FINANCIAL_ADDRESS)
    for seq, (i, digest) in enumerate(fresh, start=1):
        address = addresses.get(i.payee_identity)
        if address is None:
            refused.append(Refused(i.request_id, NO_FINANCIAL_ADDRESS, reason or ""))
            mapped: tuple = (None, None, None, None, REJECTED, NO_FINANCIAL_ADDRESS, reason)  # type: ignore[type-arg]
        else:
            mapped = (*address, ACCEPTED, None, None)
        rows.append((batch_id, seq, request.institution, i.request_id, digest, request.program_id, i.payee_identity, mapped[0],
                     i.amount_cents, i.currency, i.payment_mode, i.narration, *mapped[1:], retry_of.get(i.request_id), now, now))
    return rows, refused
