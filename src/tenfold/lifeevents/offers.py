"""Offers: made from decisions, stored with the decision records and the notification in ONE
transaction, one offer per subject and program (a replayed or repeated event finds it), listed,
explained, expired after their deadline.

An offer holds only the items not already paid or offered to the family: an item is
(program, benefit, person), and one covered by an active enrolment or by another offer to the
same parents is left out, so two events of one family (twins, a replay through another door)
never offer the same money twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, insert, select, text, update

from tenfold import programs
from tenfold.lifeevents.models import CONFIRMED, EXPIRE, EXPIRED, NOTIFIED, OPEN_OFFER, PAID, PROPOSED, OfferNotFound, offer_move
from tenfold.lifeevents.records import new_id, now, step
from tenfold.lifeevents.tables import decisions, enrolments, notifications, offers
from tenfold.rules import Decision, Evaluation, Month


@dataclass
class Draft:
    """An offer about to be stored."""

    journey: str
    subject: str
    program: str
    addressee: str
    recipient: str
    recipient_options: list[str]
    iban_options: list[dict[str, Any]]
    iban: str | None
    deadline: date
    contact: str | None
    facts: list[dict[str, Any]]
    event_id: int | None = None
    family: tuple[str, ...] = ()
    items: list[dict[str, Any]] = field(default_factory=list)


def serialise(connection: Connection, key: str) -> None:
    """Hold the family's lock for the rest of the transaction: PostgreSQL's advisory lock; on
    SQLite a write, which makes this the one writing transaction until it ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    else:
        connection.execute(text("UPDATE sib_settings SET value = value WHERE key = 'family-lock'"))


def covered(connection: Connection, people: Iterable[str]) -> set[tuple[str, str, str]]:
    """Items (program, benefit, person) already enrolled or offered to these people."""
    people = list(set(people))
    found: set[tuple[str, str, str]] = set()
    for row in connection.execute(select(enrolments.c.program, enrolments.c.benefit, enrolments.c.person).where(
            enrolments.c.state == "active", (enrolments.c.person.in_(people)) | (enrolments.c.recipient.in_(people)))):
        found.add((row.program, row.benefit, row.person))
    live = (*OPEN_OFFER, CONFIRMED, PAID)
    for (items,) in connection.execute(select(offers.c["items"]).where(offers.c.addressee.in_(people), offers.c.state.in_(live))):
        found.update((i["program"], i["benefit"], i["person"]) for i in items)
    return found


