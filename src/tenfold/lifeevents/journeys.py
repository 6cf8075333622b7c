"""Running one claimed event through its journey: gather facts (async, through the exchange),
then decide and store in one transaction that also marks the event processed.

Everything a journey stores for an event happens in that one transaction, guarded by the
event's lease and by the family's lock, and is idempotent on the subject: a birth already given
its offer (or its exception) is "already handled", however many doors the event came in by.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from tenfold import programs
from tenfold.lifeevents import births, deaths, offers, queue
from tenfold.lifeevents.births import CaseForCaseworker
from tenfold.lifeevents.config import LifeSettings
from tenfold.lifeevents.confirmation import confirm_automatically
from tenfold.lifeevents.facts import Gatherer, PersonUnknown, prefilled_iban
from tenfold.lifeevents.intake import BIRTH
from tenfold.lifeevents.models import PROCESSED
from tenfold.lifeevents.records import Clock, Keys, raise_exception, step
from tenfold.lifeevents.tables import enrolments, life_events
from tenfold.lifeevents.xroad import ExchangeClient, ExchangeUnavailable
from tenfold.rules import offer_deadline

log = logging.getLogger("tenfold.lifeevents.journeys")
UNKNOWN_PERSON_ATTEMPTS = 3


class LeaseLost(Exception):
    """Another worker took the event while this one was working on it: roll back."""


class Journeys:
    def __init__(self, engine: Engine, client: ExchangeClient, keys: Keys, clock: Clock, settings: LifeSettings):
        self.engine, self.client, self.keys, self.clock, self.settings = engine, client, keys, clock, settings

    async def handle(self, claimed: queue.Claimed) -> str:
        """Run the journey of one event; returns the event's outcome (or its new state)."""
        kind = "birth" if claimed.event_type == BIRTH else "death"
        try:
            if await asyncio.to_thread(self._handled_before, claimed):
                return await asyncio.to_thread(self._close, claimed, "already_handled")
            if claimed.event_type == BIRTH:
                return await self._birth(claimed)
            return await deaths.handle(self, claimed)
        except CaseForCaseworker as case:
            return await asyncio.to_thread(self._to_caseworker, claimed, kind, case.reason_code, case.params)
        except PersonUnknown as unknown:
            if claimed.attempts >= UNKNOWN_PERSON_ATTEMPTS:
                return await asyncio.to_thread(self._to_caseworker, claimed, kind, "person_not_found", {"field": unknown.field},
                                               "person_unknown")
            return await asyncio.to_thread(self._fail, claimed, str(unknown), kind)
        except (ExchangeUnavailable, LeaseLost) as error:
            return await asyncio.to_thread(self._fail, claimed, str(error), kind)
        except Exception as error:  # a defect: the event is retried, then queued for a caseworker
            # The message stays in SIB's database (last_error); the log names the event and the kind
            # of error only, since a message may quote a personal code.
            log.error("event %s failed: %s", claimed.id, type(error).__name__)
            return await asyncio.to_thread(self._fail, claimed, f"{type(error).__name__}: {error}", kind)

    # ---------------------------------------------------------------- shared steps
    def _handled_before(self, claimed: queue.Claimed) -> bool:
        """Whether the same birth or death was handled already, by another door. An event that
        named a person POP did not know yet does not count: the register may have caught up."""
        with self.engine.connect() as connection:
            return connection.execute(select(life_events.c.id).where(
                life_events.c.subject == claimed.subject, life_events.c.event_type == claimed.event_type,
                life_events.c.state == PROCESSED, life_events.c.outcome != "person_unknown",
                life_events.c.id != claimed.id).limit(1)).first() is not None

    def _close(self, claimed: queue.Claimed, outcome: str) -> str:
        with self.engine.begin() as connection:
            if not queue.finish(connection, claimed, outcome):
                raise LeaseLost(str(claimed.id))
        return outcome

    def _to_caseworker(self, claimed: queue.Claimed, kind: str, code: str, params: dict[str, Any],
                       outcome: str = "exception") -> str:
        with self.engine.begin() as connection:
            raise_exception(connection, kind, code, params, subject=claimed.subject, event_id=claimed.id)
            step(connection, kind, claimed.subject, "exception", reason_code=code)
            if not queue.finish(connection, claimed, outcome):
                raise LeaseLost(str(claimed.id))
        return outcome

    def _fail(self, claimed: queue.Claimed, error: str, kind: str) -> str:
        s = self.settings
        return queue.fail(self.engine, claimed, error, max_attempts=s.max_attempts, base=s.backoff_seconds,
                          ceiling=s.backoff_max_seconds, kind=kind)

    def finish_or_roll_back(self, connection: Connection, claimed: queue.Claimed, outcome: str) -> str:
        if not queue.finish(connection, claimed, outcome):
            raise LeaseLost(str(claimed.id))
        return outcome

    # ---------------------------------------------------------------- birth
    async def _birth(self, claimed: queue.Claimed) -> str:
        gatherer = Gatherer(self.client, births.PURPOSE, f"event-{claimed.id}")
        message_id = await asyncio.to_thread(self._event_message, claimed)
        if message_id:
            gatherer.ledger.entries.append({"fact": "birth event", "about": claimed.subject, "service": claimed.source,
                                            "message_id": message_id})
        facts = await births.gather(gatherer, claimed.payload)
        return await asyncio.to_thread(self._birth_offer, claimed, facts)

    def _event_message(self, claimed: queue.Claimed) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(select(life_events.c.message_id).where(life_events.c.id == claimed.id)).scalar_one_or_none()

    def _birth_offer(self, claimed: queue.Claimed, facts: births.BirthFacts) -> str:
        with self.engine.begin() as connection:
            offers.serialise(connection, facts.event["motherId"])
            if offers.existing(connection, "birth", claimed.subject, "family_benefits"):
                return self.finish_or_roll_back(connection, claimed, "already_handled")
            family = births.family(facts, enrolled_recipients(connection, [b["childId"] for b in facts.births]))
            evaluation = births.decide(family.document, facts.period)
            ids = offers.store_decisions(connection, "birth", claimed.subject, evaluation, facts.ledger.entries, claimed.id)
            step(connection, "birth", claimed.subject, "decided", decisions=list(ids.values()))
            unsettled = [d for d in evaluation.decisions if d.outcome == "needs_caseworker"]
            if unsettled:
                reasons = ", ".join(r.code for d in unsettled for i in d.items for r in i.reasons)
                raise_exception(connection, "birth", "needs_caseworker", {"program": unsettled[0].program, "reasons": reasons},
                                subject=claimed.subject, event_id=claimed.id, decision_id=ids[unsettled[0].program])
                return self.finish_or_roll_back(connection, claimed, "exception")
            decision = next(d for d in evaluation.decisions if d.program == "family_benefits")
            draft = self._birth_draft(claimed, facts, family)
            # Another child born this month (a twin) has a birth of its own and is offered its own items there.
            others = {c for c in family.newborns if c != claimed.subject}
            items = offers.items_of(decision, offers.covered(connection, [*family.parents, *family.children]))
            draft.items = [i for i in items if i["person"] not in others]
            if not draft.items:
                step(connection, "birth", claimed.subject, "nothing_due")
                return self.finish_or_roll_back(connection, claimed, "nothing_due")
            self.store_offer(connection, draft, ids["family_benefits"], "birth_offer")
            return self.finish_or_roll_back(connection, claimed, "offer_created")

    def _birth_draft(self, claimed: queue.Claimed, facts: births.BirthFacts, family: births.Family) -> offers.Draft:
        born = date.fromisoformat(facts.event["birthDate"])
        months = programs.load("family_benefits").benefit("childbirth_allowance").offer_deadline_months or 6
        choices = births.options(facts, family.parents)
        return offers.Draft(
            journey="birth", subject=claimed.subject, program="family_benefits", addressee=family.recipient,
            recipient=family.recipient, recipient_options=list(family.parents), iban_options=choices,
            iban=prefilled_iban(choices, family.recipient), deadline=offer_deadline(born, months),
            contact=births.contact(facts, family.recipient), facts=facts.ledger.entries, event_id=claimed.id)

    def store_offer(self, connection: Connection, draft: offers.Draft, decision_id: str, template: str) -> str:
        """Store the offer with its notification; an offer that needs no confirmation and has a
        known account is paid and the person informed (Austria's way)."""
        mode = offers.mode_of(draft.items)
        if mode == "automatic":
            template = "automatic_payment" if draft.iban else "account_needed"
        offer_id = offers.insert_offer(connection, draft, decision_id, mode, template)
        if mode == "automatic" and draft.iban:
            confirm_automatically(connection, self.keys, self.clock.today(), self.settings.instruction_lead_days, offer_id)
        elif mode == "automatic":
            raise_exception(connection, draft.journey, "no_account", {"person": draft.recipient}, subject=draft.subject,
                            offer_id=offer_id)
        return offer_id


def enrolled_recipients(connection: Connection, children: list[str]) -> dict[str, tuple[str, str]]:
    """Each child's child-allowance recipient at SIB, with the enrolment as the fact's source."""
    if not children:
        return {}
    rows = connection.execute(select(enrolments.c.person, enrolments.c.recipient, enrolments.c.id).where(
        enrolments.c.benefit == "child_allowance", enrolments.c.state == "active", enrolments.c.person.in_(children))).all()
    return {r.person: (r.recipient, f"SIB enrolment {r.id}") for r in rows}
