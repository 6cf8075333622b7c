"""The message log's journal: acknowledged entries survive a killed gateway and reach the tables."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from tenfold.exchange import messagelog as messagelog_module
from tenfold.exchange.journal import Frame, Journal, _read
from tenfold.exchange.logverify import verify_log
from tenfold.exchange.messagelog import LogRecord, MessageLog, decode_header
from tenfold.exchange.store import migrate
from tenfold.exchange.tables import messagelog, opmon, tracker
from tenfold.storage import make_engine
from tests.exchange.keys import Keys, provisioned

POP = "DEMO/GOV/POP"
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return provisioned(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """POP's database, migrated and empty."""
    found = make_engine(f"sqlite:///{tmp_path / 'pop.sqlite'}")
    migrate(found)
    return found


def frame(seq: int, body: bytes = b"entry") -> Frame:
    tracked = {"person_id": "38001085718", "at": NOW, "client": "DEMO/GOV/SIB/benefits", "service": "s", "purpose": None,
               "user_id": None, "issue": None, "message_id": f"m-{seq}", "lawful_basis": None, "data_agreement": None,
               "consent_record": None}
    return Frame([{"seq": seq, "message_id": f"m-{seq}", "entry": body + b"\n\x00\xff", "hash": bytes([seq]) * 32}], [tracked])


def test_frames_come_back_as_written_in_sequence_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "pop.sqlite")
    journal.append(frame(1))
    journal.turn()
    journal.append(frame(2, b"x" * 5000))
    found = journal.frames()
    assert [f.last_seq for f in found] == [1, 2]
    assert found[1].log_rows[0]["entry"] == b"x" * 5000 + b"\n\x00\xff" and found[1].log_rows[0]["hash"] == bytes([2]) * 32
    assert found[0].tracker_rows[0]["at"] == NOW  # a datetime again, for the table
    journal.close()


def test_a_frame_cut_short_ends_the_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "pop.sqlite")
    journal.append(frame(1))
    journal.append(frame(2))
    journal.close()
    path = tmp_path / "pop.sqlite-messagelog.0"
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # a power cut in the middle of the second write
    assert sequences(tmp_path / "pop.sqlite") == [1]
    path.write_bytes(data[:-3] + b"\x00\x00\x00")  # the same length, other bytes: the checksum fails
    assert sequences(tmp_path / "pop.sqlite") == [1]


def sequences(database: Path) -> list[int]:
    journal = Journal(database)
    try:
        return [f.last_seq for f in journal.frames()]
    finally:
        journal.close()


def test_a_write_the_disk_refuses_is_cut_off_and_later_frames_stay_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(tmp_path / "pop.sqlite")
    journal.append(frame(1))
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError):
        journal.append(frame(2))
    monkeypatch.setattr(os, "write", real_write)
    journal.append(frame(3))
    assert [f.last_seq for f in journal.frames()] == [1, 3]
    journal.close()


def test_entries_are_answered_from_the_journal_and_reach_the_tables(engine: Engine, tmp_path: Path, keys: Keys) -> None:

    async def scenario() -> None:
        log = MessageLog(engine, journal=True)
        log.start()
        futures = [log.submit([LogRecord("request", f"m-{i}", {}, b"ask"), LogRecord("response", f"m-{i}", {}, b"answer")])
                   for i in range(5)]
        assert await asyncio.gather(*futures) == [10] * 5  # type: ignore[arg-type]
        assert log.flushes == 0 and log.committed == 0  # durable in the journal, not yet in the tables
        await log.flush()
        assert log.flushes == 1 and log.committed == 10
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.seq).order_by(messagelog.c.seq)).scalars().all() == list(range(1, 11))
    assert verify_log(engine, POP, keys.anchor).intact
    assert all(p.stat().st_size == 0 for p in tmp_path.glob("pop.sqlite-messagelog.*"))  # emptied once in the tables


def test_the_tables_catch_up_by_themselves(engine: Engine) -> None:

    async def scenario() -> None:
        log = MessageLog(engine, journal=True)
        log.start()
        await log.submit([LogRecord("request", "m-1", {}, b"ask")])  # type: ignore[misc]
        await asyncio.sleep(messagelog_module.FLUSH_SECONDS * 4)
        assert log.committed == 1
        await log.close()

    asyncio.run(scenario())


def test_an_exchange_alone_is_journaled_before_submit_returns_with_what_waited(engine: Engine, tmp_path: Path, keys: Keys) -> None:

    async def scenario() -> None:
        log = MessageLog(engine, journal=True)
        log.start()
        request = log.submit([LogRecord("request", "m-1", {}, b"ask")], defer=True)
        assert request is not None and not request.done()  # waits for its response
        response = log.submit([LogRecord("response", "m-1", {}, b"answer")], now=True)
        assert response is not None and response.done() and request.done()  # no turn of the loop
        assert (request.result(), response.result()) == (2, 2)  # durable up to the batch's last entry
        written = [f for name in ("pop.sqlite-messagelog.0", "pop.sqlite-messagelog.1") for f in _read((tmp_path / name).read_bytes())]
        assert [[r["seq"] for r in f.log_rows] for f in written] == [[1, 2]]  # on disk, in one frame
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.seq).order_by(messagelog.c.seq)).scalars().all() == [1, 2]
    assert verify_log(engine, POP, keys.anchor).intact


