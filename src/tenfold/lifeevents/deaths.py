"""SIB's part of the death journey (UK Tell Us Once, made proactive), on SIB's own data:

- the person's benefits stop after the month of death (as the child an allowance was for, or as
  the recipient), and open offers made for them or addressed to them can no longer be confirmed;
- what was already handed to the treasury for later months is an overpayment: computed,
  recorded and queued for a caseworker, never silently written off;
- the family's amounts are decided again from the next month without the person (a child's
  death changes the others' rates and the large family allowance);
- the funeral grant is offered to the closest adult next of kin the population register links.

A death of someone whose birth is still waiting to be handled waits for it (events out of order).
Every step is logged as a journey step, which the family's timeline shows.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from tenfold.lifeevents import births, offers, payouts, queue
from tenfold.lifeevents.births import CaseForCaseworker
from tenfold.lifeevents.facts import Gatherer, PersonUnknown, account_options, prefilled_iban
from tenfold.lifeevents.records import now, raise_exception, step
from tenfold.lifeevents.tables import decisions, enrolments, journey_steps, overpayments
from tenfold.rules import Decision, Evaluation, Month, format_eur

if TYPE_CHECKING:
    from tenfold.lifeevents.journeys import Journeys

PURPOSE = "Tell Us Once: acting on a registered death"
RELATION = {("parentOf", "from"): "child", ("parentOf", "to"): "parent", ("spouseOf", "from"): "spouse", ("spouseOf", "to"): "spouse"}


async def handle(journeys: Journeys, claimed: queue.Claimed) -> str:
    if await asyncio.to_thread(_waits_for_birth, journeys, claimed):
        await asyncio.to_thread(queue.defer, journeys.engine, claimed, "waiting for the person's birth to be handled", 1.0)
        return "deferred"
    event = claimed.payload
    gatherer = Gatherer(journeys.client, PURPOSE, f"event-{claimed.id}")
    deceased = await gatherer.person(event["personId"], "personId")
    kin = kin_of(await gatherer.relations(event["personId"]), event["personId"])
    found = await asyncio.gather(*(_relative(gatherer, person) for person in kin))
    relatives = {p["ID"]: p for p in found if p is not None and p.get("status") == "alive"}
    document = funeral_household(event, deceased, kin, relatives)
    evaluation = births.decide(document, Month.of(date.fromisoformat(event["deathDate"])))
    closest = next((i.recipient for d in evaluation.decisions for i in d.items if i.eligible), None)
    accounts = account_options({closest: await gatherer.accounts(closest)}) if closest else []
    return await asyncio.to_thread(_act, journeys, claimed, evaluation, gatherer.ledger.entries, relatives, accounts)


def _waits_for_birth(journeys: Journeys, claimed: queue.Claimed) -> bool:
    with journeys.engine.connect() as connection:
        return queue.pending_birth(connection, claimed.subject)


async def _relative(gatherer: Gatherer, person: str) -> dict[str, Any] | None:
    try:
        return await gatherer.person(person, "relations")
    except PersonUnknown:
        return None


def kin_of(relations: list[dict[str, Any]], person: str) -> dict[str, str]:
    """The relatives the register links to the person: their relation to the person (closest kept)."""
    order = ("spouse", "child", "parent")
    kin: dict[str, str] = {}
    for relation in relations:
        if relation.get("validTo"):
            continue
        side = "from" if relation["fromPersonId"] == person else "to"
        other = relation["toPersonId"] if side == "from" else relation["fromPersonId"]
        kind = RELATION.get((relation["kind"], side))
        if kind and (other not in kin or order.index(kind) < order.index(kin[other])):
            kin[other] = kind
    return kin


def funeral_household(event: dict[str, Any], deceased: dict[str, Any], kin: dict[str, str],
                      relatives: dict[str, dict[str, Any]]) -> dict[str, Any]:
    members = [{"id": event["personId"], "role": "deceased", "birthdate": deceased["birthDate"],
                "date_of_death": {"value": event["deathDate"], "source": "death event"}}]
    for person, relation in kin.items():
        if person in relatives:
            members.append({"id": person, "role": "adult", "birthdate": relatives[person]["birthDate"],
                            "relation_to_deceased": relation})
    return {"id": f"death-{event['deathId']}", "members": members}


def _act(journeys: Journeys, claimed: queue.Claimed, funeral: Evaluation, facts: list[dict[str, Any]],
         relatives: dict[str, dict[str, Any]], accounts: list[dict[str, Any]]) -> str:
    event, person = claimed.payload, claimed.subject
    last = Month.of(date.fromisoformat(event["deathDate"]))
    with journeys.engine.begin() as connection:
        offers.serialise(connection, person)
        if _acted_before(connection, person):
            return journeys.finish_or_roll_back(connection, claimed, "already_handled")
        step(connection, "death", person, "death_registered", death=event["deathId"], kin=sorted(relatives))
        ended = payouts.end(connection, person, last, f"death {event['deathId']}")
        withdrawn = offers.withdraw_open(connection, person)
        step(connection, "death", person, "benefits_stopped", count=len(ended), benefits=sorted({e["benefit"] for e in ended}),
             last_month=str(last), offers_withdrawn=len(withdrawn))
        for recipient in sorted({e["recipient"] for e in ended if e["person"] == person and e["recipient"] != person}):
            recalculate(journeys, connection, claimed, recipient, last)
        _overpayments(connection, person, ended, last, {})
        if any(e["recipient"] == person and e["person"] != person for e in ended):
            raise_exception(connection, "death", "recipient_deceased", {}, subject=person, event_id=claimed.id)
        _funeral_offer(journeys, connection, claimed, funeral, facts, relatives, accounts)
        return journeys.finish_or_roll_back(connection, claimed, "death_handled")


def _acted_before(connection: Connection, person: str) -> bool:
    return connection.execute(select(journey_steps.c.id).where(
        journey_steps.c.subject == person, journey_steps.c.step == "death_registered").limit(1)).first() is not None


def _overpayments(connection: Connection, person: str, ended: list[dict[str, Any]], last: Month, lower: dict[int, int]) -> None:
    """Instructions with the treasury for months after the death: all of it, or for an amount the
    family's new decision lowered, the difference (``lower``: enrolment id -> new amount)."""
    rows = payouts.paid_after(connection, [e["id"] for e in ended], last)
    total, latest = 0, None
    for row in rows:
        cents = row.amount_cents - lower.get(row.enrolment_id, 0)
        if cents <= 0:
            continue
        connection.execute(insert(overpayments).values(
            death_subject=person, request_id=row.request_id, recipient=row.recipient, benefit=row.benefit, month=row.month,
            amount_cents=cents, state="open", created_at=now()))
        total, latest = total + cents, max(latest or row.month, row.month)
    if total:
        step(connection, "death", person, "overpayment_computed", amount_cents=total, until=latest)
        raise_exception(connection, "overpayment", "overpayment", {"amount": format_eur(total), "month": latest}, subject=person)


