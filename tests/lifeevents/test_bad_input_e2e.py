"""Bad input and unreliable delivery, each with a clear outcome and no double decision or
payment: an event naming a person POP does not know, a delivery repeated and the same birth by
another door (an OpenCRVS-style webhook, the sweep), a death that arrives before the birth is
handled, a confirmation by someone else, an expired offer; and the simulator's schedule."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections import Counter
from datetime import date

import orjson
import pytest

from tenfold.ids import isikukood
from tests.lifeevents.country import SECRET, World
from tests.lifeevents.journeys import (exceptions, mothers, offer_of_child, offers_for, register_birth, register_death,
                                       settled)

pytestmark = pytest.mark.slow
ROOM = "DEMO/GOV/POP/vital-events"


def _push(world: World, event_type: str, event: dict, event_id: str | None = None):  # type: ignore[no-untyped-def, type-arg]
    """A delivery as POP's room pushes it (what SIB's gateway forwards to the inbox)."""
    body = {"id": event_id or str(uuid.uuid4()), "eventType": event_type, "event": event, "room": ROOM}
    with world.sib as sib:
        return sib.post(f"/inbox/{event_type}", json=body, headers={"X-Road-Client": ROOM})


def _webhook(world: World, record: dict, secret: str = SECRET):  # type: ignore[no-untyped-def, type-arg]
    body = orjson.dumps(record)
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    with world.sib as sib:
        return sib.post("/webhooks/opencrvs", content=body, headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"})


def test_an_event_naming_an_unknown_person_ends_in_the_exception_queue_until_the_register_knows_it(world: World) -> None:
    world.set_day("2026-03-03")
    stranger, mother = isikukood.generate(date(2026, 3, 1), "M", 777), mothers(world)[6]["ID"]
    event = {"birthId": "B-UNKNOWN", "childId": stranger, "motherId": mother, "birthDate": "2026-03-01",
             "place": "Tartu", "multipleBirthSize": 1}
    assert _push(world, "newBirth", event).status_code == 202
    [journey] = settled(world, stranger, seconds=90)
    assert journey["outcome"] == "person_unknown" and journey["offerId"] is None
    assert any(e["reasonCode"] == "person_not_found" and "childId" in e["text"]["en"] for e in exceptions(world))
    # The civil registration system was ahead of the register: once POP has the birth, it is handled.
    register_birth(world, mother, born="2026-03-01", child=stranger)
    assert offer_of_child(world, mother, stranger)["subject"] == stranger


def test_a_repeated_delivery_and_another_door_give_one_offer(world: World) -> None:
    world.set_day("2026-03-03")
    mother = mothers(world)[7]["ID"]
    child = register_birth(world, mother)
    offer = offer_of_child(world, mother, child)
    event = {"birthId": "B-X", "childId": child, "motherId": mother, "birthDate": "2026-03-02", "place": "Tartu", "multipleBirthSize": 1}
    first, again = _push(world, "newBirth", event, "repeat-1"), _push(world, "newBirth", event, "repeat-1")
    assert first.status_code == 202 and again.status_code == 200 and again.json() == {"id": first.json()["id"], "duplicate": True}
    record = {"id": "rec-1", "type": "birth", "action": {"id": f"act-{child}", "type": "REGISTER", "createdAt": "2026-03-02T10:00:00Z"},
              "declaration": {"child.nid": child, "mother.nid": mother, "child.dob": "2026-03-02"}}
    assert _webhook(world, record).status_code == 202
    assert _webhook(world, record).json()["duplicate"] is True           # OpenCRVS retries until it gets a 2xx
    assert _webhook(world, record, secret="wrong").status_code == 401
    handled = settled(world, child, count=3)
    assert sorted(j["outcome"] for j in handled) == ["already_handled", "already_handled", "offer_created"]
    assert [o["id"] for o in offers_for(world, mother) if o["subject"] == child] == [offer["id"]]


def test_a_death_that_arrives_before_the_birth_is_handled_waits_for_it(world: World) -> None:
    world.set_day("2026-03-03")
    mother = mothers(world)[8]["ID"]
    child = register_birth(world, mother)
    death_id = register_death(world, child, "2026-03-02")
    # The death is also delivered by a door of its own, at once, usually before the birth reaches
    # SIB: whatever the order, the death is acted on once and no offer that could be confirmed is
    # left for the child (a death whose birth SIB holds waits for it: see test_intake_and_queue).
    _push(world, "death", {"deathId": death_id, "personId": child, "deathDate": "2026-03-02", "place": "Tartu"}, "early-death")
    handled = settled(world, child, count=3, seconds=90)
    deaths = [j for j in handled if j["type"] == "death"]
    assert sorted(j["outcome"] for j in deaths) == ["already_handled", "death_handled"]
    family = [o for o in offers_for(world, mother) if o["subject"] == child and o["program"] == "family_benefits"]
    assert all(o["state"] == "expired" for o in family)            # withdrawn by the death, if it was made at all
    if not family:
        assert any(e["reasonCode"] == "child_deceased" for e in exceptions(world))
    [funeral] = [o for o in offers_for(world, mother) if o["subject"] == child and o["program"] == "funeral_grant"]
    assert funeral["addressee"] == mother
    assert Counter(j["type"] for j in handled)["birth"] == 1


def test_someone_elses_or_an_expired_offer_cannot_be_confirmed(world: World) -> None:
    world.set_day("2026-03-03")
    mother, other = mothers(world)[9]["ID"], mothers(world)[10]["ID"]
    child = register_birth(world, mother)
    offer = offer_of_child(world, mother, child)
    with world.portal(other, **{"Idempotency-Key": "theirs"}) as portal:
        refused = portal.post(f"/offers/{offer['id']}/confirm", json={})
        hidden = portal.get(f"/offers/{offer['id']}")
    assert refused.status_code == 403 and hidden.status_code == 404
    world.set_day("2026-09-03")                                         # past the six months
    try:
        with world.portal(mother, **{"Idempotency-Key": "late"}) as portal:
            late = portal.post(f"/offers/{offer['id']}/confirm", json={})
    finally:
        world.set_day("2026-03-03")
    assert late.status_code == 410 and "expired" in late.json()["detail"]
    with world.sib as sib:
        assert sib.get(f"/offers/{offer['id']}").json()["state"] == "expired"


def test_the_sweep_takes_in_what_sib_missed_once(world: World) -> None:
    world.set_day("2026-03-03")
    # Births registered before the journeys began were never delivered to SIB: the sweep finds them.
    day = max(b["birthDate"] for b in world.records("POP", "births", "AND json_extract(data, '$.birthDate') < '2026-01-01'"))
    first = json.loads(world.cli("life", "sweep", "--from", day, "--to", day, "--json").stdout)
    second = json.loads(world.cli("life", "sweep", "--from", day, "--to", day, "--json").stdout)
    assert first["takenIn"] >= 1 and first["found"] >= first["takenIn"] and second["takenIn"] == 0
    found = [b["childId"] for b in world.records("POP", "births", "AND json_extract(data, '$.birthDate') = :d", d=day)]
    for child in found:
        assert len(settled(world, child)) == 1


def test_the_simulator_releases_each_scheduled_event_once(world: World) -> None:
    first = json.loads(world.cli("life", "simulate", "--days", "3", "--speed", "0", "--json").stdout)
    second = json.loads(world.cli("life", "simulate", "--days", "3", "--speed", "0", "--json").stdout)
    assert first["days"][-1] < second["days"][0]
    assert not first["refused"] and not second["refused"]
    status = json.loads(world.cli("life", "status", "--json").stdout)
    assert status["events"].get("processed", 0) >= first["births"] + first["deaths"] + second["births"] + second["deaths"]

