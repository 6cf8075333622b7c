"""SIB's life-events service: the use cases the API and the CLI call, each in its own
transaction, over SIB's own database and its own gateway."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select, update

from tenfold.ids import scheme
from tenfold.lifeevents import assistance, intake, offers, queue, timeline
from tenfold.lifeevents.config import LifeSettings
from tenfold.lifeevents.confirmation import Choice, Confirmations
from tenfold.lifeevents.journeys import Journeys
from tenfold.lifeevents.models import NotFound, OfferNotFound, reason_text
from tenfold.lifeevents.notifications import Sender
from tenfold.lifeevents.records import Clock, Keys, now
from tenfold.lifeevents.sweep import SweepResult, sweep
from tenfold.lifeevents.tables import (applications, decisions, exception_queue, journey_steps, life_events, notifications,
                                       offers as offers_table, overpayments, payment_instructions)
from tenfold.lifeevents.treasury import Treasury
from tenfold.lifeevents.xroad import ExchangeClient


def is_citizen(user: str | None) -> bool:
    """A user id that is a personal code is a citizen acting for themselves (through the portal)."""
    return user is not None and scheme().is_valid(user)


class LifeEvents:
    def __init__(self, engine: Engine, settings: LifeSettings, client: ExchangeClient):
        self.engine, self.settings, self.client = engine, settings, client
        self.clock, self.keys = Clock(engine), Keys(engine)
        self.keys.secret()   # made (or read) now: never inside another transaction
        self.journeys = Journeys(engine, client, self.keys, self.clock, settings)
        self.confirmations = Confirmations(engine, self.keys, self.clock, settings)
        self.treasury = Treasury(engine, client, self.keys, self.clock, settings)
        self.sender = Sender(engine, settings.mail_directory())

    # ---------------------------------------------------------------- intake
    def receive(self, source: str, event_id: str, kind: str, payload: dict[str, Any], raw: Any, trace: str | None,
                message_id: str | None) -> intake.Stored:
        with self.engine.begin() as connection:
            return intake.store(connection, source, event_id, kind, payload, raw, trace, message_id)

    def events(self, state: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(life_events).order_by(life_events.c.id.desc()).limit(limit)
        if state:
            query = query.where(life_events.c.state == state)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [{"id": r.id, "source": r.source, "eventId": r.event_id, "type": r.event_type, "state": r.state,
                 "outcome": r.outcome, "attempts": r.attempts, "lastError": r.last_error,
                 "receivedAt": r.received_at.isoformat(), "processedAt": r.processed_at.isoformat() if r.processed_at else None}
                for r in rows]

    def recent(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Events after ``after`` (an event id) with their outcome and offer, and the time from
        the registration to the stored offer (the CX figure the benchmark measures)."""
        query = (select(life_events.c.id, life_events.c.event_type, life_events.c.subject, life_events.c.state, life_events.c.outcome,
                        life_events.c.registered_at, life_events.c.received_at, life_events.c.processed_at,
                        offers_table.c.id.label("offer_id"), offers_table.c.created_at.label("offer_at"),
                        offers_table.c.program, offers_table.c.state.label("offer_state"), offers_table.c["items"])
                 .select_from(life_events.outerjoin(offers_table, offers_table.c.event_id == life_events.c.id))
                 .where(life_events.c.id > after).order_by(life_events.c.id).limit(limit))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [{"event": r.id, "type": r.event_type, "subject": r.subject, "state": r.state, "outcome": r.outcome,
                 "registeredAt": r.registered_at.isoformat() if r.registered_at else None,
                 "receivedAt": r.received_at.isoformat(), "processedAt": r.processed_at.isoformat() if r.processed_at else None,
                 "offerId": r.offer_id, "program": r.program, "offerState": r.offer_state,
                 "offerAt": r.offer_at.isoformat() if r.offer_at else None,
                 "oneOffCents": sum(i["amount_cents"] for i in r.items if i["kind"] == "one_off") if r.items else 0,
                 "monthlyCents": sum(i["amount_cents"] for i in r.items if i["kind"] == "monthly") if r.items else 0,
                 "offerMs": round((r.offer_at - r.registered_at).total_seconds() * 1000, 1) if r.offer_at and r.registered_at else None}
                for r in rows]

    def retry(self, event_id: int) -> None:
        if not queue.retry(self.engine, event_id):
            raise NotFound(f"no event {event_id} in error")

    # ---------------------------------------------------------------- offers and decisions
    def offers_of(self, person: str, user: str | None) -> list[dict[str, Any]]:
        if is_citizen(user) and user != person:
            raise OfferNotFound("a citizen sees their own offers only")
        with self.engine.connect() as connection:
            return [offers.view(r) for r in offers.of_person(connection, person)]

    def offer(self, offer_id: str, user: str | None) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = offers.one(connection, offer_id)
        if is_citizen(user) and user not in (row.addressee, row.recipient, *row.recipient_options):
            raise OfferNotFound(f"no offer {offer_id}")
        return offers.view(row)

    def confirm(self, offer_id: str, user: str | None, key: str, choice: Choice) -> dict[str, Any]:
        return self.confirmations.confirm(offer_id, user, key, choice)

    def decline(self, offer_id: str, user: str | None, key: str | None, choice: Choice) -> dict[str, Any]:
        return self.confirmations.decline(offer_id, user, key, choice)

    def decision(self, decision_id: str, user: str | None) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(decisions).where(decisions.c.id == decision_id)).first()
        if row is None:
            raise NotFound(f"no decision {decision_id}")
        people = {m["id"] for m in row.record["input_snapshot"]["members"]}
        if is_citizen(user) and user not in people:
            raise NotFound(f"no decision {decision_id}")
        return {"id": row.id, "journey": row.journey, "program": row.program, "period": row.period, "outcome": row.outcome,
                "ruleVersion": row.rule_version, "parameterVersion": row.parameter_version, "createdAt": row.created_at.isoformat(),
                "items": row.record["items"], "parameters": row.record["parameters"], "inputs": row.record["input_snapshot"],
                "facts": row.facts}

    # ---------------------------------------------------------------- the exception queue
    def exceptions(self, state: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(exception_queue).order_by(exception_queue.c.id.desc()).limit(limit)
        if state:
            query = query.where(exception_queue.c.state == state)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [{"id": r.id, "kind": r.kind, "reasonCode": r.reason_code, "params": r.params, "state": r.state,
                 "text": {lang: reason_text(r.reason_code, r.params, lang) for lang in ("en", "zh-Hant")},
                 "eventId": r.event_id, "offerId": r.offer_id, "decisionId": r.decision_id, "applicationId": r.application_id,
                 "resolution": r.resolution, "createdAt": r.created_at.isoformat()} for r in rows]

    def resolve(self, exception_id: int, resolution: str) -> None:
        with self.engine.begin() as connection:
            if not connection.execute(update(exception_queue).where(exception_queue.c.id == exception_id, exception_queue.c.state == "open")
                                      .values(state="resolved", resolution=resolution[:2000], resolved_at=now())).rowcount:
                raise NotFound(f"no open exception {exception_id}")

    # ---------------------------------------------------------------- the other journeys
    async def timeline(self, person: str, user: str | None) -> dict[str, Any]:
        import asyncio

        kin = await asyncio.to_thread(timeline.kin, self.engine, person)
        if kin is None or (is_citizen(user) and user not in kin):
            raise NotFound("no death of this person is known to SIB (or you are not next of kin)")
        return await timeline.timeline(self.engine, self.client, person, user)

    async def apply(self, person: str, user: str | None) -> dict[str, Any]:
        if is_citizen(user) and user != person:
            raise NotFound("a citizen applies for their own household only")
        return await assistance.apply(self, person)

    def application(self, application_id: str, user: str | None) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(applications).where(applications.c.id == application_id)).first()
            if row is None or (is_citizen(user) and user != row.applicant):
                raise NotFound(f"no application {application_id}")
            record = connection.execute(select(decisions.c.record).where(decisions.c.id == row.decision_id)).scalar_one()
        return assistance.answer(row.id, row.state, row.decision_id, row.offer_id, record)

    def appeal(self, application_id: str, user: str | None, reason: str) -> dict[str, Any]:
        return assistance.appeal(self.engine, application_id, user if is_citizen(user) else None, reason)

    async def sweep(self, start: date, stop: date) -> SweepResult:
        return await sweep(self.engine, self.client, start, stop)

    # ---------------------------------------------------------------- the operator's view
    def status(self) -> dict[str, Any]:
        """The journeys summary (``tenfold life status --json``)."""
        def grouped(connection: Any, column: Any) -> dict[str, int]:
            return {str(k): int(n) for k, n in connection.execute(select(column, func.count()).group_by(column)).all()}

        with self.engine.connect() as connection:
            return {
                "today": self.clock.today().isoformat(),
                "events": grouped(connection, life_events.c.state),
                "outcomes": grouped(connection, life_events.c.outcome),
                "offers": grouped(connection, offers_table.c.state),
                "exceptions": grouped(connection, exception_queue.c.state),
                "exceptionReasons": {str(k): int(n) for k, n in connection.execute(
                    select(exception_queue.c.reason_code, func.count()).where(exception_queue.c.state == "open")
                    .group_by(exception_queue.c.reason_code)).all()},
                "notifications": grouped(connection, notifications.c.state),
                "instructions": grouped(connection, payment_instructions.c.state),
                "overpaymentCents": int(connection.execute(select(func.coalesce(func.sum(overpayments.c.amount_cents), 0))).scalar_one()),
                "steps": int(connection.execute(select(func.count()).select_from(journey_steps)).scalar_one()),
            }
