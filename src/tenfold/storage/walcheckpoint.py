"""SQLite checkpoints off the request path, in a served process.

In WAL mode a commit appends pages to the write-ahead log and does not fsync (synchronous =
NORMAL); copying the log back into the database, the *checkpoint*, is the part that fsyncs.
By default SQLite runs it inside the commit that takes the log past 1,000 pages, on whatever
thread committed: in a registry, that is the event loop answering a read. Measured on the
2-core machine: a registry serving one connection ran such a checkpoint about three times a
second, each holding the read that triggered it 4-5 ms in ``fdatasync`` (the log's, then the
database's), which is most of the read latency's 99th percentile.

A served process (``tenfold serve`` starts it for every application and CENTRAL) calls
:func:`start` before it makes its engines: a daemon thread then checkpoints each database file
whose log grew, five times a second, without blocking readers or writers (``PASSIVE``; the driver
releases the GIL while SQLite works, so requests go on meanwhile), and the process's
connections checkpoint in their commits only past 64 MB of log (the journal size limit,
``tenfold.storage.database.SQLITE_WAL_LIMIT_BYTES``) instead of 1,000 pages.

That bound stays because a log is only started afresh by a writer that finds it wholly copied,
and under a steady stream of commits a checkpoint from another thread never catches up with
them (they append while it fsyncs): measured, a registry read without pause for a minute left a
609 MB log with no bound. Past it, the commit that crosses it copies what the thread has not
yet (under 0.2 s worth) and fsyncs, and the log starts afresh: one such commit per 64 MB
written instead of one per 4 MB, each with little to copy. The thread runs five times a second
rather than once because that copy is what such a commit waits for: measured on a registry read
without pause on one connection (~3,600 reads/s), the read latency's 99th percentile fell from
2.0-9.3 ms (median of six runs 4.9) to 1.3-2.6 ms (1.7), with the same throughput. The member's
gateway checkpoints from its own loop in the same way.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

from tenfold.storage.writelock import locked

log = logging.getLogger("tenfold.storage.walcheckpoint")

EVERY_SECONDS = 0.2


class _Checkpointer:
    def __init__(self) -> None:
        self.files: dict[str, float] = {}  # database file -> the log's mtime when last checkpointed
        self.lock = threading.Lock()
        self.stop: threading.Event | None = None

    def add(self, path: str) -> None:
        with self.lock:
            self.files.setdefault(os.path.abspath(path), -1.0)

    def round(self) -> int:
        """Checkpoint every database whose log changed since the last round; how many were."""
        with self.lock:
            files = list(self.files.items())
        done = 0
        for path, seen in files:
            try:
                changed = os.stat(path + "-wal").st_mtime
            except FileNotFoundError:
                continue
            if changed == seen:
                continue
            try:
                checkpoint(path)
            except sqlite3.Error as error:  # the next round tries again
                # Another connection checkpointing at the same moment is no news to an operator.
                log.log(logging.DEBUG if locked(error) else logging.WARNING, "WAL checkpoint of %s failed: %s",
                        os.path.basename(path), error)
                continue
            with self.lock:
                self.files[path] = changed
            done += 1
        return done


_CHECKPOINTER = _Checkpointer()


def checkpoint(path: str) -> None:
    """One ``PASSIVE`` checkpoint of ``path`` on a connection of its own (it never waits for a lock)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        connection.close()


def active() -> bool:
    """Whether this process checkpoints in the background (then its connections checkpoint
    in a commit only past the log's size limit)."""
    return _CHECKPOINTER.stop is not None


def watch(path: str) -> None:
    """Checkpoint this database file in the background (called for every SQLite engine made
    while :func:`active`)."""
    if active() and path and path != ":memory:":
        _CHECKPOINTER.add(path)


def start(every: float = EVERY_SECONDS) -> threading.Event:
    """Checkpoint in a daemon thread from now on; returns the event that stops it (idempotent)."""
    if _CHECKPOINTER.stop is not None:
        return _CHECKPOINTER.stop
    stop = threading.Event()
    _CHECKPOINTER.stop = stop

    def run() -> None:
        while not stop.wait(every):
            try:
                _CHECKPOINTER.round()
            except Exception:  # noqa: BLE001 - the thread must outlive any one round
                log.exception("WAL checkpoint round failed")
        _CHECKPOINTER.stop = None

    threading.Thread(target=run, name="wal-checkpoint", daemon=True).start()
    return stop
