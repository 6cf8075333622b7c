"""The message log's journal on the embedded database: what a gateway has acknowledged before its
SQLite file holds it.

An exchange is answered once its log entries are durable. On SQLite, a commit (WAL, synchronous
NORMAL) is durable across a crash of the process because its pages were written to the WAL file,
not because they were fsynced. Appending the same entries to a file of our own gives that same
guarantee for one ``write`` instead of a B-tree insert per table and index: measured on this
machine on one connection, 75 us per exchange and gateway against 230-260 us. The entries go into
the database's tables shortly after, in batches (:class:`tenfold.exchange.messagelog.MessageLog`
flushes), and a gateway that was killed in between writes what its journal holds when it starts
again, before it serves.

Two files take turns: while the entries of one are being written to the database, new ones go to
the other, and a file is emptied once everything it holds is in the database. A frame is
``length, CRC-32`` (4 bytes each, little-endian), then a JSON line (the entries' sequence numbers,
message ids, sizes and chain hashes, and the data-tracker and monitoring rows that came with
them), then the entries' bytes. A frame cut short or damaged (a power cut in the middle of a
write) ends the journal: it was never acknowledged.
"""

from __future__ import annotations

import fcntl
import os
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from tenfold.errors import TenfoldError
from tenfold.i18n import _

_HEAD = struct.Struct("<II")
_TIMES = ("at",)  # the row fields that are datetimes (tracker and monitoring rows)


@dataclass
class Frame:
    """One batch as the log wrote it."""

    log_rows: list[dict[str, Any]]  # seq, message_id, entry (bytes), hash (bytes)
    tracker_rows: list[dict[str, Any]] = field(default_factory=list)
    opmon_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        return self.log_rows[-1]["seq"] if self.log_rows else 0

    def encode(self) -> bytes:
        meta = {"log": [[r["seq"], r["message_id"], len(r["entry"]), r["hash"].hex()] for r in self.log_rows],
                "tracker": self.tracker_rows, "opmon": self.opmon_rows}
        payload = orjson.dumps(meta) + b"\n" + b"".join(r["entry"] for r in self.log_rows)
        return _HEAD.pack(len(payload), zlib.crc32(payload)) + payload

    @classmethod
    def decode(cls, payload: bytes) -> Frame:
        end = payload.index(b"\n")
        meta = orjson.loads(payload[:end])
        at, rows = end + 1, []
        for seq, message_id, size, chain_hash in meta["log"]:
            rows.append({"seq": seq, "message_id": message_id, "entry": payload[at:at + size], "hash": bytes.fromhex(chain_hash)})
            at += size
        return cls(rows, [_timed(r) for r in meta["tracker"]], [_timed(r) for r in meta["opmon"]])


def _timed(row: dict[str, Any]) -> dict[str, Any]:
    for name in _TIMES:
        if isinstance(row.get(name), str):
            row[name] = datetime.fromisoformat(row[name])
    return row


class Journal:
    """Two append-only files beside the SQLite database they belong to (``<database>-messagelog.0``
    and ``.1``): one database, one log writer, one journal."""

    def __init__(self, database: Path):
        self.paths = [database.with_name(f"{database.name}-messagelog.{n}") for n in (0, 1)]
        self._files = [os.open(p, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600) for p in self.paths]
        try:  # one writer: a second gateway on the same database would interleave two chains
            fcntl.flock(self._files[0], fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close()
            raise JournalBusy(_("another process writes the message log of {database} (its journal is locked)").format(database=database.name)) from None
        self.active = 0
        self.last_seq = [0, 0]  # the last sequence number appended to each file since it was emptied
        self.sizes = [os.fstat(fd).st_size for fd in self._files]

    def append(self, frame: Frame) -> None:
        """Write one frame to the active file (raises ``OSError`` when the disk refuses; a frame
        written in part is cut off again, so that the frames after it stay readable)."""
        fd, encoded = self._files[self.active], frame.encode()
        data = memoryview(encoded)
        try:
            while data:
                data = data[os.write(fd, data):]
        except OSError:
            os.ftruncate(fd, self.sizes[self.active])
            raise
        self.sizes[self.active] += len(encoded)
        self.last_seq[self.active] = max(self.last_seq[self.active], frame.last_seq)

    def turn(self) -> None:
        """Send new frames to the other file, when that one is empty."""
        other = 1 - self.active
        if self.sizes[other] == 0:
            self.active = other

    def settle(self, flushed_seq: int) -> None:
        """Empty every file whose frames the database now holds."""
        for index, fd in enumerate(self._files):
            if self.last_seq[index] <= flushed_seq and self.sizes[index]:
                os.ftruncate(fd, 0)
                self.sizes[index] = self.last_seq[index] = 0

    def frames(self) -> list[Frame]:
        """Every whole frame in both files, in sequence order."""
        found = []
        for index, fd in enumerate(self._files):
            frames = _read(os.pread(fd, self.sizes[index], 0))
            self.last_seq[index] = max((f.last_seq for f in frames), default=0)
            found += frames
        return sorted(found, key=lambda f: f.last_seq)

    def close(self) -> None:
        for fd in self._files:
            os.close(fd)
        self._files = []


class JournalBusy(TenfoldError):
    """Another process holds the journal."""


def _read(data: bytes) -> list[Frame]:
    frames, at = [], 0
    while at + _HEAD.size <= len(data):
        size, crc = _HEAD.unpack_from(data, at)
        payload = data[at + _HEAD.size:at + _HEAD.size + size]
        if len(payload) < size or zlib.crc32(payload) != crc:
            break  # cut short or damaged: the rest was never acknowledged
        frames.append(Frame.decode(payload))
        at += _HEAD.size + size
    return frames
