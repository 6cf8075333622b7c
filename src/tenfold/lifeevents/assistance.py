"""Integrated social assistance (Turkey's ISAS): the applicant gives only their personal code.

SIB gathers the household (POP), each member's incomes of the previous year (TAX), land (LAND)
and vehicles (VEH) through the exchange, decides in the same request, and answers with the
decision and its reasons. Where the topology says a source serves on the lawful basis of consent,
the source's gateway checks the person's consent with the CONSENT member; a refusal leaves that
fact unknown (``null``, with the refusal as its source) and the rules send the case to a
caseworker, never a default. An appeal goes to the exception queue.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select, update

from tenfold import programs
from tenfold.lifeevents import offers
from tenfold.lifeevents.facts import LAND, TAX, VEH, ConsentRefused, Gatherer, account_options, prefilled_iban
from tenfold.lifeevents.models import NotFound
from tenfold.lifeevents.records import new_id, now, raise_exception, step
from tenfold.lifeevents.tables import applications
from tenfold.programs.funeral_grant.rules import age_on
from tenfold.rules import Month, evaluate, fact_specs, parse_household

if TYPE_CHECKING:
    from tenfold.lifeevents.service import LifeEvents

PURPOSE = "Integrated social assistance: means test of the applicant's household"
MEANS = {"annual_income_cents": TAX, "property_value_cents": LAND, "vehicle_value_cents": VEH}


async def _means(gatherer: Gatherer, person: str, year: int) -> dict[str, Any]:
    """The person's income of ``year``, land and vehicles, each with the message it came in."""
    queries = {"annual_income_cents": ("incomes", "incomes", "amountCents", {"personId": person, "year": year}),
               "property_value_cents": ("parcels", "land parcels", "assessedValueCents", {"ownerId": person}),
               "vehicle_value_cents": ("vehicles", "vehicles", "valueCents", {"ownerId": person})}

    async def total(name: str) -> dict[str, Any]:
        registry, what, field, query = queries[name]
        try:
            found, source = await gatherer.listed(MEANS[name], registry, what, person, **query)
        except ConsentRefused as refusal:
            return {"value": None, "source": gatherer.ledger.own(what, person, f"refused by {MEANS[name]}: {refusal.kind}")}
        return {"value": sum(int(r[field]) for r in found), "source": source}

    values = await asyncio.gather(*(total(name) for name in queries))
    return dict(zip(queries, values))


async def apply(life: LifeEvents, person: str) -> dict[str, Any]:
    application_id = new_id("APP-")
    gatherer = Gatherer(life.client, PURPOSE, application_id)
    today = life.clock.today()
    period = Month.of(today)
    applicant = await gatherer.person(person, "personId")
    household = [p for p in await gatherer.household(applicant["householdId"]) if p.get("status") == "alive"]
    if person not in {p["ID"] for p in household}:
        household.append(applicant)
    means = await asyncio.gather(*(_means(gatherer, p["ID"], period.year - 1) for p in household))
    accounts = account_options({person: await gatherer.accounts(person)})
    members = [{"id": p["ID"], "role": "child" if age_on(date.fromisoformat(p["birthDate"]), period.start) < 18 else "adult",
                "birthdate": p["birthDate"], **facts} for p, facts in zip(household, means)]
    document = {"id": applicant["householdId"], "applicant": person, "members": members}
    program = programs.load("social_assistance")
    decision = evaluate(program, parse_household(document, fact_specs([program])), period)
    return await asyncio.to_thread(_store, life, application_id, person, decision, gatherer.ledger.entries, accounts, today)


def _store(life: LifeEvents, application_id: str, person: str, decision: Any, facts: list[dict[str, Any]],
           accounts: list[dict[str, Any]], today: date) -> dict[str, Any]:
    with life.engine.begin() as connection:
        ids = offers.store_decisions(connection, "assistance", application_id, [decision], facts, None)
        decision_id = ids["social_assistance"]
        state = {"needs_caseworker": "needs_caseworker"}.get(decision.outcome, "decided")
        offer_id = None
        if decision.outcome == "needs_caseworker":
            raise_exception(connection, "assistance", "needs_caseworker", {
                "program": "social_assistance", "reasons": ", ".join(r.code for i in decision.items for r in i.reasons)},
                subject=person, decision_id=decision_id, application_id=application_id)
        items = offers.items_of(decision, set())
        if items:
            draft = offers.Draft(
                journey="assistance", subject=application_id, program="social_assistance", addressee=person, recipient=person,
                recipient_options=[person], iban_options=accounts, iban=prefilled_iban(accounts, person),
                deadline=today + timedelta(days=life.settings.offer_deadline_days), contact=None, facts=facts, items=items)
            offer_id = life.journeys.store_offer(connection, draft, decision_id, "assistance_decision")
        connection.execute(insert(applications).values(id=application_id, applicant=person, state=state, decision_id=decision_id,
                                                       offer_id=offer_id, created_at=now()))
        step(connection, "assistance", application_id, "decided", decision=decision_id, outcome=decision.outcome)
    return answer(application_id, state, decision_id, offer_id, decision.to_json())


def answer(application_id: str, state: str, decision_id: str, offer_id: str | None, record: dict[str, Any]) -> dict[str, Any]:
    items = record["items"]
    return {
        "applicationId": application_id, "state": state, "decisionId": decision_id, "offerId": offer_id,
        "outcome": record["outcome"], "period": record["period"],
        "monthlyAmountCents": sum(i["amount_cents"] for i in items if i["eligible"]),
        "reasons": [{"code": r["code"], "text": r["text"]} for i in items for r in i["reasons"]],
    }


def appeal(engine: Engine, application_id: str, user: str | None, reason: str) -> dict[str, Any]:
    with engine.begin() as connection:
        row = connection.execute(select(applications).where(applications.c.id == application_id)).first()
        if row is None or (user is not None and user != row.applicant):
            raise NotFound(f"no application {application_id}")
        if row.state != "appealed":
            raise_exception(connection, "appeal", "appeal", {"decision": row.decision_id, "reason": reason[:500]},
                            subject=row.applicant, decision_id=row.decision_id, application_id=application_id)
            connection.execute(update(applications).where(applications.c.id == application_id).values(state="appealed"))
            step(connection, "assistance", application_id, "appealed")
    return {"applicationId": application_id, "state": "appealed", "decisionId": row.decision_id}
