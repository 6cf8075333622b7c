"""Event intake and the work queue: every event stored once per (source, event id), whatever
door and however often it comes; claims leased so that no two workers take the same event; a
failure retried with backoff and, at the last attempt, put in the exception queue; a worker that
lost its lease cannot finish the event."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from tenfold.errors import InvalidInput
from tenfold.lifeevents import intake, queue
from tenfold.lifeevents.records import now
from tenfold.lifeevents.service import LifeEvents
from tenfold.lifeevents.tables import exception_queue, life_events
from tests.lifeevents.conftest import BABY, MOTHER

ROOM = "DEMO/GOV/POP/vital-events"
BIRTH = {"birthId": "B-1", "childId": BABY, "motherId": MOTHER, "fatherId": None, "birthDate": "2026-01-10", "place": "Tartu",
         "multipleBirthSize": 1, "registeredAt": "2026-01-10T10:00:00.123456Z"}


def _events(life: LifeEvents) -> int:
    with life.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(life_events)).scalar_one())


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["DEMO/GOV/POP/vital-events", "opencrvs", "sweep:DEMO/GOV/POP"]),
                          st.sampled_from(["e1", "e2", "e3", "e4"])), min_size=1, max_size=12))
def test_each_source_and_event_id_is_stored_once(life_sqlite: LifeEvents, arrivals: list[tuple[str, str]]) -> None:
    with life_sqlite.engine.begin() as connection:
        connection.execute(life_events.delete())
    seen: dict[tuple[str, str], int] = {}
    for source, event_id in arrivals:
        stored = life_sqlite.receive(source, event_id, "birth", BIRTH, {"raw": True}, None, None)
        assert stored.duplicate == ((source, event_id) in seen)
        assert seen.setdefault((source, event_id), stored.id) == stored.id
    assert _events(life_sqlite) == len(set(arrivals))


def test_a_room_delivery_is_checked_and_normalised(life: LifeEvents) -> None:
    delivery = {"id": "ev-1", "eventType": "newBirth", "event": BIRTH, "room": ROOM}
    assert intake.from_room(delivery, ROOM, ROOM) == (ROOM, "ev-1", "birth", BIRTH)
    assert intake.from_room({**delivery, "eventType": "addressChange"}, ROOM, ROOM) is None
    with pytest.raises(InvalidInput, match="room"):
        intake.from_room(delivery, "DEMO/GOV/TAX/vital-events", ROOM)
    with pytest.raises(InvalidInput):
        intake.from_room({"id": 5}, ROOM, ROOM)
    with pytest.raises(InvalidInput, match="birthDate"):
        life.receive(ROOM, "ev-2", "birth", {**BIRTH, "birthDate": "10.01.2026"}, {}, None, None)
    stored = life.receive(ROOM, "ev-1", "birth", BIRTH, delivery, "00-abc-def-01", "DEMO-xyz")
    with life.engine.connect() as connection:
        row = connection.execute(select(life_events).where(life_events.c.id == stored.id)).one()
    assert row.subject == BABY and row.state == "received" and row.message_id == "DEMO-xyz"
    assert row.registered_at.microsecond == 123456


def _signed(body: bytes, secret: str = "s3cret") -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_an_opencrvs_webhook_is_verified_and_mapped() -> None:
    record = {"id": "rec-1", "type": "birth", "trackingId": "BTRACK1",
              "action": {"id": "act-1", "type": "REGISTER", "createdAt": "2026-01-10T10:00:00Z", "registrationNumber": "2026BR1"},
              "declaration": {"child.nid": BABY, "mother.nid": MOTHER, "child.dob": "2026-01-10", "child.placeOfBirth": "Tartu"}}
    body = orjson.dumps(record)
    intake.check_signature("s3cret", body, _signed(body))
    for secret, header in (("s3cret", _signed(body, "other")), ("s3cret", None), (None, _signed(body))):
        with pytest.raises(intake.SignatureInvalid):
            intake.check_signature(secret, body, header)
    source, event_id, kind, payload = intake.from_opencrvs(record)
    assert (source, event_id, kind) == ("opencrvs", "act-1", "birth")
    assert payload["birthId"] == "2026BR1" and payload["childId"] == BABY and payload["multipleBirthSize"] == 1
    assert intake.from_opencrvs({**record, "action": {**record["action"], "type": "VALIDATE"}}) is None
    with pytest.raises(InvalidInput, match="child.dob"):
        intake.from_opencrvs({**record, "declaration": {**record["declaration"], "child.dob": None}})


def _failing(life: LifeEvents, **changes: object) -> queue.Claimed:
    life.receive(ROOM, "ev-1", "birth", BIRTH, {}, None, None)
    [claimed] = queue.claim(life.engine, 10, 60, 3)
    return claimed


def test_a_failure_is_retried_then_queued_for_a_caseworker(life: LifeEvents) -> None:
    claimed = _failing(life)
    assert queue.claim(life.engine, 10, 60, 3) == []                    # leased: nobody else takes it
    for attempt in (1, 2):
        assert queue.fail(life.engine, claimed, "POP did not answer", max_attempts=3, base=0.01, ceiling=0.01, kind="birth") == "error"
        with life.engine.begin() as connection:                          # the backoff has passed
            connection.execute(update(life_events).values(next_attempt_at=now() - timedelta(seconds=1)))
        [claimed] = queue.claim(life.engine, 10, 60, 3)
        assert claimed.attempts == attempt + 1
    assert queue.fail(life.engine, claimed, "POP did not answer", max_attempts=3, base=0.01, ceiling=0.01, kind="birth") == "error"
    assert queue.claim(life.engine, 10, 60, 3) == []
    with life.engine.connect() as connection:
        cases = connection.execute(select(exception_queue.c.reason_code, exception_queue.c.params)).all()
    assert [c.reason_code for c in cases] == ["event_failed"] and cases[0].params["attempts"] == 3
    assert queue.retry(life.engine, claimed.id) and queue.claim(life.engine, 10, 60, 3)[0].attempts == 1


def test_a_worker_that_lost_its_lease_cannot_finish(life: LifeEvents) -> None:
    claimed = _failing(life)
    with life.engine.begin() as connection:
        connection.execute(update(life_events).values(lease_until=now() - timedelta(seconds=1)))
    [again] = queue.claim(life.engine, 10, 60, 3)                        # the lease ran out: taken again
    with life.engine.begin() as connection:
        assert not queue.finish(connection, claimed, "offer_created")
        assert queue.finish(connection, again, "offer_created")
    assert queue.fail(life.engine, claimed, "late", max_attempts=3, base=1, ceiling=1, kind="birth") == "lost"


def test_a_deferral_does_not_count_as_an_attempt(life: LifeEvents) -> None:
    claimed = _failing(life)
    queue.defer(life.engine, claimed, "waiting for the birth", 0)
    [again] = queue.claim(life.engine, 10, 60, 3)
    assert again.attempts == 1


def test_concurrent_workers_never_take_the_same_event(life: LifeEvents) -> None:
    for n in range(40):
        life.receive(ROOM, f"ev-{n}", "birth", {**BIRTH, "childId": f"{BABY}{n}"[-11:]}, {}, None, None)
    taken: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            claimed = queue.claim(life.engine, 3, 60, 3)
            if not claimed:
                return
            with lock:
                taken.extend(c.id for c in claimed)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 40


def test_a_death_waits_while_the_same_persons_birth_is_unhandled(life: LifeEvents) -> None:
    import asyncio

    life.receive(ROOM, "birth-1", "birth", BIRTH, {}, None, None)
    life.receive(ROOM, "death-1", "death", {"deathId": "D-1", "personId": BABY, "deathDate": "2026-01-11"}, {}, None, None)
    with life.engine.begin() as connection:   # the birth is being handled by another worker
        connection.execute(update(life_events).where(life_events.c.event_id == "birth-1").values(state="processing"))
    [death] = queue.claim(life.engine, 10, 60, 3)
    assert asyncio.run(life.journeys.handle(death)) == "deferred"
    with life.engine.connect() as connection:
        row = connection.execute(select(life_events).where(life_events.c.id == death.id)).one()
    assert (row.state, row.attempts, row.last_error) == ("received", 0, "waiting for the person's birth to be handled")
