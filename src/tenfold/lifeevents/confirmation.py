"""Confirming or declining an offer: one click, idempotent, and only by the person asked.

Who is asking comes from ``X-Road-UserId``, which the portal sets to the signed-in citizen and
the exchange carries to SIB unchanged: only the offer's addressee may confirm or decline it.

Mojaloop's duplicate rule with the ``Idempotency-Key`` header: the same key and the same body
replay the stored answer; the same key with another body is refused (409). Confirming an offer
that is confirmed already, with the same choices, answers with the offer as it stands; with other
choices it is refused. A recipient other than the proposed one makes the rules decide again from
the facts recorded in the decision (no new calls), so the family's amounts stay right.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date
from typing import Any

import orjson
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.lifeevents import births, offers
from tenfold.lifeevents.config import LifeSettings
from tenfold.lifeevents.facts import prefilled_iban
from tenfold.lifeevents.models import (CONFIRM, CONFIRMED, DECLINE, DECLINED, EXPIRED, OPEN_OFFER, PAID, ChoiceInvalid,
                                       IdempotencyConflict, NotTheAddressee, OfferExpired, OfferNotFound, OfferNotOpen, offer_move)
from tenfold.lifeevents.payouts import enrol, plan
from tenfold.lifeevents.records import Clock, Keys, now, step
from tenfold.lifeevents.tables import confirmations, decisions
from tenfold.lifeevents.tables import offers as offers_table
from tenfold.rules import Decision
from tenfold.storage import writing


@dataclass(frozen=True)
class Choice:
    recipient: str | None = None
    iban: str | None = None
    reason: str | None = None


def body_hash(action: str, choice: Choice) -> str:
    document = {"action": action, "recipient": choice.recipient, "iban": choice.iban, "reason": choice.reason}
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def check_iban(text: str) -> str:
    try:
        return str(IBAN(text).compact)
    except SchwiftyException as error:
        raise ChoiceInvalid(f"iban: not a valid IBAN ({error})") from None


class Confirmations:
    def __init__(self, engine: Engine, keys: Keys, clock: Clock, settings: LifeSettings):
        self.engine, self.keys, self.clock, self.settings = engine, keys, clock, settings

    def confirm(self, offer_id: str, user: str | None, key: str, choice: Choice) -> dict[str, Any]:
        return self._once(offer_id, user, key, CONFIRM, choice)

    def decline(self, offer_id: str, user: str | None, key: str | None, choice: Choice) -> dict[str, Any]:
        return self._once(offer_id, user, key, DECLINE, choice)

    def _once(self, offer_id: str, user: str | None, key: str | None, action: str, choice: Choice) -> dict[str, Any]:
        self._expire_if_due(offer_id)
        for attempt in (1, 2):
            try:
                with writing(self.engine) as connection:
                    return self._apply(connection, offer_id, user, key, action, choice)
            except IntegrityError:   # a concurrent request with the same key won: replay its answer
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _expire_if_due(self, offer_id: str) -> None:
        with self.engine.begin() as connection:
            row = connection.execute(select(offers_table.c.state, offers_table.c.deadline).where(offers_table.c.id == offer_id)).first()
            if row is None:
                raise OfferNotFound(f"no offer {offer_id}")
            if row.state in OPEN_OFFER and row.deadline < self.clock.today():
                offers.expire_due(connection, self.clock.today())

    def _apply(self, connection: Connection, offer_id: str, user: str | None, key: str | None, action: str,
               choice: Choice) -> dict[str, Any]:
        digest = body_hash(action, choice)
        if key is not None:
            stored = connection.execute(select(confirmations).where(
                confirmations.c.offer_id == offer_id, confirmations.c.idempotency_key == key)).first()
            if stored is not None:
                if stored.body_hash != digest:
                    raise IdempotencyConflict("this Idempotency-Key was used with another request body")
                return dict(stored.answer)
        offers.serialise(connection, offer_id)
        row = offers.one(connection, offer_id)
        if user is None or user != row.addressee:
            raise NotTheAddressee("only the person this offer is addressed to may answer it (X-Road-UserId)")
        answer = self._settled(row, action, choice) if row.state not in OPEN_OFFER else (
            self._confirm(connection, row, user, key, choice) if action == CONFIRM else self._decline(connection, row, user, key, choice))
        if key is not None:
            connection.execute(insert(confirmations), {"offer_id": offer_id, "idempotency_key": key, "body_hash": digest, "status": 200,
                                                       "answer": answer, "created_at": now()})
        return answer

    def _settled(self, row: Any, action: str, choice: Choice) -> dict[str, Any]:
        """An offer answered already: the same answer again returns it; anything else is refused."""
        if row.state == EXPIRED:
            raise OfferExpired("the offer expired on " + (row.deadline.isoformat()))
        done = row.confirmation or {}
        same = (action == CONFIRM and row.state in (CONFIRMED, PAID)
                and (choice.recipient or row.recipient) == done.get("recipient") and (choice.iban is None or check_iban(choice.iban) == done.get("iban"))) \
            or (action == DECLINE and row.state == DECLINED)
        if not same:
            raise OfferNotOpen(f"the offer is {row.state} already; it cannot be {action}ed differently")
        return offers.view(row)

    def _confirm(self, connection: Connection, row: Any, user: str, key: str | None, choice: Choice) -> dict[str, Any]:
        offer_move(row.state, CONFIRM)
        recipient = choice.recipient or row.recipient
        if recipient not in row.recipient_options:
            raise ChoiceInvalid(f"recipient: choose one of the offer's recipients ({', '.join(row.recipient_options)})")
        iban_text = choice.iban or (row.iban if recipient == row.recipient else prefilled_iban(row.iban_options, recipient))
        if not iban_text:
            raise ChoiceInvalid("iban: no account is known for the recipient; give the IBAN to pay to")
        iban = check_iban(iban_text)
        items, decision_id = row.items, row.decision_id
        if recipient != row.recipient:
            items, decision_id = self._decide_again(connection, row, recipient)
        done = {"recipient": recipient, "iban": iban, "by": user, "idempotencyKey": key, "at": now().isoformat(), "mode": "citizen"}
        changed = self._enrol(connection, row, items, decision_id, recipient, iban, done)
        return offers.view(SimpleNamespace(**{**row._asdict(), **changed}))   # the row as the update left it

    def _enrol(self, connection: Connection, row: Any, items: list[dict[str, Any]], decision_id: str, recipient: str, iban: str,
               done: dict[str, Any]) -> dict[str, Any]:
        changed = {"state": CONFIRMED, "recipient": recipient, "iban": iban, "items": items, "decision_id": decision_id,
                   "confirmation": done, "decided_at": now()}
        moved = connection.execute(update(offers_table).where(offers_table.c.id == row.id, offers_table.c.state.in_(OPEN_OFFER)).values(
            **changed)).rowcount
        if not moved:
            raise OfferNotOpen("the offer was answered at the same moment by another request")
        ids = enrol(connection, items, recipient, iban, decision_id, row.id)
        plan(connection, self.keys, self.clock.today(), self.settings.instruction_lead_days, only=ids)
        step(connection, row.journey, row.subject, "offer_confirmed", offer=row.id, mode=done["mode"])
        return changed

    def _decide_again(self, connection: Connection, row: Any, recipient: str) -> tuple[list[dict[str, Any]], str]:
        record = connection.execute(select(decisions.c.record, decisions.c.facts).where(decisions.c.id == row.decision_id)).one()
        decision = Decision.from_json(record.record)
        document = births.with_recipient(births.snapshot_document(dict(decision.input_snapshot)), recipient)
        evaluation = births.decide(document, decision.period)
        ids = offers.store_decisions(connection, row.journey, row.subject, evaluation, list(record.facts), row.event_id)
        mine = {(i["program"], i["benefit"], i["person"]) for i in row.items}
        taken = offers.covered(connection, [*row.recipient_options]) - mine
        chosen = next(d for d in evaluation.decisions if d.program == row.program)
        return offers.items_of(chosen, taken), ids[row.program]

    def _decline(self, connection: Connection, row: Any, user: str, key: str | None, choice: Choice) -> dict[str, Any]:
        offer_move(row.state, DECLINE)
        done = {"by": user, "idempotencyKey": key, "at": now().isoformat(), "reason": choice.reason}
        connection.execute(update(offers_table).where(offers_table.c.id == row.id, offers_table.c.state.in_(OPEN_OFFER)).values(
            state=DECLINED, confirmation=done, decided_at=now()))
        step(connection, row.journey, row.subject, "offer_declined", offer=row.id)
        return offers.view(offers.one(connection, row.id))


def confirm_automatically(connection: Connection, keys: Keys, today: date, lead_days: int, offer_id: str) -> None:
    """Pay and inform: an offer whose items need no confirmation, with a known account."""
    row = offers.one(connection, offer_id)
    done = {"recipient": row.recipient, "iban": row.iban, "by": "SIB", "idempotencyKey": None, "at": now().isoformat(),
            "mode": "automatic"}
    connection.execute(update(offers_table).where(offers_table.c.id == offer_id).values(
        state=CONFIRMED, confirmation=done, decided_at=now()))
    ids = enrol(connection, row.items, row.recipient, row.iban, row.decision_id, offer_id)
    plan(connection, keys, today, lead_days, only=ids)
    step(connection, row.journey, row.subject, "offer_confirmed", offer=offer_id, mode="automatic")
