"""Enrolments and the payment calendar: what SIB pays, to whom, for which months, on which run.

Monthly allowances are paid for the ongoing month on the 8th (the preceding working day when the
8th is a day off); a month is instructed ``lead`` days before its run, and months whose run has
passed (back months) go in the next run, as do one-off sums. Every instruction has a stable
request id (program, benefit, person, month and enrolment, under SIB's key): a retry after a crash is answered
by the treasury's duplicate rule, never paid twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import Connection, and_, insert, or_, select, update

from tenfold.lifeevents.records import Keys, now
from tenfold.lifeevents.tables import enrolments, payment_instructions
from tenfold.rules import Month, next_payment_run, payment_day

PLANNED, SUBMITTED, REFUSED, CANCELLED = "planned", "submitted", "refused", "cancelled"


def run_on_or_after(day: date) -> date:
    return next_payment_run(day - timedelta(days=1))


def due_months(kind: str, first: Month, last: Month | None, today: date, lead_days: int) -> list[tuple[Month, date]]:
    """The months to instruct now and the run each is paid in."""
    if kind == "one_off":
        return [(first, run_on_or_after(today))]
    found, month = [], first
    while last is None or month <= last:
        run = payment_day(month)
        if run - timedelta(days=lead_days) > today:
            break
        found.append((month, run if run >= today else run_on_or_after(today)))
        month = month.plus(1)
    return found


def enrol(connection: Connection, items: list[dict[str, Any]], recipient: str, iban: str, decision_id: str,
          offer_id: str | None) -> list[int]:
    """Enrol the confirmed items; an item enrolled already for the person is not enrolled twice.
    One read for the items' people and one insert for all the new enrolments (a confirmation
    holds SIB's write lock: the fewer statements, the sooner the next one runs)."""
    wanted = [(i["program"], i["benefit"], i["person"]) for i in items]
    enrolled = {tuple(row) for row in connection.execute(select(enrolments.c.program, enrolments.c.benefit, enrolments.c.person).where(
        enrolments.c.person.in_(sorted({w[2] for w in wanted})), or_(enrolments.c.state == "active", enrolments.c.kind == "one_off")))}
    moment, rows = now(), []
    for item, key in zip(items, wanted):
        if key in enrolled:   # enrolled already (a one-off is paid once, ever)
            continue
        enrolled.add(key)
        rows.append({"program": item["program"], "benefit": item["benefit"], "person": item["person"], "recipient": recipient,
                     "iban": iban, "kind": item["kind"], "amount_cents": item["amount_cents"], "from_month": item["from_month"],
                     "to_month": item.get("to_month"), "state": "active", "offer_id": offer_id, "decision_id": decision_id,
                     "created_at": moment})
    if not rows:
        return []
    inserted = connection.execute(insert(enrolments).returning(enrolments.c.id, sort_by_parameter_order=True), rows)
    return [int(i) for i in inserted.scalars()]


def plan(connection: Connection, keys: Keys, today: date, lead_days: int, only: Iterable[int] | None = None) -> int:
    """Plan the instructions now due for active enrolments (all, or ``only`` these)."""
    query = select(enrolments).where(enrolments.c.state == "active")
    if only is not None:
        query = query.where(enrolments.c.id.in_(list(only)))
    planned = 0
    due = []
    for row in connection.execute(query).all():
        last = Month.parse(row.to_month) if row.to_month else None
        wanted = due_months(row.kind, Month.parse(row.from_month), last, today, lead_days)
        if wanted:
            due.append((row, wanted))
    for start in range(0, len(due), CHUNK):
        planned += _plan_chunk(connection, keys, due[start:start + CHUNK])
    return planned


CHUNK = 500   # enrolments whose instructions are read and written together


def _plan_chunk(connection: Connection, keys: Keys, due: list[tuple[Any, list[tuple[Month, date]]]]) -> int:
    """The missing instructions of these enrolments in one insert; their one-off enrolments end."""
    have = set(connection.execute(select(payment_instructions.c.enrolment_id, payment_instructions.c.month).where(
        payment_instructions.c.enrolment_id.in_([row.id for row, _wanted in due]))).all())
    moment, rows = now(), []
    for row, wanted in due:
        rows.extend({
            "request_id": keys.request_id(row.program, row.benefit, row.person, str(month), str(row.id)), "enrolment_id": row.id,
            "program": row.program, "benefit": row.benefit, "person": row.person, "recipient": row.recipient, "month": str(month),
            "amount_cents": row.amount_cents, "iban": row.iban, "due_on": run, "state": PLANNED, "attempts": 0, "created_at": moment,
        } for month, run in wanted if (row.id, str(month)) not in have)
    if rows:
        connection.execute(insert(payment_instructions), rows)
    one_offs = [row.id for row, _wanted in due if row.kind == "one_off"]
    if one_offs:
        connection.execute(update(enrolments).where(enrolments.c.id.in_(one_offs)).values(state="ended", to_month=enrolments.c.from_month))
    return len(rows)


def end(connection: Connection, person: str, last: Month, reason: str) -> list[dict[str, Any]]:
    """End the person's enrolments (as the child or as the recipient) after ``last``; planned
    instructions for later months are cancelled. Returns the enrolments ended."""
    rows = connection.execute(select(enrolments).where(
        enrolments.c.state == "active", or_(enrolments.c.person == person, enrolments.c.recipient == person))).all()
    ended = []
    for row in rows:
        to_month = min(Month.parse(row.to_month), last) if row.to_month else last
        if Month.parse(row.from_month) > to_month:
            to_month = Month.parse(row.from_month).plus(-1)
        connection.execute(update(enrolments).where(enrolments.c.id == row.id).values(
            state="ended", to_month=str(to_month), reason=reason[:200]))
        cancel_after(connection, row.id, to_month, reason)
        ended.append({"id": row.id, "program": row.program, "benefit": row.benefit, "person": row.person,
                      "recipient": row.recipient, "amount_cents": row.amount_cents, "to_month": str(to_month)})
    return ended


def cancel_after(connection: Connection, enrolment_id: int, last: Month, reason: str = "ended") -> None:
    """Planned instructions of the enrolment for months after ``last`` will not be sent."""
    connection.execute(update(payment_instructions).where(
        payment_instructions.c.enrolment_id == enrolment_id, payment_instructions.c.state == PLANNED,
        payment_instructions.c.month > str(last)).values(state=CANCELLED, last_error=reason[:200]))


def submitted_months(connection: Connection, enrolment_id: int) -> list[str]:
    return list(connection.execute(select(payment_instructions.c.month).where(
        payment_instructions.c.enrolment_id == enrolment_id, payment_instructions.c.state == SUBMITTED)).scalars())


def paid_after(connection: Connection, enrolment_ids: list[int], last: Month) -> list[Any]:
    """Instructions already with the treasury for months after ``last`` (an overpayment)."""
    if not enrolment_ids:
        return []
    return list(connection.execute(select(payment_instructions).where(
        payment_instructions.c.enrolment_id.in_(enrolment_ids), payment_instructions.c.state == SUBMITTED,
        payment_instructions.c.month > str(last))).all())


def due_for_treasury(connection: Connection, today: date, lead_days: int, limit: int = 500) -> list[Any]:
    horizon = today + timedelta(days=lead_days)
    return list(connection.execute(select(payment_instructions).where(and_(
        payment_instructions.c.state == PLANNED, payment_instructions.c.due_on <= horizon)).order_by(
        payment_instructions.c.program, payment_instructions.c.request_id).limit(limit)).all())
