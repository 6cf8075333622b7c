"""The message log: hash-chained, checkpointed, countersigned, and proven intact or not."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, text, update

from tenfold.exchange.central import CheckpointIn
from tenfold.exchange.checkpoints import Checkpointer, checkpoint_payload
from tenfold.exchange.logverify import verify_log
from tenfold.exchange.messagelog import LoggingFailed, LogRecord, MessageLog, chain, decode_header
from tenfold.exchange.store import migrate
from tenfold.exchange.tables import checkpoints, messagelog, opmon, tracker
from tenfold.ids import isikukood
from tenfold.storage import make_engine
from tests.exchange.keys import Keys, provisioned

POP = "DEMO/GOV/POP"
PERSON = isikukood.generate(date(1990, 5, 17), "F", 12)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return provisioned(Path(tmp_path_factory.mktemp("keys")))


def write(engine: Engine, count: int, payloads: str = "full", start: int = 0) -> None:
    async def scenario() -> None:
        log = MessageLog(engine, payloads)  # type: ignore[arg-type]
        log.start()
        futures = [log.submit([LogRecord("request", f"m-{n}", {"client": "DEMO/GOV/SIB/benefits", "path": f"/data/{n}"}, b"body %d" % n)],
                              [{"person_id": PERSON, "at": datetime.now(UTC), "client": "c", "service": "s", "purpose": None,
                                "user_id": None, "issue": None, "message_id": f"m-{n}"}])
                   for n in range(start, start + count)]
        await asyncio.gather(*futures)  # type: ignore[arg-type]
        await log.close()

    asyncio.run(scenario())


def countersigned_checkpoint(engine: Engine, keys: Keys) -> int:
    from tenfold.exchange.messagelog import read_head

    with engine.connect() as connection:
        head = read_head(connection)
    checkpointer = Checkpointer(engine, POP, keys.signer("POP"), keys.anchor, 10, 60)
    row = checkpointer.make(head)
    answer = keys.central.countersign(CheckpointIn(**checkpoint_payload(row)))
    checkpointer._store(head.seq, datetime.fromisoformat(answer["central_time"]), bytes.fromhex(answer["signature"]))
    return head.seq


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A member database, migrated, with an empty log."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    migrate(engine)
    return engine


@pytest.fixture
def logged(tmp_path: Path, keys: Keys) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'pop.sqlite'}")
    migrate(engine)
    write(engine, 20)
    countersigned_checkpoint(engine, keys)
    write(engine, 5, start=20)
    return engine


def test_an_untouched_log_is_intact(logged: Engine, keys: Keys) -> None:
    verdict = verify_log(logged, POP, keys.anchor)
    assert verdict.intact and verdict.entries == 25 and verdict.checkpoints == 1 and verdict.countersigned == 1


def test_each_entry_holds_the_hash_of_the_previous(logged: Engine) -> None:
    with logged.connect() as connection:
        rows = connection.execute(select(messagelog).order_by(messagelog.c.seq)).all()
    previous = bytes(32)
    for row in rows:
        assert bytes(row.hash) == chain(previous, bytes(row.entry))
        previous = bytes(row.hash)
    assert decode_header(bytes(rows[3].entry))["seq"] == 4


def test_a_changed_byte_names_its_entry(logged: Engine, keys: Keys) -> None:
    with logged.begin() as connection:
        entry = bytes(connection.execute(select(messagelog.c.entry).where(messagelog.c.seq == 7)).scalar_one())
        connection.execute(update(messagelog).where(messagelog.c.seq == 7).values(entry=entry[:-1] + b"X"))
    verdict = verify_log(logged, POP, keys.anchor)
    assert not verdict.intact and verdict.bad_seq == 7 and "changed" in (verdict.problem or "")


def test_reordered_entries_are_caught(logged: Engine, keys: Keys) -> None:
    with logged.begin() as connection:
        rows = {r.seq: r for r in connection.execute(select(messagelog).where(messagelog.c.seq.in_([11, 12])))}
        for seq, other in ((11, 12), (12, 11)):
            connection.execute(update(messagelog).where(messagelog.c.seq == seq).values(
                entry=rows[other].entry, hash=rows[other].hash, message_id=rows[other].message_id))
    verdict = verify_log(logged, POP, keys.anchor)
    assert verdict.bad_seq == 11 and "reordered" in (verdict.problem or "")


def test_a_deleted_entry_is_caught(logged: Engine, keys: Keys) -> None:
    with logged.begin() as connection:
        connection.execute(delete(messagelog).where(messagelog.c.seq == 15))
    verdict = verify_log(logged, POP, keys.anchor)
    assert verdict.bad_seq == 15 and "missing" in (verdict.problem or "")


def test_a_deleted_tail_is_caught_by_a_checkpoint(logged: Engine, keys: Keys) -> None:
    with logged.begin() as connection:
        connection.execute(delete(messagelog).where(messagelog.c.seq >= 18))
    verdict = verify_log(logged, POP, keys.anchor)
    assert verdict.bad_seq == 18 and "missing" in (verdict.problem or "")


def test_a_rewritten_chain_is_caught_by_the_countersigned_checkpoint(logged: Engine, keys: Keys) -> None:
    with logged.begin() as connection:
        rows = connection.execute(select(messagelog).order_by(messagelog.c.seq)).all()
        previous = bytes(rows[8].hash)
        for row in rows[9:]:
            entry = bytes(row.entry).replace(b"body", b"BODY")
            previous = chain(previous, entry)
            connection.execute(update(messagelog).where(messagelog.c.seq == row.seq).values(entry=entry, hash=previous))
    verdict = verify_log(logged, POP, keys.anchor)
    assert verdict.bad_seq == 20 and "rewritten" in (verdict.problem or "")


def test_a_forged_checkpoint_signature_is_caught(logged: Engine, keys: Keys) -> None:
    with logged.begin() as connection:
        signature = bytes(connection.execute(select(checkpoints.c.central_signature)).scalar_one())
        connection.execute(update(checkpoints).values(central_signature=signature[:-2] + b"\x00\x00"))
    verdict = verify_log(logged, POP, keys.anchor)
    assert not verdict.intact and "countersignature" in (verdict.problem or "")


def test_a_restarted_writer_continues_the_chain(logged: Engine, keys: Keys) -> None:
    write(logged, 3, start=100)
    verdict = verify_log(logged, POP, keys.anchor)
    assert verdict.intact and verdict.entries == 28


def test_tracker_rows_are_written_with_their_entries(logged: Engine) -> None:
    with logged.connect() as connection:
        assert connection.execute(select(tracker.c.message_id)).scalars().all()[:2] == ["m-0", "m-1"]


def test_hash_only_storage_keeps_no_body_and_no_path(tmp_path: Path, keys: Keys) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hash.sqlite'}")
    migrate(engine)
    write(engine, 2, payloads="hash")
    with engine.connect() as connection:
        entry = bytes(connection.execute(select(messagelog.c.entry).where(messagelog.c.seq == 1)).scalar_one())
    header = decode_header(entry)
    assert "path" not in header and len(header["body_sha256"]) == 64 and b"body 0" not in entry
    assert verify_log(engine, POP, keys.anchor).intact


def test_a_log_that_cannot_be_written_fails_every_waiting_message(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'broken.sqlite'}")
    migrate(engine)

    async def scenario() -> None:
        log = MessageLog(engine)
        log.start()
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE exchange_opmon"))
        future = log.submit([LogRecord("request", "m", {}, b"")], opmon_rows=[{"at": datetime.now(UTC), "role": "x", "method": "GET",
                                                                                 "status": 200, "request_bytes": 0, "response_bytes": 0,
                                                                                 "duration_ms": 0}])
        with pytest.raises(LoggingFailed):
            await future  # type: ignore[misc]
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        assert connection.execute(select(messagelog)).first() is None
    assert opmon.name == "exchange_opmon"


def test_entries_wait_for_another_writer_of_the_database_and_are_written_after_it(tmp_path: Path) -> None:
    # The registry commits its usage log in the same SQLite file: the log waits for it (off the
    # event loop, in short steps) and answers once its own entries are durable.
    import sqlite3

    path = tmp_path / "pop.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    async def scenario() -> None:
        log = MessageLog(engine)
        log.start()
        other.execute("BEGIN IMMEDIATE")
        future = log.submit([LogRecord("request", "m-1", {}, b"x")])
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, other.execute, "COMMIT")
        assert await future == 1  # type: ignore[misc]
        assert log.busy == 1
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.message_id)).scalars().all() == ["m-1"]
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000  # the pool's connections keep theirs


def test_a_deferred_entry_joins_the_next_commit(engine: Engine) -> None:
    # A request's entry waits for its response: a fast exchange takes one transaction, and the
    # request comes first in the chain.

    async def scenario() -> None:
        log = MessageLog(engine)
        log.start()
        request = log.submit([LogRecord("request", "m-1", {}, b"ask")], defer=True)
        await asyncio.sleep(0.005)  # well within the deferral: nothing is written yet
        assert log.batches == 0 and not request.done()  # type: ignore[union-attr]
        response = log.submit([LogRecord("response", "m-1", {}, b"answer")])
        assert await response == 2 and await request == 2  # type: ignore[misc]
        assert log.batches == 1
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        rows = connection.execute(select(messagelog.c.seq, messagelog.c.entry).order_by(messagelog.c.seq)).all()
    assert [decode_header(bytes(r.entry))["kind"] for r in rows] == ["request", "response"]


def test_a_deferred_entry_alone_is_written_after_the_deferral(engine: Engine) -> None:
    # An exchange that takes long (or never answers) still has its request on record.
    from tenfold.exchange.messagelog import DEFER_SECONDS


    async def scenario() -> float:
        log = MessageLog(engine)
        log.start()
        started = asyncio.get_running_loop().time()
        assert await log.submit([LogRecord("request", "m-1", {}, b"ask")], defer=True) == 1  # type: ignore[misc]
        waited = asyncio.get_running_loop().time() - started
        await log.close()
        return waited

    waited = asyncio.run(scenario())
    assert DEFER_SECONDS * 0.9 <= waited < DEFER_SECONDS + 1.0
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.message_id)).scalars().all() == ["m-1"]


@pytest.mark.timeout(20)
def test_closing_writes_deferred_entries(engine: Engine) -> None:

    async def scenario() -> None:
        log = MessageLog(engine)
        log.start()
        request = log.submit([LogRecord("request", "m-1", {}, b"ask")], defer=True)
        await log.close()
        assert request.done() and request.result() == 1  # type: ignore[union-attr]

    asyncio.run(scenario())
