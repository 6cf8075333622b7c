"""The message log: every request and response through a gateway, hash-chained, written in
batches, and never acknowledged before it is durable.

Entry bytes are a canonical JSON header line (sequence number, time, kind, message id and the
message's metadata), a newline, and the body itself (payload storage ``full``) or nothing (``hash``:
the header then holds the body's SHA-256 and no path or query, as X-Road does without bodies).
Each row holds ``hash = SHA-256(previous hash || entry)``; the first entry chains to 32 zero bytes.

Writes are group-committed: a handler submits its entries and awaits a future; one writer task
takes everything queued, assigns sequence numbers, hashes, inserts the batch with the data
tracker and monitoring rows in one transaction, and only then resolves the futures. On
PostgreSQL the transaction runs in a worker thread; on SQLite it runs on the event loop itself,
because a commit without fsync (WAL, synchronous=NORMAL) costs less than handing the batch to
a thread, and requests that arrive meanwhile simply join the next batch (the gateway moves WAL
checkpoints, which do fsync, to a background thread). A request's entry may wait a little for its
response (``defer``): an exchange answered within ``DEFER_SECONDS`` then takes one commit instead
of two (a quarter more exchanges per second on two cores), and one that takes longer has its
request on record after that time all the same. A failed commit fails every future of the batch, so the gateway
answers ``LoggingFailed`` instead of a response that is not on record. Every N entries or T
seconds the writer signs a checkpoint for CENTRAL to countersign (see :mod:`checkpoints`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Callable, Literal

import orjson
from sqlalchemy import Connection, Engine, select

from tenfold.exchange.store import BatchWriter, Busy, reason
from tenfold.exchange.tables import messagelog, opmon, tracker

log = logging.getLogger("tenfold.exchange.messagelog")
GENESIS = bytes(32)
DEFER_SECONDS = 0.02  # the longest a deferred entry waits for company before it is written alone
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

    def __init__(self, engine: Engine, payloads: Payloads = "full", on_commit: Callable[[Head], None] | None = None):
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
        self.batches = 0  # transactions committed
        with engine.connect() as connection:
            self.head = read_head(connection)
        self.committed = self.head.seq

    def submit(
        self, records: list[LogRecord], tracker_rows: list[dict[str, Any]] | None = None,
        opmon_rows: list[dict[str, Any]] | None = None, wait: bool = True, defer: bool = False,
    ) -> asyncio.Future[int] | None:
        """Queue entries; the future resolves to the last sequence number once they are durable.

        ``defer``: the entries join the next batch that something else starts, or are written
        after ``DEFER_SECONDS`` at the latest."""
        loop = asyncio.get_running_loop()
        future = loop.create_future() if wait else None
        self._queue.append(_Item(records, tracker_rows or [], opmon_rows or [], future))
        if not defer:
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
        self._executor.shutdown(wait=True)
        self._writer.close()

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
                if self._inline:
                    try:
                        head = self._write(batch, self.head, wait=False)
                    except Busy:  # another process is writing: wait for it off the event loop
                        self.busy += 1
                        head = await loop.run_in_executor(self._executor, self._write, batch, self.head)
                else:
                    head = await loop.run_in_executor(self._executor, self._write, batch, self.head)
            except Exception as error:  # the database refused: nothing of this batch is on record
                log.error("message log write failed: %s", reason(error))
                for item in batch:
                    if item.future and not item.future.done():
                        item.future.set_exception(LoggingFailed(str(error)))
                continue
            self.head = head
            self.committed = head.seq
            self.batches += 1
            for item in batch:
                if item.future and not item.future.done():
                    item.future.set_result(head.seq)
            if self.on_commit:
                self.on_commit(head)
            if self._queue or self._closing:  # more to write, or closing: round again
                self._wakeup.set()
            if self._inline:
                await asyncio.sleep(0)  # let the requests that waited on this commit run

    def _write(self, batch: list[_Item], head: Head, wait: bool = True) -> Head:
        now = datetime.now(UTC).isoformat()
        seq, previous = head.seq, head.hash
        rows, tracker_rows, opmon_rows = [], [], []
        for item in batch:
            for record in item.records:
                seq += 1
                entry = encode_entry(seq, now, record, self.payloads)
                previous = chain(previous, entry)
                rows.append({"seq": seq, "message_id": _readable(record.message_id[:255]), "entry": entry, "hash": previous})
            tracker_rows += item.tracker_rows
            opmon_rows += item.opmon_rows
        self._writer.write([(messagelog, rows), (tracker, tracker_rows), (opmon, opmon_rows)], wait)
        return Head(seq, previous, time.monotonic()) if rows else head


class LoggingFailed(Exception):
    """The log could not be written; the message must not be acknowledged."""
