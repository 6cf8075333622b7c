"""The treasury's use cases, one transaction each (the API, the CLI and the emergency run call these)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Sequence, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from tenfold.payments import books, callbacks, instructions, mapper, programs
from tenfold.payments.config import BankDirectory, PaymentsSettings
from tenfold.payments.errors import NotFound, NotRetryable
from tenfold.payments.models import (
    BANK_ACCEPTED, OPEN, REJECTED, RETURNED, SENT, BatchReceipt, BatchRequest, InstructionRequest, end_to_end_id,
)
from tenfold.payments.money import format_cents
from tenfold.payments.tables import (
    bank_files, bank_messages, disbursement_batches, financial_addresses, payment_instructions, reconciliation_exceptions,
)

T = TypeVar("T")


def _once_more_on_a_race(use_case: Callable[..., T]) -> Callable[..., T]:
    """Run a use case again when a concurrent one committed the same key first: the second run
    sees that row and answers by the duplicate rule (replay or conflict) instead of failing."""
    @functools.wraps(use_case)
    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return use_case(*args, **kwargs)
        except IntegrityError:
            return use_case(*args, **kwargs)

    return run


class PaymentsService:
    def __init__(self, engine: Engine, directory: BankDirectory, settings: PaymentsSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.directory, self.settings, self.clock = engine, directory, settings, clock
        self.router = mapper.Router(directory)

    # ---------------------------------------------------------------- programs and budgets
    @_once_more_on_a_race
    def create_program(self, program_id: str, name: str, currency: str) -> bool:
        with self.engine.begin() as connection:
            return programs.create(connection, program_id, name, currency, self.clock())

    @_once_more_on_a_race
    def allocate(self, program_id: str, allocation_id: str, amount_cents: int) -> bool:
        with self.engine.begin() as connection:
            return programs.allocate(connection, program_id, allocation_id, amount_cents, self.clock())

    def program(self, program_id: str) -> programs.Program:
        with self.engine.connect() as connection:
            return programs.describe(connection, program_id)

    # ---------------------------------------------------------------- the account mapper
    @_once_more_on_a_race
    def register(self, institution: str, beneficiaries: Sequence[mapper.Beneficiary], callback_url: str | None = None,
                 request_id: str | None = None) -> mapper.Registration:
        with self.engine.begin() as connection:
            result = mapper.register(connection, self.router, institution, beneficiaries, self.clock())
            self._registration_callback(connection, callback_url, request_id, result)
            return result

    @_once_more_on_a_race
    def update(self, institution: str, beneficiaries: Sequence[mapper.Beneficiary], *, changed_by: str | None, channel: str,
               reason: str | None, callback_url: str | None = None, request_id: str | None = None) -> mapper.Registration:
        with self.engine.begin() as connection:
            result = mapper.update(connection, self.router, institution, beneficiaries, self.clock(), changed_by=changed_by,
                                   channel=channel, reason=reason)
            self._registration_callback(connection, callback_url, request_id, result)
            return result

    def _registration_callback(self, connection: Any, url: str | None, request_id: str | None, result: mapper.Registration) -> None:
        if url:
            callbacks.enqueue_payload(connection, url, request_id or "registration", registration_body(request_id, result))

    def lookup(self, institution: str, payees: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as connection:
            return mapper.existing(connection, institution, list(payees))

    def beneficiary(self, institution: str, payee: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self.engine.connect() as connection:
            found = mapper.existing(connection, institution, [payee]).get(payee)
            if found is None:
                raise NotFound(f"no beneficiary {payee!r} registered by {institution}")
            return found, mapper.changes(connection, found["id"])

    # ---------------------------------------------------------------- batches and instructions
    @_once_more_on_a_race
    def submit(self, request: BatchRequest, retry_of: dict[str, str] | None = None) -> BatchReceipt:
        with self.engine.begin() as connection:
            receipt = instructions.submit(connection, request, self.clock(), retry_of=retry_of)
            if receipt.state == "completed" and not receipt.replay:
                callbacks.enqueue(connection, receipt.batch_id, self.clock())
            return receipt

    def batch(self, batch_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            if connection.execute(select(disbursement_batches.c.batch_id).where(disbursement_batches.c.batch_id == batch_id)).first() is None:
                raise NotFound(f"no batch {batch_id!r}")
            return callbacks.batch_status(connection, batch_id, self.clock())

    def instructions_of(self, batch_id: str, state: str | None, offset: int, limit: int) -> list[dict[str, Any]]:
        t = payment_instructions
        query = select(t).where(t.c.batch_id == batch_id).order_by(t.c.seq).offset(offset).limit(limit)
        if state:
            query = query.where(t.c.state == state)
        with self.engine.connect() as connection:
            return [instruction_view(dict(row)) for row in connection.execute(query).mappings()]

    def instruction(self, institution: str, request_id: str) -> dict[str, Any]:
        t = payment_instructions
        with self.engine.connect() as connection:
            row = connection.execute(select(t).where(t.c.institution == institution, t.c.request_id == request_id)).mappings().first()
        if row is None:
            raise NotFound(f"no instruction {request_id!r} from {institution}")
        return instruction_view(dict(row))

    def retry(self, institution: str, request_id: str) -> BatchReceipt:
        """Pay a rejected or returned instruction again, to the payee's current account (after the
        citizen corrected it); asking twice gives the same retry while it has not failed."""
        original = self.instruction(institution, request_id)
        if original["state"] not in (REJECTED, RETURNED):
            raise NotRetryable(f"instruction {request_id} is {original['state']}; only rejected or returned ones are retried")
        attempt = 1
        while True:
            previous = self._find(institution, f"{request_id}~{attempt}")
            if previous is None:
                break
            if previous["state"] not in (REJECTED, RETURNED):
                return BatchReceipt(previous["batchId"], previous["state"], 1, previous["amountCents"], replay=True)
            attempt += 1
        batch = self.batch(original["batchId"])
        with self.engine.connect() as connection:
            callback = connection.execute(select(disbursement_batches.c.callback_url)
                                          .where(disbursement_batches.c.batch_id == original["batchId"])).scalar_one()
        new_id = f"{request_id}~{attempt}"
        request = BatchRequest(institution, f"retry:{new_id}", batch["programId"], [InstructionRequest(
            new_id, original["payeeIdentity"], original["amountCents"], original["currency"], original["paymentMode"],
            original["narration"])], callback)
        return self.submit(request, retry_of={new_id: original["endToEndId"]})

    def _find(self, institution: str, request_id: str) -> dict[str, Any] | None:
        try:
            return self.instruction(institution, request_id)
        except NotFound:
            return None

    # ---------------------------------------------------------------- the books and the operator's view
    def check_ledger(self) -> books.LedgerCheck:
        with self.engine.connect() as connection:
            return books.check(connection)

    def functional_id_secret(self) -> bytes:
        """The treasury's key for pseudonymous functional ids (made once, kept in its database)."""
        import secrets

        from tenfold.payments.tables import signing_keys

        with self.engine.begin() as connection:
            found = connection.execute(select(signing_keys.c.secret).where(signing_keys.c.purpose == "functional-id")).scalar_one_or_none()
            if found is None:
                found = secrets.token_hex(32)
                connection.execute(signing_keys.insert().values(key_id="functional-id", purpose="functional-id", secret=found,
                                                                public=None, created_at=self.clock()))
            return bytes.fromhex(found)

    def open_count(self, program_id: str | None = None) -> int:
        """How many instructions still wait for a bank's final answer."""
        t = payment_instructions
        query = select(func.count()).select_from(t).where(t.c.state.in_(OPEN))
        if program_id:
            query = query.where(t.c.program_id == program_id)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def bank_files_of(self, batch_id: str) -> list[dict[str, Any]]:
        f = bank_files
        columns = (f.c.file_id, f.c.bank, f.c.channel, f.c.state, f.c.tx_count, f.c.ctrl_sum_cents, f.c.sha256, f.c.reason_code)
        with self.engine.connect() as connection:
            rows = connection.execute(select(*columns).where(f.c.batch_id == batch_id).order_by(f.c.file_id)).mappings().all()
        return [{"fileId": r["file_id"], "bank": r["bank"], "channel": r["channel"], "state": r["state"], "transactions": r["tx_count"],
                 "controlSum": format_cents(r["ctrl_sum_cents"]), "sha256": r["sha256"], "reasonCode": r["reason_code"]} for r in rows]

    def bank_file(self, file_id: str) -> bytes:
        from tenfold.payments import release

        with self.engine.connect() as connection:
            if connection.execute(select(bank_files.c.file_id).where(bank_files.c.file_id == file_id)).first() is None:
                raise NotFound(f"no bank file {file_id!r}")
            return release.content(connection, file_id)

    def bank_messages(self, limit: int = 100) -> list[dict[str, Any]]:
        m = bank_messages
        with self.engine.connect() as connection:
            rows = connection.execute(select(m).order_by(m.c.id.desc()).limit(limit)).mappings().all()
        return [{"bank": r["bank"], "kind": r["kind"], "messageId": r["message_id"], "source": r["source"], "entries": r["entries"],
                 "matched": r["matched"], "unmatched": r["unmatched"], "receivedAt": r["received_at"].isoformat()} for r in rows]

    def batches_left(self, program_id: str) -> tuple[int, int]:
        """(batches not yet complete, instructions in complete batches) of a program: a cheap way
        to watch a large run (the batches table is small; the instructions table is not)."""
        b = disbursement_batches
        with self.engine.connect() as connection:
            rows = connection.execute(select(b.c.state, func.count(), func.sum(b.c.accepted_count))
                                      .where(b.c.program_id == program_id).group_by(b.c.state)).all()
        left = sum(int(n) for state, n, _c in rows if state != "completed")
        done = sum(int(c or 0) for state, _n, c in rows if state == "completed")
        return left, done

    def callback_keys(self) -> dict[str, Any]:
        with self.engine.begin() as connection:
            callbacks.signing_key(connection, self.clock())
            return callbacks.public_keys(connection)

    def exceptions(self, limit: int = 100) -> list[dict[str, Any]]:
        e = reconciliation_exceptions
        with self.engine.connect() as connection:
            return [dict(r) for r in connection.execute(select(e).order_by(e.c.id.desc()).limit(limit)).mappings()]

    def status(self) -> dict[str, Any]:
        t, b, f, e = payment_instructions, disbursement_batches, bank_files, reconciliation_exceptions
        overdue_before = self.clock() - timedelta(seconds=self.settings.answer_deadline_seconds)
        with self.engine.connect() as connection:
            states = {s: {"count": int(n), "cents": int(c or 0)} for s, n, c in connection.execute(
                select(t.c.state, func.count(), func.sum(t.c.amount_cents)).group_by(t.c.state))}
            overdue = connection.execute(select(func.count()).select_from(t).where(
                t.c.state.in_((SENT, BANK_ACCEPTED)), t.c.updated_at < overdue_before)).scalar_one()
            in_statement = connection.execute(select(func.count()).select_from(t).where(t.c.statement_id.is_not(None))).scalar_one()
            return {
                "instructions": states,
                "overdue": int(overdue),
                "in_statements": int(in_statement),
                "batches": dict(connection.execute(select(b.c.state, func.count()).group_by(b.c.state)).all()),
                "bank_files": {f"{bank}:{state}": int(n) for bank, state, n in connection.execute(
                    select(f.c.bank, f.c.state, func.count()).group_by(f.c.bank, f.c.state))},
                "exceptions": dict(connection.execute(select(e.c.kind, func.count()).group_by(e.c.kind)).all()),
                "programs": [programs.describe(connection, p).__dict__ for p in programs.all_ids(connection)],
                "beneficiaries": int(connection.execute(select(func.count()).select_from(financial_addresses)).scalar_one()),
            }


def instruction_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestId": row["request_id"], "batchId": row["batch_id"], "endToEndId": end_to_end_id(row["batch_id"], row["seq"]),
        "programId": row["program_id"], "payeeIdentity": row["payee_identity"], "amountCents": row["amount_cents"],
        "currency": row["currency"], "paymentMode": row["payment_mode"], "narration": row["narration"], "state": row["state"],
        "reasonCode": row["reason_code"], "reason": row["reason"], "bank": row["bank"], "retryOf": row["retry_of"],
        "inStatement": row["statement_id"], "updatedAt": row["updated_at"].isoformat().replace("+00:00", "Z"),
    }


def registration_body(request_id: str | None, result: mapper.Registration) -> dict[str, Any]:
    failed = [{"payeeIdentity": f.payee_identity, "paymentModality": f.payment_modality, "failureCode": f.code,
               "failureReason": f.reason} for f in result.failures]
    return {
        "requestID": request_id, "responseCode": "00" if not failed else "01",
        "responseDescription": "all beneficiaries accepted" if not failed else f"{len(failed)} beneficiaries failed",
        "registered": result.registered, "updated": result.updated, "unchanged": result.unchanged,
        "numberFailedCases": len(failed), "failedCases": failed,
    }
