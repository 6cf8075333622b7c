"""The exchange's storage on SQLite and on PostgreSQL: the same code, the same results."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tenfold.exchange import delivery, pubsub, rights, tracker
from tenfold.exchange.logverify import verify_log
from tenfold.exchange.store import migrate
from tenfold.storage import make_engine, outbox
from tests.exchange.keys import Keys, provisioned
from tests.exchange.test_messagelog import PERSON, countersigned_checkpoint, write

ROOM = pubsub.Room("DEMO/GOV/POP/vital-events", frozenset({("DEMO/GOV/SIB/benefits", "death")}))
DEATH = {"deathId": "D-1", "personId": "36102030075", "deathDate": "2026-02-01", "place": "Tartu"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return provisioned(Path(tmp_path_factory.mktemp("keys")))


@pytest.fixture
def engine(any_database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(any_database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_the_log_and_its_checkpoints_verify(engine, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    write(engine, 30)
    countersigned_checkpoint(engine, keys)
    write(engine, 4, start=30)
    verdict = verify_log(engine, "DEMO/GOV/POP", keys.anchor)
    assert verdict.intact and verdict.entries == 34 and verdict.countersigned == 1
    usage = tracker.find_usage(engine, PERSON, limit=3)
    assert [u["messageId"] for u in usage] == ["m-33", "m-32", "m-31"]


def test_the_outbox_feeds_a_room_and_pull_acknowledges(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        pubsub.ensure_event_type(connection, ROOM.id, "death", {"type": "object", "required": ["deathId"]})
        pubsub.ensure_subscription(connection, ROOM.id, "death", "DEMO/GOV/SIB/benefits", "PULL")
        outbox.append(connection, event_type="death", source="DEMO/GOV/POP", payload=DEATH)
        outbox.append(connection, event_type="registry.update", source="DEMO/GOV/POP", payload={})
    publisher = delivery.OutboxPublisher(engine, {"death": [ROOM.id]}, "DEMO/GOV/POP", 0.1)
    assert publisher.publish_pending() == 1
    assert publisher.publish_pending() == 0
    event = pubsub.pull(engine, ROOM, "death", "DEMO/GOV/SIB/benefits")
    assert event["event"] == DEATH
    pubsub.acknowledge(engine, ROOM, "death", "DEMO/GOV/SIB/benefits", event["id"])
    with pytest.raises(pubsub.NotFound):
        pubsub.pull(engine, ROOM, "death", "DEMO/GOV/SIB/benefits")


def test_push_claims_lease_and_dead_letter(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        pubsub.ensure_event_type(connection, ROOM.id, "death", {"type": "object"})
        pubsub.ensure_subscription(connection, ROOM.id, "death", "DEMO/GOV/SIB/benefits", "PUSH")
    pubsub.publish(engine, ROOM, "death", "DEMO/GOV/POP/registry", DEATH)
    [push] = delivery.claim_due(engine)
    assert delivery.claim_due(engine) == []  # leased
    assert delivery.record_outcome(engine, push, "down", max_attempts=1, base=0.1, ceiling=1) == "dead"
    assert delivery.replay(engine) == 1
    [again] = delivery.claim_due(engine)
    assert delivery.record_outcome(engine, again, None, max_attempts=1, base=0.1, ceiling=1) == "delivered"


def test_local_rights_override_declared_ones(engine) -> None:  # type: ignore[no-untyped-def]
    service, client = "DEMO/GOV/POP/registry/echo", "DEMO/GOV/SIB/benefits"
    declared = [(service, rights.Right.of(client, ["GET"], ["/data/**"]))]
    assert rights.build_table(declared, rights.load_local(engine)).allows(service, client, "GET", "/data/x")
    rights.deny(engine, service, client)
    assert not rights.build_table(declared, rights.load_local(engine)).allows(service, client, "GET", "/data/x")
    rights.allow(engine, service, rights.Right.of(client, ["POST"], ["/x"]))
    table = rights.build_table(declared, rights.load_local(engine))
    assert table.allows(service, client, "POST", "/x") and not table.allows(service, client, "GET", "/data/x")


def test_a_message_log_writer_on_this_backend_is_fast_enough_to_batch(engine) -> None:  # type: ignore[no-untyped-def]
    from tenfold.exchange.messagelog import LogRecord, MessageLog

    async def scenario() -> int:
        log = MessageLog(engine)
        log.start()
        futures = [log.submit([LogRecord("request", f"b-{n}", {}, b"x")]) for n in range(200)]
        seqs = await asyncio.gather(*futures)  # type: ignore[arg-type]
        await log.close()
        return max(seqs)

    assert asyncio.run(scenario()) == 200