def recalculate(journeys: Journeys, connection: Connection, claimed: queue.Claimed, recipient: str, last: Month) -> None:
    """The recipient's family decided again from the month after the death, from the facts of
    its newest decision without the deceased; changed amounts are enrolled from then on."""
    person, period = claimed.subject, last.plus(1)
    active = connection.execute(select(enrolments).where(
        enrolments.c.recipient == recipient, enrolments.c.state == "active", enrolments.c.program == "family_benefits")).all()
    if not active:
        return
    record = connection.execute(select(decisions.c.record, decisions.c.facts).where(
        decisions.c.id.in_([r.decision_id for r in active])).order_by(decisions.c.created_at.desc()).limit(1)).one()
    snapshot = births.snapshot_document(dict(Decision.from_json(record.record).input_snapshot))
    document = {**snapshot, "members": [m for m in snapshot["members"] if m["id"] != person]}
    try:
        evaluation = births.decide(document, period)
    except CaseForCaseworker as case:
        raise_exception(connection, "death", case.reason_code, case.params, subject=person, event_id=claimed.id)
        return
    ids = offers.store_decisions(connection, "death", person, evaluation, [*record.facts, {"fact": "death", "about": person,
                                 "service": claimed.source, "message_id": f"event {claimed.id}"}], claimed.id)
    decision = next(d for d in evaluation.decisions if d.program == "family_benefits")
    due = {(i.benefit, i.person): i.amount_cents for i in decision.items if i.eligible}
    changes, lower, ended, started = [], {}, [], []
    for row in active:
        amount = due.get((row.benefit, row.person))
        if amount == row.amount_cents:
            continue
        ended.append({"id": row.id, "recipient": row.recipient, "benefit": row.benefit})
        connection.execute(update(enrolments).where(enrolments.c.id == row.id).values(
            state="ended", to_month=str(last), reason=f"recalculated after death {claimed.payload['deathId']}"))
        payouts.cancel_after(connection, row.id, last)
        changes.append({"benefit": row.benefit, "from_cents": row.amount_cents, "to_cents": amount or 0})
        if amount:
            lower[row.id] = amount
            started.append(_restart(connection, row, amount, period, ids["family_benefits"]))
    _overpayments(connection, person, ended, last, lower)
    payouts.plan(connection, journeys.keys, journeys.clock.today(), journeys.settings.instruction_lead_days, only=started)
    step(connection, "death", person, "family_recalculated", from_month=str(period), changes=changes)


def _restart(connection: Connection, row: Any, amount: int, period: Month, decision_id: str) -> int:
    """The item again at its new amount, from the first month not already with the treasury."""
    sent = payouts.submitted_months(connection, row.id)
    start = max([period, *(Month.parse(m).plus(1) for m in sent if Month.parse(m) >= period)])
    result = connection.execute(insert(enrolments).values(
        program=row.program, benefit=row.benefit, person=row.person, recipient=row.recipient, iban=row.iban, kind=row.kind,
        amount_cents=amount, from_month=str(start), to_month=row.to_month, state="active", offer_id=row.offer_id,
        decision_id=decision_id, reason="recalculated after a death in the family", created_at=now()))
    return int(result.inserted_primary_key[0])


def _funeral_offer(journeys: Journeys, connection: Connection, claimed: queue.Claimed, funeral: Evaluation,
                   facts: list[dict[str, Any]], relatives: dict[str, dict[str, Any]], accounts: list[dict[str, Any]]) -> None:
    person = claimed.subject
    ids = offers.store_decisions(connection, "death", person, funeral, facts, claimed.id)
    decision = next((d for d in funeral.decisions if d.program == "funeral_grant"), None)
    items = offers.items_of(decision, set()) if decision else []
    if not items:
        step(connection, "death", person, "no_next_of_kin")
        return
    recipient = items[0]["recipient"]
    today = journeys.clock.today()
    draft = offers.Draft(
        journey="death", subject=person, program="funeral_grant", addressee=recipient, recipient=recipient,
        recipient_options=[recipient], iban_options=accounts, iban=prefilled_iban(accounts, recipient),
        deadline=today + timedelta(days=journeys.settings.offer_deadline_days), contact=relatives[recipient].get("email"),
        facts=facts, event_id=claimed.id, items=items)
    journeys.store_offer(connection, draft, ids["funeral_grant"], "funeral_offer")
