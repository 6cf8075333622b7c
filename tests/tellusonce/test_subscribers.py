"""Tell Us Once at PEN, TAX, VEH and LAND: a death delivered from POP's room is acted on once,
on the member's own data (the pension stops from the next month, the tax year is marked for
closing, the estate's vehicles and parcels are flagged), and every action is listed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tenfold.ids import isikukood
from tenfold.registries import Reader, open_service
from tenfold.storage import make_engine
from tenfold.tellusonce import TellUsOnce, migrate
from tenfold.tellusonce.api import ROOM, create_tellusonce_app
from tenfold.tellusonce.tables import estate_flags, tax_year_closings, tuo_actions

from tests.databases import database_url

PERSON = isikukood.generate(date(1950, 2, 3), "M", 12)
OTHER = isikukood.generate(date(1952, 4, 5), "F", 14)
DEATH = {"deathId": "D-77", "personId": PERSON, "deathDate": "2026-03-14", "place": "Tartu"}


def _member(url: str, member: str, registries: list[str], records: dict[str, list[dict[str, Any]]]) -> tuple[TestClient, TellUsOnce]:
    engine = make_engine(url)
    service = open_service(engine, member, registries)
    migrate(engine)
    reader = Reader(client=f"{member}/registry")
    for registry, rows in records.items():
        for row in rows:
            service.create(reader, registry, "1.0", row)
    subscriber = TellUsOnce(engine, service, f"{member}/registry")
    return TestClient(create_tellusonce_app(subscriber, member)), subscriber


def _deliver(client: TestClient, event_id: str = "ev-1", death: dict[str, Any] | None = None, room: str = ROOM) -> Any:
    return client.post("/death", json={"id": event_id, "eventType": "death", "event": death or DEATH, "room": room},
                       headers={"X-Road-Client": room, "X-Road-Id": "DEMO-msg-1"})


def _pension(person: str, n: int) -> dict[str, Any]:
    return {"ID": f"P-{n}", "personId": person, "kind": "old_age", "monthlyAmountCents": 82000, "currency": "EUR",
            "since": "2015-03-01", "status": "active"}


def test_pen_stops_the_pension_from_the_next_month_once(any_database_url: str) -> None:
    client, subscriber = _member(any_database_url, "DEMO/GOV/PEN", ["pensions"], {"pensions": [_pension(PERSON, 1), _pension(OTHER, 2)]})
    first = _deliver(client)
    assert first.status_code == 201
    [action] = first.json()["actions"]
    assert action["action"] == "pension_stopped" and action["detail"]["stopped_from"] == "2026-04-01"
    assert "2026-04-01" in action["text"]["en"] and "2026-04-01" in action["text"]["zh-Hant"]
    again = _deliver(client)                                     # the same delivery again
    other_door = _deliver(client, event_id="ev-2")               # the same death by another event id
    assert again.status_code == other_door.status_code == 200 and again.json()["duplicate"]
    reader = Reader(client="DEMO/GOV/PEN/pensions")
    pensions = {p["personId"]: p for p in subscriber.registries.list(reader, "pensions", "1.0", filters={}).results}
    assert pensions[PERSON]["status"] == "stopped" and pensions[PERSON]["stopReason"] == "death D-77"
    assert pensions[OTHER]["status"] == "active"
    assert [a["action"] for a in client.get("/actions", params={"personId": PERSON}).json()["actions"]] == ["pension_stopped"]


def test_vehicles_and_parcels_of_the_estate_are_flagged(sqlite_url: str, tmp_path: Path) -> None:
    vehicle = {"ID": "WVWZZZ1JZXW000001", "registrationNumber": "123ABC", "ownerId": PERSON, "make": "VW", "model": "Golf",
               "category": "M1", "firstRegistration": "2010-01-01", "valueCents": 300000}
    client, subscriber = _member(sqlite_url, "DEMO/GOV/VEH", ["vehicles"], {"vehicles": [vehicle]})
    [action] = _deliver(client).json()["actions"]
    assert action["action"] == "estate_flagged" and action["detail"]["records"] == ["WVWZZZ1JZXW000001"]
    land, _ = _member(database_url(tmp_path, 'land'), "DEMO/GOV/LAND", ["parcels"], {})
    assert [a["action"] for a in _deliver(land).json()["actions"]] == ["nothing_in_register"]
    with subscriber.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(estate_flags)).scalar_one() == 1


def test_tax_marks_the_year_of_the_death_for_closing(sqlite_url: str) -> None:
    client, subscriber = _member(sqlite_url, "DEMO/GOV/TAX", ["incomes", "accounts"], {})
    [action] = _deliver(client).json()["actions"]
    assert action["action"] == "tax_year_marked_for_closing" and action["detail"] == {"year": 2026}
    _deliver(client)
    with subscriber.engine.connect() as connection:
        assert connection.execute(select(tax_year_closings.c.year, tax_year_closings.c.state)).all() == [(2026, "to_close")]
        assert connection.execute(select(func.count()).select_from(tuo_actions)).scalar_one() == 1


@pytest.mark.parametrize("body, status", [
    ({"id": "ev-9", "eventType": "death", "event": {**DEATH, "deathDate": "14.03.2026"}, "room": ROOM}, 400),
    ({"id": "ev-9", "eventType": "death", "event": DEATH, "room": "DEMO/GOV/TAX/other"}, 400),
    ({"eventType": "death", "event": DEATH, "room": ROOM}, 400),
])
def test_a_bad_delivery_is_refused_and_acts_on_nothing(sqlite_url: str, body: dict[str, Any], status: int) -> None:
    client, subscriber = _member(sqlite_url, "DEMO/GOV/TAX", ["incomes", "accounts"], {})
    answer = client.post("/death", json=body, headers={"X-Road-Client": body.get("room", ROOM)})
    assert answer.status_code == status
    assert client.post("/addressChange", json=body, headers={"X-Road-Client": ROOM}).status_code == 202
    with subscriber.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tuo_actions)).scalar_one() == 0