def items_of(decision: Decision, skip: set[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The decision's eligible items that are not already covered, as an offer lists them."""
    program = programs.load(decision.program)
    chosen = []
    for item in decision.items:
        if not item.eligible or (item.program, item.benefit, item.person) in skip:
            continue
        until = next((r.params["until"] for r in item.reasons if "until" in r.params), None) or age_limit(decision, item.benefit, item.person)
        chosen.append({
            "program": item.program, "benefit": item.benefit, "person": item.person, "recipient": item.recipient,
            "kind": item.kind, "amount_cents": item.amount_cents, "from_month": str(decision.period),
            "to_month": until, "confirmation": item.confirmation, "title": dict(program.benefit(item.benefit).title),
            "reasons": [r.code for r in item.reasons],
        })
    return chosen


# Allowances paid for a child until the child reaches the program's age limit (the month of that
# birthday paid in full). Paying on past it for a student needs school data (EHIS), which SIB
# does not have: a new decision would be needed, so the enrolment ends at the limit.
AGE_LIMITED = {"family_benefits": ("child_allowance.age_limit", ("child_allowance", "single_parent_child_allowance"))}


def age_limit(decision: Decision, benefit: str, person: str) -> str | None:
    """The last month of an age-limited allowance for ``person``, from the decision's own inputs."""
    limited = AGE_LIMITED.get(decision.program)
    if not limited or benefit not in limited[1]:
        return None
    member = next((m for m in decision.input_snapshot["members"] if m["id"] == person), None)
    if member is None:
        return None
    years = programs.load(decision.program).parameters.at(decision.period.start)[limited[0]]
    return str(Month.parse(member["facts"]["birthdate"]["value"][:7]).plus(12 * int(years)))


def store_decisions(connection: Connection, journey: str, subject: str, evaluation: Evaluation | Sequence[Decision],
                    facts: list[dict[str, Any]], event_id: int | None) -> dict[str, str]:
    """The decision records, by program."""
    ids = {}
    for decision in (evaluation.decisions if isinstance(evaluation, Evaluation) else evaluation):
        decision_id = new_id("DEC-")
        connection.execute(insert(decisions).values(
            id=decision_id, journey=journey, subject=subject, program=decision.program, period=str(decision.period),
            outcome=decision.outcome, rule_version=decision.rule_version, parameter_version=decision.parameter_version,
            record=decision.to_json(), facts=facts, event_id=event_id, created_at=now()))
        ids[decision.program] = decision_id
    return ids


def existing(connection: Connection, journey: str, subject: str, program: str) -> str | None:
    return connection.execute(select(offers.c.id).where(
        offers.c.journey == journey, offers.c.subject == subject, offers.c.program == program)).scalar_one_or_none()


def insert_offer(connection: Connection, draft: Draft, decision_id: str, mode: str, template: str) -> str:
    """Store the offer and queue its notification in the caller's transaction."""
    offer_id, moment = new_id("OF-"), now()
    connection.execute(insert(offers).values(
        id=offer_id, journey=draft.journey, subject=draft.subject, program=draft.program, addressee=draft.addressee,
        state=PROPOSED, mode=mode, items=draft.items, recipient=draft.recipient, recipient_options=draft.recipient_options,
        iban=draft.iban, iban_options=draft.iban_options, decision_id=decision_id, deadline=draft.deadline,
        event_id=draft.event_id, created_at=moment))
    queue_notification(connection, draft.addressee, draft.contact, template, offer_id,
                       {"program": draft.program, "deadline": draft.deadline.isoformat(),
                        "total_cents": sum(i["amount_cents"] for i in draft.items)})
    step(connection, draft.journey, draft.subject, "offer_created", offer=offer_id, program=draft.program, items=len(draft.items))
    return offer_id


def queue_notification(connection: Connection, person: str, address: str | None, template: str, offer_id: str | None,
                       params: dict[str, Any]) -> None:
    connection.execute(insert(notifications).values(
        offer_id=offer_id, person=person, channel="email" if address else "portal", address=address, template=template,
        params=params, state="pending", attempts=0, created_at=now()))


def mode_of(items: list[dict[str, Any]]) -> str:
    """``automatic`` when every item may be paid without a confirmation (pay and inform)."""
    return "automatic" if items and all(i["confirmation"] == "automatic" for i in items) else "offer"


# ---------------------------------------------------------------- reading
def view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "journey": row.journey, "program": row.program, "state": row.state, "mode": row.mode,
        "subject": row.subject, "addressee": row.addressee, "recipient": row.recipient, "recipientOptions": row.recipient_options,
        "iban": row.iban, "ibanOptions": row.iban_options, "items": row.items,
        "totalOneOffCents": sum(i["amount_cents"] for i in row.items if i["kind"] == "one_off"),
        "totalMonthlyCents": sum(i["amount_cents"] for i in row.items if i["kind"] == "monthly"),
        "decisionId": row.decision_id, "deadline": row.deadline.isoformat(), "confirmation": row.confirmation,
        "createdAt": row.created_at.isoformat(), "notifiedAt": row.notified_at.isoformat() if row.notified_at else None,
        "decidedAt": row.decided_at.isoformat() if row.decided_at else None,
        "paidAt": row.paid_at.isoformat() if row.paid_at else None,
    }


def one(connection: Connection, offer_id: str) -> Any:
    row = connection.execute(select(offers).where(offers.c.id == offer_id)).first()
    if row is None:
        raise OfferNotFound(f"no offer {offer_id}")
    return row


def of_person(connection: Connection, person: str, limit: int = 100) -> list[Any]:
    """Offers addressed to the person, or whose recipient or subject the person is."""
    query = select(offers).where((offers.c.addressee == person) | (offers.c.recipient == person) | (offers.c.subject == person))
    return list(connection.execute(query.order_by(offers.c.created_at.desc()).limit(limit)).all())


def expire_due(connection: Connection, today: date) -> int:
    """Offers whose deadline has passed expire (they can no longer be confirmed)."""
    rows = connection.execute(select(offers.c.id, offers.c.state, offers.c.journey, offers.c.subject).where(
        offers.c.state.in_(OPEN_OFFER), offers.c.deadline < today)).all()
    for row in rows:
        offer_move(row.state, EXPIRE)
        if connection.execute(update(offers).where(offers.c.id == row.id, offers.c.state == row.state).values(
                state=EXPIRED, decided_at=now())).rowcount:
            step(connection, row.journey, row.subject, "offer_expired", offer=row.id)
    return len(rows)


def withdraw_open(connection: Connection, person: str) -> list[str]:
    """After a death: open offers made for the person, or addressed to them, can no longer be
    confirmed (they expire, with the reason logged)."""
    rows = connection.execute(select(offers.c.id, offers.c.state, offers.c.journey, offers.c.subject).where(
        offers.c.state.in_(OPEN_OFFER), (offers.c.subject == person) | (offers.c.addressee == person))).all()
    for row in rows:
        offer_move(row.state, EXPIRE)
        connection.execute(update(offers).where(offers.c.id == row.id, offers.c.state == row.state).values(
            state=EXPIRED, decided_at=now(), confirmation={"by": "SIB", "reason": "death"}))
        step(connection, row.journey, row.subject, "offer_withdrawn", offer=row.id, reason="death")
    return [row.id for row in rows]


def mark_notified(connection: Connection, offer_id: str) -> None:
    connection.execute(update(offers).where(offers.c.id == offer_id, offers.c.state == PROPOSED).values(
        state=NOTIFIED, notified_at=now()))
