from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select

from tenfold.settings import Settings
from tenfold.storage import make_engine, migrate
from tenfold.storage.types import UTCDateTime


def test_member_urls_prefer_the_member_variable_then_the_template(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.member_database_url("POP") == f"sqlite:///{tmp_path.resolve() / 'pop.sqlite'}"
    monkeypatch.setenv("TENFOLD_DATABASE_URL_TEMPLATE", "postgresql+psycopg://u@db/tenfold_{member}")
    settings = Settings(var_dir=tmp_path)
    assert settings.member_database_url("TAX") == "postgresql+psycopg://u@db/tenfold_tax"
    monkeypatch.setenv("TENFOLD_DATABASE_URL_TAX", "postgresql+psycopg://u@other/tax")
    assert settings.member_database_url("TAX") == "postgresql+psycopg://u@other/tax"


def test_sqlite_databases_run_in_wal_mode(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_sqlite_wal_shrinks_back_after_a_burst(tmp_path: Path) -> None:
    from tenfold.storage.database import SQLITE_WAL_LIMIT_BYTES

    engine = make_engine(f"sqlite:///{tmp_path / 'burst.sqlite'}")
    wal = tmp_path / "burst.sqlite-wal"
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # as the gateway's connections: the burst stays in the WAL
        connection.exec_driver_sql("CREATE TABLE t (b BLOB)")
    with engine.begin() as connection:
        for _ in range(20):
            connection.exec_driver_sql("INSERT INTO t VALUES (randomblob(4 << 20))")
    assert wal.stat().st_size > SQLITE_WAL_LIMIT_BYTES
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    with engine.begin() as connection:  # the next writer resets the WAL and cuts the file back
        connection.exec_driver_sql("INSERT INTO t VALUES (x'00')")
    assert wal.stat().st_size <= SQLITE_WAL_LIMIT_BYTES


def test_migrations_create_the_outbox_and_are_idempotent(any_database_url: str) -> None:
    engine = make_engine(any_database_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"outbox", "alembic_version_storage"} <= tables


def test_timestamps_come_back_aware_in_utc(any_database_url: str) -> None:
    engine = make_engine(any_database_url)
    metadata = MetaData()
    stamps = Table("stamps", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    metadata.create_all(engine)
    local = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    with engine.begin() as connection:
        connection.execute(stamps.insert().values(id=1, at=local))
    with engine.connect() as connection:
        stored = connection.execute(select(stamps.c.at)).scalar_one()
    assert stored.tzinfo is not None
    assert stored == local
    assert stored.astimezone(UTC).hour == 9


def test_naive_timestamps_are_refused(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    metadata = MetaData()
    stamps = Table("stamps", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    metadata.create_all(engine)
    with pytest.raises(Exception, match="timezone-aware"):
        with engine.begin() as connection:
            connection.execute(stamps.insert().values(id=1, at=datetime(2026, 5, 1)))


def _migrate_when_released(url: str, start, failures) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    start.wait()
    try:
        migrate(engine)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which fails the test
        failures.put(repr(error))
    finally:
        engine.dispose()


@pytest.mark.parametrize("round_", range(3))
def test_processes_that_start_together_migrate_one_database_once(any_database_url: str, round_: int) -> None:
    """A member's processes start together; all may find the version table missing at once."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start, failures = context.Event(), context.Queue()
    workers = [context.Process(target=_migrate_when_released, args=(any_database_url, start, failures)) for _ in range(8)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * len(workers)
    assert failures.empty(), failures.get()
    assert "outbox" in inspect(make_engine(any_database_url)).get_table_names()
