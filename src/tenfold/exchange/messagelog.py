"""The message log: every request and response through a gateway, hash-chained, written in
batches, and never acknowledged before it is durable.

Entry bytes are a canonical JSON header line (sequence number, time, kind, message id and the
message's metadata), a newline, and the body itself (payload storage ``full``) or nothing (``hash``:
the header then holds the body's SHA-256 and no path or query, as X-Road does without bodies).
Each row holds ``hash = SHA-256(previous hash || entry)``; the first entry chains to 32 zero bytes.

Writes are group-committed: a handler submits its entries and awaits a future; one writer task
takes everything queued, numbers, encodes and chains it, makes the batch durable with its data
tracker and monitoring rows, and only then resolves the futures. A failure fails every future
of the batch, so the gateway answers ``LoggingFailed`` instead of a response not on record.
Durable means, by database:

- SQLite, in a gateway: appended to the log's journal (:mod:`tenfold.exchange.journal`), the
  guarantee of a WAL commit without fsync (the process may die, the machine may not) for a
  fraction of its cost on the critical path. The journaled entries are inserted into the tables
  every ``FLUSH_SECONDS`` in one transaction on the event loop, at once before anything reads
  them there (``flush``), and on start-up after a crash. The gateway moves WAL checkpoints,
  which do fsync, to a thread.
- PostgreSQL, and a log opened without a journal (a tool, a test): one transaction per batch
  (on SQLite on the event loop itself, on PostgreSQL in a worker thread).

A request's entry may wait a little for its response (``defer``): an exchange answered within
``DEFER_SECONDS`` is written once instead of twice, and one that takes longer has its request on
record after that time all the same. Every N entries or T seconds the gateway signs a checkpoint
of what the tables hold, for CENTRAL to countersign (see :mod:`checkpoints`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable, Literal

import orjson
from sqlalchemy import Connection, Engine, select

from tenfold.exchange.journal import Frame, Journal
from tenfold.exchange.store import BatchWriter, Busy, reason
from tenfold.exchange.tables import messagelog, opmon, tracker

log = logging.getLogger("tenfold.exchange.messagelog")
GENESIS = bytes(32)
DEFER_SECONDS = 0.02  # the longest a deferred entry waits for company before it is written alone
FLUSH_SECONDS = 0.05  # how long journaled entries wait to be inserted into the tables
FLUSH_ENTRIES = 2000  # ... or how many
MAX_UNFLUSHED = 200_000  # entries the journal holds while the database refuses them; then new ones are refused
RETRY_SECONDS = 1.0  # after the database refused a flush
Payloads = Literal["full", "hash"]


@dataclass
class LogRecord:
    """One message as the gateway saw it."""

    kind: Literal["request", "response"]
    message_id: str
    meta: dict[str, Any]
    body: bytes = b""


def encode_entry(seq: int, at: datetime | str, record: LogRecord, payloads: Payloads) -> bytes:
    """``at`` as a datetime, or already as its ``isoformat()`` (a batch shares one time)."""
    header = {"seq": seq, "at": at if isinstance(at, str) else at.isoformat(), "kind": record.kind, "message_id": record.message_id,
              **record.meta}
    if payloads == "full":
        header["body_bytes"] = len(record.body)
        return _json(header) + b"\n" + record.body
    header.pop("path", None)
    header["body_sha256"] = hashlib.sha256(record.body).hexdigest()
    return _json(header) + b"\n"


def _json(header: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(header, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # a header value that was not valid UTF-8: keep its bytes as escapes
        return orjson.dumps(_readable(header), option=orjson.OPT_SORT_KEYS)


def _readable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(v) for v in value]
    return value


def decode_header(entry: bytes) -> dict[str, Any]:
    end = entry.find(b"\n")
    result: dict[str, Any] = orjson.loads(entry if end < 0 else entry[:end])
    return result


def chain(previous: bytes, entry: bytes) -> bytes:
    return hashlib.sha256(previous + entry).digest()


@dataclass
class _Item:
    records: list[LogRecord]
    tracker_rows: list[dict[str, Any]]
    opmon_rows: list[dict[str, Any]]
    future: asyncio.Future[int] | None


@dataclass
class Head:
    seq: int = 0
    hash: bytes = GENESIS
    at: float = field(default_factory=time.monotonic)


def read_head(connection: Connection) -> Head:
    row = connection.execute(select(messagelog.c.seq, messagelog.c.hash).order_by(messagelog.c.seq.desc()).limit(1)).first()
    return Head(row.seq, bytes(row.hash)) if row else Head()


class MessageLog:
    """The single writer of one member's log (one per gateway process)."""

    def __init__(self, engine: Engine, payloads: Payloads = "full", on_commit: Callable[[Head], None] | None = None,
                 journal: bool = False):
        """``journal``: on a SQLite file, make batches durable in the journal and insert them in
        batches (the gateway's choice); elsewhere, and without it, every batch is a transaction."""
        self.engine = engine
        self.payloads = payloads
        self.on_commit = on_commit
        self._queue: list[_Item] = []
        self._wakeup = asyncio.Event()
        self._deferred: asyncio.TimerHandle | None = None  # wakes the writer for entries that waited long enough
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="messagelog")
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._inline = engine.dialect.name == "sqlite"
        self._writer = BatchWriter(engine)
        self.busy = 0  # batches that found the database locked by another process
        self.batches = 0  # batches made durable
        self.flushes = 0  # journaled batches inserted into the tables, in transactions
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._journal = Journal(Path(database)) if journal and database and database != ":memory:" else None
        self._unflushed: list[Frame] = []
        self._unflushed_entries = 0
        self._refused_at = -RETRY_SECONDS  # when the database last refused a flush (monotonic)
        self._flushing = asyncio.Lock()
        self._flush_timer: asyncio.TimerHandle | None = None
        self._flush_task: asyncio.Task[None] | None = None
        with engine.connect() as connection:
            self.head = read_head(connection)
        if self._journal is not None:
            self._recover(self._journal)
        self.committed = self.head.seq  # the last entry in the tables

    def _recover(self, journal: Journal) -> None:
        """Insert what the journal holds and the tables do not (a gateway that was killed)."""
        frames = [f for f in journal.frames() if f.last_seq > self.head.seq]
        if frames:
            self._writer.write(_tables(frames))
            with self.engine.connect() as connection:
                self.head = read_head(connection)
            log.warning("message log: %d entries written from the journal after an unclean stop", sum(len(f.log_rows) for f in frames))
        journal.settle(self.head.seq)

    def submit(
        self, records: list[LogRecord], tracker_rows: list[dict[str, Any]] | None = None,
        opmon_rows: list[dict[str, Any]] | None = None, wait: bool = True, defer: bool = False, now: bool = False,
    ) -> asyncio.Future[int] | None:
        """Queue entries; the future resolves to the last sequence number once they are durable.

        ``defer``: the entries join the next batch that something else starts, or are written
        after ``DEFER_SECONDS`` at the latest. ``now`` (the caller's exchange is the only one in
        flight, so there is nothing to batch them with): with the journal, everything queued is
        made durable before this returns, without a turn of the loop for the writer."""
        loop = asyncio.get_running_loop()
        future = loop.create_future() if wait else None
        self._queue.append(_Item(records, tracker_rows or [], opmon_rows or [], future))
        if now and self._journal is not None and not self._closing:
            self._journal_queued(self._journal)
        elif not defer:
            self._wakeup.set()
        elif self._deferred is None:
            self._deferred = loop.call_later(DEFER_SECONDS, self._wakeup.set)
        return future

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="messagelog-writer")

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task:
            await self._task
        if self._flush_task is not None:
            await self._flush_task
        await self.flush()  # what it cannot write stays in the journal, for the next start
        if self._flush_timer is not None:
            self._flush_timer.cancel()
        if self._journal is not None:
            self._journal.close()
        self._executor.shutdown(wait=True)
        self._writer.close()

    async def flush(self) -> None:
        """Insert the journaled entries into the tables (at once; without a journal there is
        nothing to do). A database that refuses them leaves them in the journal, to try again."""
        if self._journal is None:
            return
        async with self._flushing:
            if self._flush_timer is not None:
                self._flush_timer.cancel()
                self._flush_timer = None
            if not self._unflushed:
                return
            frames, self._unflushed, entries, self._unflushed_entries = self._unflushed, [], self._unflushed_entries, 0
            self._journal.turn()  # what comes meanwhile goes to the other file
            tables = _tables(frames)
            try:
                try:
                    self._writer.write(tables, wait=False)
                except Busy:  # another process is writing: wait for it off the event loop
                    self.busy += 1
                    await asyncio.get_running_loop().run_in_executor(self._executor, self._writer.write, tables)
            except Exception as error:  # noqa: BLE001 - the journal keeps them; the next flush tries again
                log.error("message log: the database did not take the journaled entries (tries again in %s s): %s",
                          RETRY_SECONDS, reason(error))
                self._unflushed[:0] = frames
                self._unflushed_entries += entries
                self._refused_at = time.monotonic()
                self._schedule_flush()
                return
            self.flushes += 1
            last = frames[-1]
            self._journal.settle(last.last_seq)
            self._committed(Head(last.last_seq, last.log_rows[-1]["hash"], time.monotonic()))

    def _schedule_flush(self) -> None:
        refused = time.monotonic() - self._refused_at < RETRY_SECONDS
        if self._unflushed_entries >= FLUSH_ENTRIES and not refused:
            self._start_flush()
        elif self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(RETRY_SECONDS if refused else FLUSH_SECONDS, self._start_flush)

    def _start_flush(self) -> None:
        self._flush_timer = None
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.create_task(self.flush(), name="messagelog-flush")

    def _committed(self, head: Head) -> None:
        self.committed = head.seq
        if self.on_commit:
            self.on_commit(head)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            await asyncio.sleep(0)  # one turn of the loop: entries that are ready join this batch
            self._wakeup.clear()
            if self._deferred is not None:  # whatever waited is in this batch
                self._deferred.cancel()
                self._deferred = None
            if not self._queue:
                if self._closing:
                    return
                continue
            batch, self._queue = self._queue, []
            try:
                if self._journal is not None:
                    head = self._journaled(batch, self._journal)
                elif self._inline:
                    try:
                        head = self._write(batch, self.head, wait=False)
                    except Busy:  # another process is writing: wait for it off the event loop
                        self.busy += 1
                        head = await loop.run_in_executor(self._executor, self._write, batch, self.head)
                else:
                    head = await loop.run_in_executor(self._executor, self._write, batch, self.head)
            except Exception as error:  # the database refused: nothing of this batch is on record
                _refused(batch, error)
                continue
            self._durable(batch, head)
            if self._queue or self._closing:  # more to write, or closing: round again
                self._wakeup.set()
            if self._inline:
                await asyncio.sleep(0)  # let the requests that waited on this commit run

    def _durable(self, batch: list[_Item], head: Head) -> None:
        self.head = head
        self.batches += 1
        for item in batch:
            if item.future and not item.future.done():
                item.future.set_result(head.seq)
        if self._journal is None:
            self._committed(head)

    def _journal_queued(self, journal: Journal) -> None:
        """Everything queued into the journal at once (what the writer task would do next turn)."""
        batch, self._queue = self._queue, []
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None
        try:
            head = self._journaled(batch, journal)
        except Exception as error:  # noqa: BLE001 - as in the writer task: the callers learn of it
            _refused(batch, error)
            return
        self._durable(batch, head)

    def _write(self, batch: list[_Item], head: Head, wait: bool = True) -> Head:
        frame, new_head = self._seal(batch, head)
        self._writer.write(_tables([frame]), wait)
        return new_head

    def _journaled(self, batch: list[_Item], journal: Journal) -> Head:
        if self._unflushed_entries >= MAX_UNFLUSHED:
            raise LoggingFailed("the database has not taken the log for a while; the journal is full")
        frame, new_head = self._seal(batch, self.head)
        journal.append(frame)
        self._unflushed.append(frame)
        self._unflushed_entries += len(frame.log_rows)
        self._schedule_flush()
        return new_head

    def _seal(self, batch: list[_Item], head: Head) -> tuple[Frame, Head]:
        """The batch's entries numbered, encoded and chained, with the rows that come with them."""
        now = datetime.now(UTC).isoformat()
        seq, previous = head.seq, head.hash
        frame = Frame([])
        for item in batch:
            for record in item.records:
                seq += 1
                entry = encode_entry(seq, now, record, self.payloads)
                previous = chain(previous, entry)
                frame.log_rows.append({"seq": seq, "message_id": _readable(record.message_id[:255]), "entry": entry, "hash": previous})
            frame.tracker_rows += item.tracker_rows
            frame.opmon_rows += item.opmon_rows
        return frame, (Head(seq, previous, time.monotonic()) if frame.log_rows else head)


def _refused(batch: list[_Item], error: Exception) -> None:
    """The database or the journal refused: nothing of this batch is on record."""
    log.error("message log write failed: %s", reason(error))
    for item in batch:
        if item.future and not item.future.done():
            item.future.set_exception(LoggingFailed(str(error)))


def _tables(frames: list[Frame]) -> list[tuple[Any, list[dict[str, Any]]]]:
    rows, tracker_rows, opmon_rows = [], [], []
    for frame in frames:
        rows += frame.log_rows
        tracker_rows += frame.tracker_rows
        opmon_rows += frame.opmon_rows
    return [(messagelog, rows), (tracker, tracker_rows), (opmon, opmon_rows)]


class LoggingFailed(Exception):
    """The log could not be written; the message must not be acknowledged."""
