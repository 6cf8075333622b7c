"""A few residents of the generated country worth meeting in a demo, read from the databases:
a mother expecting a child, one expecting twins (or more), and a person whose death is
scheduled together with the adult children who are their next of kin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tenfold.country import store
from tenfold.country.events import BIRTH, DEATH
from tenfold.country.service import current, roles
from tenfold.i18n import N_, _
from tenfold.registries import catalogue
from tenfold.registries import store as registry_store
from tenfold.settings import Settings
from tenfold.storage import make_engine

EXPECTING = N_("expecting a child")
EXPECTING_MULTIPLE = N_("expecting a multiple birth")
DYING = N_("death scheduled")
NEXT_OF_KIN = N_("next of kin (child)")


def _person(connection: Connection, code: str | None) -> dict[str, Any] | None:
    return registry_store.get(connection, "persons", code) if code else None


def _entry(role: str, person: dict[str, Any], note: str) -> dict[str, Any]:
    return {"role": role, "personId": person["ID"], "name": f"{person['firstName']} {person['lastName']}",
            "birthDate": person["birthDate"], "addressId": person["addressId"], "householdId": person["householdId"], "note": note}


def _birth_entries(pop: Connection, event: dict[str, Any], role: str) -> list[dict[str, Any]]:
    payload = event["payload"]
    mother = _person(pop, payload["motherId"])
    if mother is None:
        return []
    note = _("due {date}: {size} child(ren), code {code} reserved; father {father}").format(
        date=payload["birthDate"], size=payload["multipleBirthSize"], code=payload["childId"],
        father=payload["fatherId"] or _("not recorded"))
    return [_entry(role, mother, note)]


def _death_entries(pop: Connection, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    relations = catalogue().get("relations", "1.0")
    for event in events:
        payload = event["payload"]
        children = [r["toPersonId"] for r in registry_store.find(pop, relations, filters={"fromPersonId": payload["personId"]}, limit=20)
                    if r["kind"] == "parentOf"]
        person = _person(pop, payload["personId"])
        if not children or person is None:
            continue
        found = [_entry(DYING, person, _("dies {date}; {count} child(ren) in the register").format(
            date=payload["deathDate"], count=len(children)))]
        for child in children[:2]:
            relative = _person(pop, child)
            if relative is not None:
                found.append(_entry(NEXT_OF_KIN, relative, _("lives at {address}, not with the parent").format(address=relative["addressId"])
                                    if relative["householdId"] != person["householdId"] else _("lives with the parent")))
        return found
    return []


def demo_residents(settings: Settings) -> list[dict[str, Any]]:
    current(settings)
    engine = store.open_engine(settings)
    try:
        with engine.connect() as connection:
            births = store.scheduled(connection, BIRTH, limit=2000)
            deaths = store.scheduled(connection, DEATH, limit=500)
    finally:
        engine.dispose()
    pop_engine = make_engine(settings.member_database_url(roles(settings)["POP"]))
    try:
        with pop_engine.connect() as pop:
            found: list[dict[str, Any]] = []
            if births:
                found += _birth_entries(pop, births[0], EXPECTING)
            multiple = next((e for e in births if e["payload"]["multipleBirthSize"] > 1), None)
            if multiple is not None:
                found += _birth_entries(pop, multiple, EXPECTING_MULTIPLE)
            found += _death_entries(pop, deaths)
    finally:
        pop_engine.dispose()
    return found
