"""The population register's front office: a birth is the child, the birth record and the
relations in one transaction (with its ``newBirth`` event); a death is the death record and the
person's status (with its ``death`` event); bad or repeated registrations change nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tenfold.ids import isikukood
from tenfold.registries import Reader, RegistryService
from tenfold.registries.api import create_registry_app
from tenfold.registries.tables import records
from tenfold.storage.tables import outbox
from tests.registries.conftest import FATHER, MOTHER, person

FRONT_OFFICE = {"Information-Mediator-Client": "DEMO/GOV/POP/registry"}
BABY = isikukood.generate(date(2026, 3, 4), "M", 77)


def _family(service: RegistryService) -> None:
    reader = Reader(client="DEMO/GOV/POP/registry")
    service.create(reader, "persons", "1.0", person(MOTHER, householdId="H-9", addressId="A-9"))
    service.create(reader, "persons", "1.0", person(FATHER, firstName="Jaan", householdId="H-9", addressId="A-9"))


def _birth(**changes: Any) -> dict[str, Any]:
    body = {"birth": {"ID": "B-TEST-1", "motherId": MOTHER, "fatherId": FATHER, "birthDate": "2026-03-04", "place": "Tartu",
                      "multipleBirthSize": 1},
            "child": {"ID": BABY, "firstName": "Mart", "lastName": "Tamm", "sex": "M"}}
    for key, value in changes.items():
        part, name = key.split("__")
        body[part][name] = value
    return body


def _counts(service: RegistryService) -> dict[str, int]:
    with service.engine.connect() as connection:
        rows = connection.execute(select(records.c.registry, func.count()).group_by(records.c.registry)).all()
        events = connection.execute(select(outbox.c.event_type, func.count()).group_by(outbox.c.event_type)).all()
    return {**{r: n for r, n in rows}, **{f"event:{t}": n for t, n in events}}


def test_a_birth_is_registered_whole_with_its_event(pop: RegistryService) -> None:
    _family(pop)
    client = TestClient(create_registry_app(pop))
    answer = client.post("/population/births", json=_birth(), headers=FRONT_OFFICE)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["child"]["householdId"] == "H-9" and body["child"]["addressId"] == "A-9"
    assert {r["fromPersonId"] for r in body["relations"]} == {MOTHER, FATHER}
    counts = _counts(pop)
    assert counts["persons"] == 3 and counts["births"] == 1 and counts["relations"] == 2 and counts["event:newBirth"] == 1
    with pop.engine.connect() as connection:
        event = connection.execute(select(outbox.c.payload).where(outbox.c.event_type == "newBirth")).scalar_one()
    assert event["childId"] == BABY and event["fatherId"] == FATHER and event["registeredAt"].endswith("Z")


@pytest.mark.parametrize("changes, status", [
    ({}, 409),                                                      # the same birth again
    ({"birth__ID": "B-TEST-2"}, 409),                               # another birth, same child code
    ({"birth__ID": "B-TEST-3", "child__ID": isikukood.generate(date(2026, 3, 4), "F", 5), "birth__motherId": isikukood.generate(date(1991, 1, 1), "F", 3)}, 404),
    ({"birth__ID": "B-TEST-4", "child__ID": isikukood.generate(date(2026, 3, 4), "F", 6), "birth__birthDate": "2026-02-30"}, 400),
    ({"birth__ID": "B-TEST-5", "child__ID": "123"}, 400),
])
def test_a_bad_or_repeated_birth_changes_nothing(pop_sqlite: RegistryService, changes: dict[str, Any], status: int) -> None:
    _family(pop_sqlite)
    client = TestClient(create_registry_app(pop_sqlite))
    assert client.post("/population/births", json=_birth(), headers=FRONT_OFFICE).status_code == 201
    before = _counts(pop_sqlite)
    answer = client.post("/population/births", json=_birth(**changes), headers=FRONT_OFFICE)
    assert answer.status_code == status, answer.text
    assert _counts(pop_sqlite) == before


def test_a_death_marks_the_person_and_raises_its_event_once(pop: RegistryService) -> None:
    _family(pop)
    client = TestClient(create_registry_app(pop))
    body = {"death": {"personId": FATHER, "deathDate": "2026-05-01", "place": "Tartu"}}
    answer = client.post("/population/deaths", json=body, headers=FRONT_OFFICE)
    assert answer.status_code == 201, answer.text
    assert answer.json()["death"]["ID"].startswith("D-")
    read = client.post("/data/persons/1.0/read", json={"query": {"content": {"ID": FATHER}}}, headers=FRONT_OFFICE).json()["content"]
    assert read["status"] == "deceased" and read["deathDate"] == "2026-05-01"
    assert client.post("/population/deaths", json=body, headers=FRONT_OFFICE).status_code == 409
    assert _counts(pop)["event:death"] == 1
    early = {"death": {"personId": MOTHER, "deathDate": "1950-01-01", "place": "Tartu"}}
    assert client.post("/population/deaths", json=early, headers=FRONT_OFFICE).status_code == 400
    assert client.post("/population/deaths", json=body, headers={}).status_code == 400
