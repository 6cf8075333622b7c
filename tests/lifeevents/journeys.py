"""Helpers of the journey tests: people of the generated country, registrations at POP's front
office, and waiting for SIB."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from tenfold.ids import isikukood
from tests.lifeevents.country import World, until

SERIALS = itertools.count(990, -1)
BORN = "2026-03-02"


def mothers(world: World) -> list[dict[str, Any]]:
    """Women of 22 to 40, alive, with a primary account known to the tax board."""
    women = world.records("POP", "persons", "AND json_extract(data, '$.sex') = 'F' AND json_extract(data, '$.status') = 'alive' "
                                            "AND json_extract(data, '$.birthDate') BETWEEN '1986-01-01' AND '2003-12-31'")
    accounts = {a["personId"]: a for a in world.records("TAX", "accounts", "AND json_extract(data, '$.primary') = 1")}
    return [{**w, "iban": accounts[w["ID"]]["iban"]} for w in women if w["ID"] in accounts]


def register_birth(world: World, mother: str, born: str = BORN, father: str | None = None, size: int = 1,
                   child: str | None = None) -> str:
    chosen = child
    with world.pop as pop:
        for _ in range(100):
            child = chosen or isikukood.generate(date.fromisoformat(born), "F", next(SERIALS) % 1000)
            answer = pop.post("/population/births", json={
                "birth": {"motherId": mother, "fatherId": father, "birthDate": born, "place": "Tartu", "multipleBirthSize": size},
                "child": {"ID": child, "firstName": "Test", "lastName": "Child", "sex": "F"}})
            if answer.status_code == 201:
                return child
            assert answer.status_code == 409, answer.text
    raise AssertionError("no free personal code")


def register_death(world: World, person: str, day: str) -> str:
    with world.pop as pop:
        answer = pop.post("/population/deaths", json={"death": {"personId": person, "deathDate": day, "place": "Tartu"}})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["death"]["ID"])


def offers_for(world: World, person: str) -> list[dict[str, Any]]:
    with world.sib as sib:
        return list(sib.get("/offers", params={"personId": person}).json()["offers"])


def offer_of_child(world: World, mother: str, child: str, seconds: float = 60) -> dict[str, Any]:
    return until(lambda: next((o for o in offers_for(world, mother) if o["subject"] == child), None), seconds, "the offer appears")  # type: ignore[no-any-return]


def journeys_of(world: World, subject: str) -> list[dict[str, Any]]:
    with world.sib as sib:
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            page = sib.get("/journeys", params={"after": after, "limit": 1000}).json()["journeys"]
            found += [j for j in page if j["subject"] == subject]
            if len(page) < 1000:
                return found
            after = page[-1]["event"]


def settled(world: World, subject: str, count: int = 1, seconds: float = 60) -> list[dict[str, Any]]:
    """The subject's events once ``count`` of them are processed."""
    return until(lambda: (lambda found: found if len([j for j in found if j["state"] == "processed"]) >= count else None)(
        journeys_of(world, subject)), seconds, "the events are handled")  # type: ignore[no-any-return]


def exceptions(world: World) -> list[dict[str, Any]]:
    with world.sib as sib:
        return list(sib.get("/exceptions", params={"limit": 1000}).json()["exceptions"])
