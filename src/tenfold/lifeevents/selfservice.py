"""What a resident reads about themselves through the portal, and what a caseworker opens: the
person's payments (with the treasury's outcome of each, read through the exchange), the
messages sent to them, contesting an offer's decision, and one case of the exception queue."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, select

from tenfold import programs
from tenfold.lifeevents import notifications as messages
from tenfold.lifeevents.models import NotFound, OfferNotFound, reason_text
from tenfold.lifeevents.offers import one
from tenfold.lifeevents.payouts import SUBMITTED
from tenfold.lifeevents.records import raise_exception, step
from tenfold.lifeevents.tables import exception_queue, notifications, payment_instructions
from tenfold.lifeevents.treasury import TRE
from tenfold.lifeevents.xroad import ExchangeClient, ExchangeUnavailable

PURPOSE = "Showing a resident the outcome of their benefit payments"
# The treasury's states, as the resident reads them.
TREASURY_STATES = {"accepted": "submitted", "released": "submitted", "sent": "submitted", "bank_accepted": "submitted",
                   "settled": "paid", "rejected": "rejected", "returned": "returned"}


@lru_cache(maxsize=256)
def benefit_title(program: str, benefit: str) -> dict[str, str]:
    try:
        return dict(programs.load(program).benefit(benefit).title)
    except Exception:  # a program retired since: its code is the best title left
        return {"en": benefit, "zh-Hant": benefit}


async def _outcome(client: ExchangeClient, request_id: str, user: str | None) -> dict[str, Any] | None:
    try:
        answer = await client.call("GET", TRE, f"/instructions/{request_id}", purpose=PURPOSE, user=user)
    except ExchangeUnavailable:
        return None
    return answer.body if answer.ok and isinstance(answer.body, dict) else None


async def payments_of(engine: Engine, client: ExchangeClient, person: str, user: str | None) -> list[dict[str, Any]]:
    """The person's payments as recipient, newest first; a submitted one carries the treasury's outcome."""
    def read() -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(select(payment_instructions).where(payment_instructions.c.recipient == person)
                                           .order_by(payment_instructions.c.due_on.desc(), payment_instructions.c.month.desc()).limit(200)))

    rows = await asyncio.to_thread(read)
    outcomes = await asyncio.gather(*(_outcome(client, r.request_id, user) if r.state == SUBMITTED else asyncio.sleep(0) for r in rows))
    found = []
    for row, outcome in zip(rows, outcomes):
        state = TREASURY_STATES.get(outcome["state"], "submitted") if outcome else row.state
        found.append({"requestId": row.request_id, "program": row.program, "benefit": row.benefit,
                      "title": benefit_title(row.program, row.benefit), "month": row.month, "amountCents": row.amount_cents,
                      "iban": row.iban, "dueOn": row.due_on.isoformat(), "state": state,
                      "paidAt": outcome["updatedAt"] if outcome and state == "paid" else None,
                      "reason": (outcome or {}).get("reason") if state in ("rejected", "returned") else row.last_error if state == "refused" else None,
                      "treasuryKnown": outcome is not None or row.state != SUBMITTED})
    return found


def notifications_of(engine: Engine, person: str, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(notifications).where(notifications.c.person == person)
                                  .order_by(notifications.c.id.desc()).limit(limit)).all()
    found = []
    for row in rows:
        texts = {language: messages.render(row.template, row.params, language) for language in ("en", "zh-Hant")}
        found.append({"id": row.id, "offerId": row.offer_id, "channel": row.channel, "state": row.state, "template": row.template,
                      "subject": {k: v[0] for k, v in texts.items()}, "body": {k: v[1] for k, v in texts.items()},
                      "createdAt": row.created_at.isoformat(), "sentAt": row.sent_at.isoformat() if row.sent_at else None})
    return found


def contest_offer(engine: Engine, offer_id: str, user: str | None, reason: str) -> dict[str, Any]:
    """The addressee contests the decision behind an offer: an appeal in the exception queue
    (once: contesting again while it is open answers with the same case)."""
    with engine.begin() as connection:
        row = one(connection, offer_id)
        if user is not None and user not in (row.addressee, row.recipient):
            raise OfferNotFound(f"no offer {offer_id}")
        open_case = connection.execute(select(exception_queue.c.id).where(
            exception_queue.c.offer_id == offer_id, exception_queue.c.reason_code == "appeal",
            exception_queue.c.state == "open")).scalar_one_or_none()
        if open_case is None:
            open_case = raise_exception(connection, "appeal", "appeal", {"decision": row.decision_id, "reason": reason[:500]},
                                        subject=row.addressee, offer_id=offer_id, decision_id=row.decision_id)
            step(connection, row.journey, row.subject, "appealed", offer=offer_id, case=open_case)
    return {"offerId": offer_id, "exceptionId": open_case, "state": "open"}


def exception_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "reasonCode": row.reason_code, "params": row.params, "state": row.state,
            "text": {lang: reason_text(row.reason_code, row.params, lang) for lang in ("en", "zh-Hant")},
            "subject": row.subject, "eventId": row.event_id, "offerId": row.offer_id, "decisionId": row.decision_id,
            "applicationId": row.application_id, "resolution": row.resolution, "createdAt": row.created_at.isoformat(),
            "resolvedAt": row.resolved_at.isoformat() if row.resolved_at else None}


def exception_one(engine: Engine, exception_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(exception_queue).where(exception_queue.c.id == exception_id)).first()
    if row is None:
        raise NotFound(f"no exception {exception_id}")
    return exception_view(row)
