"""The nightly sweep: ask POP for the births and deaths registered with a date in a window and
take in any SIB never received (a delivery lost before the room, an outage longer than the
room's retries). What SIB has already received by any door is left alone; what the sweep finds
goes through the same intake and journeys as a pushed event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from tenfold.errors import InvalidInput
from tenfold.lifeevents import intake
from tenfold.lifeevents.facts import POP, Gatherer
from tenfold.lifeevents.tables import life_events
from tenfold.lifeevents.xroad import ExchangeClient

PURPOSE = "Nightly sweep: births and deaths SIB may have missed"
SOURCE = "sweep:DEMO/GOV/POP"
MAX_DAYS = 62


@dataclass(frozen=True)
class SweepResult:
    days: int
    found: int
    taken_in: int

    def to_json(self) -> dict[str, int]:
        return {"days": self.days, "found": self.found, "takenIn": self.taken_in}


def window(start: date, stop: date) -> list[date]:
    if stop < start:
        raise InvalidInput("sweep: the window ends before it starts")
    if (stop - start).days >= MAX_DAYS:
        raise InvalidInput(f"sweep: a window is at most {MAX_DAYS} days")
    return [start + timedelta(days=n) for n in range((stop - start).days + 1)]


async def found_in_pop(client: ExchangeClient, days: list[date]) -> list[tuple[str, dict[str, Any]]]:
    gatherer = Gatherer(client, PURPOSE, f"sweep-{days[0].isoformat()}")
    found: list[tuple[str, dict[str, Any]]] = []
    for day in days:
        births = await gatherer.listing(POP, "births", "births", None, birthDate=day.isoformat())
        deaths = await gatherer.listing(POP, "deaths", "deaths", None, deathDate=day.isoformat())
        found += [(intake.BIRTH, {**b, "birthId": b["ID"]}) for b in births]
        found += [(intake.DEATH, {**d, "deathId": d["ID"]}) for d in deaths]
    return found


def take_in(engine: Engine, found: list[tuple[str, dict[str, Any]]]) -> int:
    """Store what SIB has not received by any door; returns how many."""
    taken = 0
    with engine.begin() as connection:
        for kind, record in found:
            _body, subject = intake.normalise(kind, record)
            known = connection.execute(select(life_events.c.id).where(
                life_events.c.event_type == kind, life_events.c.subject == subject).limit(1)).first()
            if known is None:
                stored = intake.store(connection, SOURCE, record["ID"], kind, record, record)
                taken += not stored.duplicate
    return taken


async def sweep(engine: Engine, client: ExchangeClient, start: date, stop: date) -> SweepResult:
    import asyncio

    days = window(start, stop)
    found = await found_in_pop(client, days)
    taken = await asyncio.to_thread(take_in, engine, found)
    return SweepResult(len(days), len(found), taken)
