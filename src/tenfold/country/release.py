"""The simulator's side of the civil registrar: which scheduled births and deaths fall on a day,
the registration each becomes at the population register's front office, and the mark that it
was released (so a simulation resumed after a stop releases nothing twice).

The simulated clock: the day after the last day released, or the country's as-of date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from tenfold.country.events import BIRTH
from tenfold.country.tables import scheduled_events, simulation_clock

PERSON_FIELDS = ("ID", "firstName", "lastName", "sex", "citizenship", "addressId", "householdId")


def next_day(connection: Connection, as_of: date) -> date:
    """The first day not simulated yet."""
    last = connection.execute(select(simulation_clock.c.day).where(simulation_clock.c.id == 1)).scalar_one_or_none()
    return max(as_of, last + timedelta(days=1)) if last else as_of


def day_done(connection: Connection, day: date) -> None:
    """Every event of ``day`` is released: the clock moves on."""
    moment = datetime.now(UTC)
    if not connection.execute(update(simulation_clock).where(simulation_clock.c.id == 1).values(day=day, updated_at=moment)).rowcount:
        connection.execute(insert(simulation_clock).values(id=1, day=day, updated_at=moment))


def due_on(connection: Connection, day: date) -> list[dict[str, Any]]:
    """The unreleased events of a day (and any left over from earlier days), births first."""
    rows = connection.execute(select(scheduled_events).where(
        scheduled_events.c.released_at.is_(None), scheduled_events.c.due_date <= day).order_by(
        scheduled_events.c.due_date, scheduled_events.c.kind, scheduled_events.c.id)).mappings().all()
    return [dict(r) for r in rows]


def mark_released(connection: Connection, event_id: int) -> None:
    connection.execute(update(scheduled_events).where(scheduled_events.c.id == event_id).values(released_at=datetime.now(UTC)))


def registration(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(POP path, body) of the registration a scheduled event becomes."""
    payload = event["payload"]
    if event["kind"] == BIRTH:
        person = payload["person"]
        birth = {k: payload[k] for k in ("motherId", "fatherId", "birthDate", "place", "multipleBirthSize")}
        return "/population/births", {"birth": {"ID": payload["birthId"], **birth},
                                      "child": {k: person[k] for k in PERSON_FIELDS if person.get(k) is not None}}
    return "/population/deaths", {"death": {"ID": payload["deathId"], "personId": payload["personId"],
                                            "deathDate": payload["deathDate"], "place": payload["place"]}}


def pending(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(scheduled_events.c.kind, func.count()).where(
        scheduled_events.c.released_at.is_(None)).group_by(scheduled_events.c.kind)).all()
    return {kind: int(n) for kind, n in rows}
