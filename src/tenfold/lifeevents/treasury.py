"""Handing payment instructions to the treasury (TRE) through the exchange, with GovStack's
Payments API: the program and its yearly budget, the account mapper (SIB's pseudonymous payee
id -> the chosen IBAN) and ``POST /batchtransactions``.

A batch's correlation id and every request id are derived from the instructions, so whatever a
crash interrupts is sent again unchanged and answered by the treasury's duplicate rule: replayed,
never paid twice. A request id the treasury knows with other content is refused there (409); SIB
then sends that batch one instruction at a time so that only the conflicting one is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, select, update

from tenfold import programs
from tenfold.lifeevents.config import LifeSettings
from tenfold.lifeevents.payouts import PLANNED, REFUSED, SUBMITTED, due_for_treasury
from tenfold.lifeevents.records import Clock, Keys, now, raise_exception, step
from tenfold.lifeevents.tables import enrolments, offers, payment_instructions
from tenfold.lifeevents.xroad import ExchangeClient, ExchangeUnavailable

TRE = "DEMO/GOV/TRE/payments/payments"
PURPOSE = "Paying benefits SIB decided"
log = logging.getLogger("tenfold.lifeevents.treasury")


def treasury_program(program: str) -> str:
    return f"SIB.{program}"


def amount_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class Treasury:
    def __init__(self, engine: Engine, client: ExchangeClient, keys: Keys, clock: Clock, settings: LifeSettings):
        self.engine, self.client, self.keys, self.clock, self.settings = engine, client, keys, clock, settings
        self._ready: set[tuple[str, str]] = set()

    async def submit_due(self) -> int:
        """Send the instructions whose run is near; returns how many the treasury took."""
        rows = await asyncio.to_thread(self._due)
        taken, sent = 0, [r.enrolment_id for r in rows]
        groups: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            groups[row.program].append(row)
        for program, group in groups.items():
            await self._ensure_program(program)
            group = await self._map(group)
            if group:
                taken += await self._send(program, group)
        if taken:
            await asyncio.to_thread(self._mark_offers_paid, sent)
        return taken

    def _due(self) -> list[Any]:
        with self.engine.connect() as connection:
            return due_for_treasury(connection, self.clock.today(), self.settings.instruction_lead_days)

    async def _call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        return await self.client.call(method, TRE, path, purpose=PURPOSE, body=body, headers=headers)

    async def _ensure_program(self, program: str) -> None:
        year = str(self.clock.today().year)
        if (program, year) in self._ready:
            return
        title = programs.load(program).title["en"]
        answer = await self._call("PUT", f"/programs/{treasury_program(program)}", {"name": title, "currency": "EUR"})
        if not answer.ok:
            raise ExchangeUnavailable(f"the treasury refused the program: {answer.status}")
        allocation = {"allocationId": f"{treasury_program(program)}.{year}", "amount": amount_text(self.settings.budget_cents)}
        answer = await self._call("POST", f"/programs/{treasury_program(program)}/allocations", allocation)
        if not answer.ok:
            raise ExchangeUnavailable(f"the treasury refused the allocation: {answer.status}")
        self._ready.add((program, year))

    async def _map(self, rows: list[Any]) -> list[Any]:
        """Point each recipient's payee id at the IBAN of their instructions; rows whose account
        the mapper refuses are refused here (and queued for a caseworker)."""
        wanted = {self.keys.payee(r.recipient): r.iban for r in rows}
        beneficiaries = [{"payeeIdentity": p, "paymentModality": "00", "financialAddress": iban} for p, iban in wanted.items()]
        answer = await self._call("PUT", "/identityAccountMapper/beneficiary", {"beneficiaries": beneficiaries},
                                  **{"X-Change-Reason": "account chosen in a confirmed benefit offer"})
        failed = {f["payeeIdentity"]: f for f in (answer.body or {}).get("failedCases", [])} if answer.ok else {}
        missing = [b for b in beneficiaries if failed.get(b["payeeIdentity"], {}).get("failureCode") == "NOT_REGISTERED"]
        if missing:
            answer = await self._call("POST", "/identityAccountMapper/beneficiary", {"beneficiaries": missing})
            for payee in [m["payeeIdentity"] for m in missing]:
                failed.pop(payee, None)
            failed.update({f["payeeIdentity"]: f for f in (answer.body or {}).get("failedCases", []) if f["failureCode"] != "DUPLICATE"})
        bad = [r for r in rows if self.keys.payee(r.recipient) in failed]
        if bad:
            await asyncio.to_thread(self._refuse, bad, "INVALID_ADDRESS", "the treasury's mapper refused the account")
        return [r for r in rows if self.keys.payee(r.recipient) not in failed]

    async def _send(self, program: str, rows: list[Any]) -> int:
        body = [{"requestId": r.request_id, "creditParty": [{"key": "payeeIdentity", "value": self.keys.payee(r.recipient)}],
                 "amount": amount_text(r.amount_cents), "currency": "EUR", "descriptionText": f"{r.benefit} {r.month}"} for r in rows]
        correlation = "SIB-" + hashlib.sha256("|".join(r.request_id for r in rows).encode()).hexdigest()[:40]
        answer = await self._call("POST", "/batchtransactions?type=raw", body,
                                  **{"X-CorrelationID": correlation, "X-Program-Id": treasury_program(program)})
        if answer.status == 202:
            refused = {r["requestId"]: r for r in answer.body.get("refused", [])}
            await asyncio.to_thread(self._accepted, rows, refused, answer.body["batchId"])
            return len(rows) - len(refused)
        if answer.status == 409 and len(rows) > 1:
            return sum([await self._send(program, [row]) for row in rows])
        if answer.status in (400, 409):
            reason = str((answer.body or {}).get("detail", answer.status))
            await asyncio.to_thread(self._refuse, rows, str(answer.status), reason)
            return 0
        await asyncio.to_thread(self._failed, rows, f"{answer.status}: {str(answer.body)[:300]}")
        return 0

    def _accepted(self, rows: list[Any], refused: dict[str, Any], batch_id: str) -> None:
        with self.engine.begin() as connection:
            for row in rows:
                if row.request_id in refused:
                    continue
                connection.execute(update(payment_instructions).where(
                    payment_instructions.c.request_id == row.request_id, payment_instructions.c.state == PLANNED).values(
                    state=SUBMITTED, batch_id=batch_id, submitted_at=now(), attempts=payment_instructions.c.attempts + 1))
        if refused:
            self._refuse([r for r in rows if r.request_id in refused], "TF01",
                         "; ".join(sorted({v["reason"] for v in refused.values()})))

    def _refuse(self, rows: list[Any], code: str, reason: str) -> None:
        with self.engine.begin() as connection:
            for row in rows:
                moved = connection.execute(update(payment_instructions).where(
                    payment_instructions.c.request_id == row.request_id, payment_instructions.c.state == PLANNED).values(
                    state=REFUSED, last_error=f"{code}: {reason}"[:2000], attempts=payment_instructions.c.attempts + 1)).rowcount
                if moved:
                    raise_exception(connection, "payment", "payment_refused", {"request": row.request_id, "reason": f"{code} {reason}"[:300]},
                                    subject=row.recipient)

    def _failed(self, rows: list[Any], error: str) -> None:
        log.warning("the treasury did not take %s instructions: %s", len(rows), error.split(":")[0])
        with self.engine.begin() as connection:
            connection.execute(update(payment_instructions).where(
                payment_instructions.c.request_id.in_([r.request_id for r in rows])).values(
                last_error=error[:2000], attempts=payment_instructions.c.attempts + 1))

    def _mark_offers_paid(self, enrolment_ids: list[int]) -> None:
        """A confirmed offer is paid once every one of its items has an instruction with the treasury."""
        with self.engine.begin() as connection:
            offer_ids = set(connection.execute(select(enrolments.c.offer_id).where(enrolments.c.id.in_(enrolment_ids))).scalars())
            for row in connection.execute(select(offers.c.id, offers.c.journey, offers.c.subject).where(
                    offers.c.id.in_([o for o in offer_ids if o]), offers.c.state == "confirmed")).all():
                enrolled = list(connection.execute(select(enrolments.c.id).where(enrolments.c.offer_id == row.id)).scalars())
                if not enrolled:
                    continue
                sent = set(connection.execute(select(payment_instructions.c.enrolment_id).where(
                    payment_instructions.c.enrolment_id.in_(enrolled), payment_instructions.c.state == SUBMITTED)).scalars())
                if sent >= set(enrolled) and connection.execute(update(offers).where(
                        offers.c.id == row.id, offers.c.state == "confirmed").values(state="paid", paid_at=now())).rowcount:
                    step(connection, row.journey, row.subject, "offer_paid", offer=row.id)
