"""Write the country into each member's own database (the registries it keeps).

Each member's registries are emptied, bulk-loaded in record-id order and indexed after the
load. Members are independent databases, so with two workers two members are written at once:
the workers are forked after the country is generated and read its arrays from the copied
memory; the largest members go first. On SQLite the load runs without a rollback journal and
without syncs (the database is being rebuilt from scratch; the country's metadata, written
last, is what says it is complete), and the connection after it puts the file back in WAL mode.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SAWarning

from tenfold import registries
from tenfold.country import records
from tenfold.country.banking import BANKS
from tenfold.country.models import Country
from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.registries import catalogue
from tenfold.registries import store as registry_store
from tenfold.settings import Settings
from tenfold.storage import is_sqlite, make_engine
from tenfold.topology import load as load_topology

# The registries block's own tables (and the outbox its writes fill), named here rather than
# imported: a building block does not import another's tables.
REGISTRY_TABLES = ("registry_records", "personal_data_usage", "outbox")
Producer = Callable[[Country, str], Iterator[records.Record]]

PRODUCERS: dict[str, Producer] = {
    "persons": lambda country, member: records.persons(country),
    "addresses": lambda country, member: records.addresses(country),
    "relations": lambda country, member: records.relations(country),
    "births": lambda country, member: records.births(country),
    "deaths": lambda country, member: records.deaths(country),
    "incomes": lambda country, member: records.incomes(country),
    "accounts": lambda country, member: records.accounts(country),
    "customer-accounts": lambda country, member: records.customer_accounts(country, bank_of(member)),
    "parcels": lambda country, member: records.parcels(country),
    "vehicles": lambda country, member: records.vehicles(country),
}


@dataclass(frozen=True)
class MemberLoad:
    code: str
    member_id: str
    registries: tuple[str, ...]  # smallest first
    estimated_records: int


@dataclass(frozen=True)
class MemberWritten:
    code: str
    counts: dict[str, int]
    seconds: float
    phases: dict[str, float]


def bank_of(member_id: str) -> int:
    for index, bank in enumerate(BANKS):
        if bank.member == member_id:
            return index
    raise InvalidInput(_("{member} keeps customer accounts but is not one of the country's banks").format(member=member_id))


def member_loads(settings: Settings, expected: dict[str, int]) -> list[MemberLoad]:
    """The members that keep registries, largest first."""
    loads = []
    for member in load_topology(settings.topology).members:
        if not member.registries:
            continue
        unknown = [r for r in member.registries if r not in PRODUCERS]
        if unknown:
            raise InvalidInput(_("the country generator cannot fill the registry {registry} of {member}").format(
                registry=unknown[0], member=member.id))
        names = tuple(sorted(member.registries, key=lambda r: expected.get(r, 0)))
        loads.append(MemberLoad(member.code, member.id, names, sum(expected.get(r, 0) for r in names)))
    return sorted(loads, key=lambda m: -m.estimated_records)


def _bulk_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY", "threads=2"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _schemas(names: tuple[str, ...]) -> list[registries.RegistrySchema]:
    definitions = catalogue()
    return [definitions.get(name, version) for name in names for version in definitions.versions(name)]


def clear_registries(engine: Engine, names: tuple[str, ...]) -> None:
    """Empty the registry tables and drop their field indexes (rebuilt after the load)."""
    with engine.begin() as connection:
        for schema in _schemas(names):
            for name in schema.indexed:
                connection.execute(text(f"DROP INDEX IF EXISTS {registry_store.index_name(schema.registry, name)}"))
        if is_sqlite(engine):
            for table in REGISTRY_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
        else:
            connection.execute(text(f"TRUNCATE {', '.join(REGISTRY_TABLES)}"))


def write_member(settings: Settings, load: MemberLoad, country: Country) -> MemberWritten:
    started = time.perf_counter()
    url = settings.member_database_url(load.code)
    engine = make_engine(url)
    try:
        registries.migrate(engine)
        clear_registries(engine, load.registries)
    finally:
        engine.dispose()
    engine = make_engine(url)
    if is_sqlite(engine):
        event.listen(engine, "connect", _bulk_pragmas)
    counts, phases = {}, {}
    try:
        for name in load.registries:
            # Each registry is indexed right after its own load: building an index scans the
            # whole table, so indexing small registries before the big ones are in it is cheaper.
            mark = time.perf_counter()
            counts[name] = registry_store.bulk_load(engine, name, PRODUCERS[name](country, load.member_id))
            phases[f"load_{name}"] = round(time.perf_counter() - mark, 3)
            mark = time.perf_counter()
            with warnings.catch_warnings():  # SQLAlchemy cannot reflect expression indexes; it says so
                warnings.simplefilter("ignore", SAWarning)
                registry_store.ensure_indexes(engine, _schemas((name,)))
            phases[f"index_{name}"] = round(time.perf_counter() - mark, 3)
    finally:
        engine.dispose()
    engine = make_engine(url)  # back to the member's normal settings (WAL on SQLite)
    with engine.connect():
        pass
    engine.dispose()
    return MemberWritten(load.code, counts, round(time.perf_counter() - started, 3), phases)


_FORKED: tuple[Settings, list[MemberLoad], Country] | None = None


def _write_forked(index: int) -> MemberWritten:
    assert _FORKED is not None
    settings, loads, country = _FORKED
    return write_member(settings, loads[index], country)


def write_members(
    settings: Settings, country: Country, loads: list[MemberLoad], workers: int,
    done: Callable[[MemberWritten], None] | None = None,
) -> list[MemberWritten]:
    """Write every member; ``workers`` > 1 forks that many processes (Linux and macOS)."""
    global _FORKED
    written: list[MemberWritten] = []
    if workers <= 1 or len(loads) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for load in loads:
            written.append(write_member(settings, load, country))
            if done:
                done(written[-1])
        return written
    _FORKED = (settings, loads, country)
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(loads))) as pool:
            for result in pool.imap_unordered(_write_forked, range(len(loads))):
                written.append(result)
                if done:
                    done(result)
    finally:
        _FORKED = None
    return written


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(2, cores))
