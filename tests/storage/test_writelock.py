"""SQLite's write lock taken in short steps: it is had as soon as the other writer lets go, not
after SQLite's millisecond sleeps; a lock never let go still ends in "database is locked"; a
pooled connection keeps its own busy timeout."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tenfold.storage import make_engine
from tenfold.storage.writelock import begin_immediate, begin_immediate_briefly


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "lock.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x INTEGER)")
    return path


def _holder(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_the_lock_is_had_once_the_other_writer_commits(tmp_path: Path) -> None:
    path = _database(tmp_path)
    holder = _holder(path)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    letting_go = []

    def release() -> None:
        time.sleep(0.05)
        holder.execute("INSERT INTO t VALUES (1)")
        letting_go.append(time.monotonic())
        holder.execute("COMMIT")

    threading.Thread(target=release).start()
    begin_immediate(waiter.cursor(), timeout=10)
    had = time.monotonic()
    waiter.execute("INSERT INTO t VALUES (2)")
    waiter.execute("COMMIT")
    assert letting_go and had >= letting_go[0]  # not before the other let go
    assert [r[0] for r in waiter.execute("SELECT x FROM t ORDER BY x")] == [1, 2]


def test_a_lock_never_let_go_ends_in_database_is_locked(tmp_path: Path) -> None:
    path = _database(tmp_path)
    holder = _holder(path)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(waiter.cursor(), timeout=0.05)
    assert time.monotonic() - started >= 0.04
    holder.execute("ROLLBACK")


def test_other_errors_are_not_waited_on(tmp_path: Path) -> None:
    path = _database(tmp_path)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    waiter.execute("BEGIN")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(waiter.cursor(), timeout=5)
    assert time.monotonic() - started < 1


def test_a_pooled_connection_gets_its_busy_timeout_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pooled.sqlite'}")
    raw = engine.raw_connection()
    cursor = raw.cursor()
    begin_immediate_briefly(cursor)
    raw.rollback()
    assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    raw.close()
