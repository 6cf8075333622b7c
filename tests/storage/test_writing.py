"""A writing transaction of many request threads (storage.writing): on SQLite the threads of a
process take turns on a lock of their own and the one at the front holds SQLite's write lock
from its first statement, so a read-then-write use case never loses another's update."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text

from tenfold.storage import make_engine, writing


def _counter(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return engine


def test_the_write_lock_is_held_from_the_first_statement(sqlite_url: str) -> None:
    engine = _counter(sqlite_url)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    with writing(engine) as connection:
        connection.execute(text("SELECT n FROM counter")).scalar_one()   # a read only, so far
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")   # let go at the commit
    other.execute("ROLLBACK")


def test_threads_that_read_then_write_lose_no_update(sqlite_url: str) -> None:
    engine = _counter(sqlite_url)
    errors: list[BaseException] = []

    def add_one() -> None:
        try:
            for _ in range(20):
                with writing(engine) as connection:
                    seen = connection.execute(text("SELECT n FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET n = :n"), {"n": seen + 1})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=add_one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 12 * 20


def test_a_failed_transaction_writes_nothing(any_database_url: str) -> None:
    engine = make_engine(any_database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS writing_probe"))
        connection.execute(text("CREATE TABLE writing_probe (n INTEGER NOT NULL)"))
    with pytest.raises(RuntimeError), writing(engine) as connection:
        connection.execute(text("INSERT INTO writing_probe VALUES (1)"))
        raise RuntimeError("the use case failed")
    with writing(engine) as connection:
        connection.execute(text("INSERT INTO writing_probe VALUES (2)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM writing_probe")).scalars().all() == [2]
