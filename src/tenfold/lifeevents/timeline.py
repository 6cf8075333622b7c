"""A death's family timeline: one view of what every agency did, read through the exchange.

SIB's own steps come from its journey log; every other agency answers ``GET /actions?personId=``
on its ``tellUsOnce`` service (PEN, TAX, VEH, LAND; IDP on the service its identity team gives).
An agency that does not answer is listed as not available, never silently left out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine, select

from tenfold.lifeevents.tables import journey_steps
from tenfold.lifeevents.xroad import ExchangeClient, ExchangeUnavailable

PURPOSE = "Showing the family what was done after a death (Tell Us Once)"
# (agency, service) of every Tell-Us-Once subscriber whose log SIB reads.
AGENCIES = (
    ("DEMO/GOV/PEN", "DEMO/GOV/PEN/pensions/tellUsOnce"),
    ("DEMO/GOV/TAX", "DEMO/GOV/TAX/taxation/tellUsOnce"),
    ("DEMO/GOV/VEH", "DEMO/GOV/VEH/registry/tellUsOnce"),
    ("DEMO/GOV/LAND", "DEMO/GOV/LAND/registry/tellUsOnce"),
    ("DEMO/GOV/IDP", "DEMO/GOV/IDP/identity/tellUsOnce"),
)
SIB_STEPS = ("death_registered", "benefits_stopped", "family_recalculated", "overpayment_computed", "offer_created",
             "offer_withdrawn", "notified", "offer_confirmed", "offer_paid", "no_next_of_kin", "exception")


def kin(engine: Engine, person: str) -> list[str] | None:
    """The relatives SIB found when it acted on the death (who may see the timeline); None when
    SIB has not acted on a death of this person."""
    with engine.connect() as connection:
        detail = connection.execute(select(journey_steps.c.detail).where(
            journey_steps.c.subject == person, journey_steps.c.step == "death_registered").limit(1)).scalar_one_or_none()
    return None if detail is None else list(detail.get("kin", []))


def own_steps(engine: Engine, person: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(journey_steps).where(
            journey_steps.c.subject == person, (journey_steps.c.journey == "death") | (journey_steps.c.step == "offer_withdrawn"),
            journey_steps.c.step.in_(SIB_STEPS)).order_by(journey_steps.c.id)).all()
    return [{"agency": "DEMO/GOV/SIB", "action": r.step, "detail": r.detail, "at": r.at.isoformat(), "messageId": None}
            for r in rows]


async def _agency(client: ExchangeClient, agency: str, service: str, person: str, user: str | None) -> tuple[str, Any]:
    try:
        answer = await client.call("GET", service, "/actions", params={"personId": person}, purpose=PURPOSE, user=user)
    except ExchangeUnavailable as error:
        return agency, str(error)
    if not answer.ok or not isinstance(answer.body, dict):
        detail = answer.body.get("type") if isinstance(answer.body, dict) else None
        return agency, f"{answer.status} {detail or ''}".strip()
    return agency, [{**a, "agency": agency, "messageId": answer.message_id} for a in answer.body.get("actions", [])]


async def timeline(engine: Engine, client: ExchangeClient, person: str, user: str | None) -> dict[str, Any]:
    answers = await asyncio.gather(*(_agency(client, a, s, person, user) for a, s in AGENCIES))
    entries = await asyncio.to_thread(own_steps, engine, person)
    unavailable = []
    for agency, found in answers:
        if isinstance(found, list):
            entries.extend(found)
        else:
            unavailable.append({"agency": agency, "reason": found})
    entries.sort(key=lambda e: e["at"])
    return {"personId": person, "entries": entries, "unavailable": unavailable}