KILLED = """
import asyncio, os, signal, sys
from tenfold.exchange import messagelog
from tenfold.exchange.messagelog import LogRecord, MessageLog
from tenfold.storage import make_engine
messagelog.FLUSH_SECONDS = 3600  # nothing reaches the tables before the kill

async def main():
    log = MessageLog(make_engine(sys.argv[1]), journal=True)
    log.start()
    for i in range(20):
        tracked = [{"person_id": "38001085718", "at": __import__("datetime").datetime.now(__import__("datetime").UTC),
                    "client": "DEMO/GOV/SIB/benefits", "service": "s", "purpose": "test", "user_id": None, "issue": None,
                    "message_id": f"m-{i}", "lawful_basis": None, "data_agreement": None, "consent_record": None}]
        await log.submit([LogRecord("request", f"m-{i}", {}, b"ask"), LogRecord("response", f"m-{i}", {}, b"answer")], tracked)
    print("acknowledged", log.head.seq, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_a_killed_gateway_loses_no_acknowledged_entry(tmp_path: Path, keys: Keys) -> None:
    url = f"sqlite:///{tmp_path / 'pop.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    done = subprocess.run([sys.executable, "-c", KILLED, url], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.split() == ["acknowledged", "40"]
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.seq)).first() is None  # only the journal has them
    asyncio.run(MessageLog(engine, journal=True).close())  # what a restarted gateway does first
    with engine.connect() as connection:
        entries = connection.execute(select(messagelog.c.entry).order_by(messagelog.c.seq)).scalars().all()
        tracked = connection.execute(select(tracker.c.message_id)).scalars().all()
    assert [decode_header(bytes(e))["seq"] for e in entries] == list(range(1, 41))
    assert sorted(tracked) == sorted(f"m-{i}" for i in range(20))
    assert verify_log(engine, POP, keys.anchor).intact
    asyncio.run(MessageLog(engine, journal=True).close())  # a second start writes nothing twice
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM exchange_messagelog")).scalar() == 40


def test_a_database_that_refuses_the_entries_gets_them_when_it_takes_them_again(engine: Engine) -> None:
    row = {"at": NOW, "role": "provider", "method": "GET", "status": 200, "request_bytes": 0, "response_bytes": 0, "duration_ms": 0}

    async def scenario() -> None:
        log = MessageLog(engine, journal=True)
        log.start()
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE exchange_opmon RENAME TO exchange_opmon_away"))
        assert await log.submit([LogRecord("request", "m-1", {}, b"")], opmon_rows=[row]) == 1  # type: ignore[misc]
        await log.flush()
        assert log.committed == 0  # refused: still in the journal
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE exchange_opmon_away RENAME TO exchange_opmon"))
        await log.flush()
        assert log.committed == 1
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.message_id)).scalars().all() == ["m-1"]
        assert connection.execute(text("SELECT count(*) FROM exchange_opmon")).scalar() == 1
    assert opmon.name == "exchange_opmon"


def test_new_messages_are_refused_once_the_journal_holds_too_much_the_database_refuses(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from tenfold.exchange.messagelog import LoggingFailed

    monkeypatch.setattr(messagelog_module, "MAX_UNFLUSHED", 4)

    async def scenario() -> None:
        log = MessageLog(engine, journal=True)
        log.start()
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE exchange_messagelog RENAME TO exchange_messagelog_away"))
        for i in range(2):
            await log.submit([LogRecord("request", f"m-{i}", {}, b""), LogRecord("response", f"m-{i}", {}, b"")])  # type: ignore[misc]
            await log.flush()
        with pytest.raises(LoggingFailed):  # not answered: nothing more would be on record in the tables soon
            await log.submit([LogRecord("request", "m-2", {}, b"")])  # type: ignore[misc]
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE exchange_messagelog_away RENAME TO exchange_messagelog"))
        await log.close()

    asyncio.run(scenario())
    with engine.connect() as connection:
        assert connection.execute(select(messagelog.c.message_id).order_by(messagelog.c.seq)).scalars().all() == ["m-0", "m-0", "m-1", "m-1"]


def test_a_second_writer_of_the_same_log_is_refused_with_one_clear_error(tmp_path: Path) -> None:
    from tenfold.exchange.journal import JournalBusy

    first = Journal(tmp_path / "pop.sqlite")
    with pytest.raises(JournalBusy, match="another process writes the message log of pop.sqlite"):
        Journal(tmp_path / "pop.sqlite")
    first.close()
    Journal(tmp_path / "pop.sqlite").close()  # free again once the first is gone
