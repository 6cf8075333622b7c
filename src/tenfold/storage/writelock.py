"""SQLite's write lock, waited for in short steps.

Several processes write one member's SQLite database: the gateway its message log, the
registry its usage log, each hundreds of times a second, each holding the lock for a fraction
of a millisecond. SQLite's own busy handler sleeps 1, 2, 5, 10, 15... ms between tries, so a
writer that met another's commit lost a millisecond or more where a tenth would do. Here the
lock is tried again after 50 microseconds, then after twice as long each time up to a
millisecond, for as long as the busy timeout would have waited.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

FIRST_STEP = 0.00005  # seconds between the first tries: a commit of another process takes ~0.1-0.3 ms
LAST_STEP = 0.001
TIMEOUT = 30.0  # as the engines' busy_timeout


def locked(error: BaseException) -> bool:
    """Whether a driver error says that another connection holds the lock."""
    message = str(error)
    return isinstance(error, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


def begin_immediate(cursor: Any, timeout: float = TIMEOUT) -> None:
    """``BEGIN IMMEDIATE`` on a connection whose busy timeout is 0 (each try returns at once),
    tried again in short steps until ``timeout``; then the last "database is locked" is raised."""
    started = time.monotonic()
    step = FIRST_STEP
    while True:
        try:
            cursor.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            waited = time.monotonic() - started
            if not locked(error) or waited + step > timeout:
                raise
        time.sleep(step)
        # Doubling: a lock let go within a tenth of a millisecond is had within about that, and
        # a busy machine (where every wake-up waits for a core) is not woken twenty times.
        step = min(step * 2, LAST_STEP)


def begin_immediate_briefly(cursor: Any, timeout: float = TIMEOUT) -> None:
    """:func:`begin_immediate` on a connection with another busy timeout (e.g. one from a pool),
    which is set to 0 for the tries and put back after."""
    cursor.execute("PRAGMA busy_timeout")
    row = cursor.fetchone()
    previous = int(row[0]) if row else int(TIMEOUT * 1000)
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        begin_immediate(cursor, timeout)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={previous}")
