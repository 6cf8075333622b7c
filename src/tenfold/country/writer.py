"""Write the country into each member's own database (the registries it keeps).

Each member's registries are emptied, bulk-loaded in record-id order and indexed after the
load. Members are independent databases, so with two workers two members are written at once:
writers are forked processes that read the country's arrays from the memory they inherit. The
population register (the largest) is forked as soon as the population exists, the other
members once the economy is generated. On SQLite the load runs without a rollback journal and
without syncs (the database is being rebuilt from scratch; the country's metadata, written
last, is what says it is complete), and the connection after it puts the file back in WAL mode.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SAWarning

from tenfold import registries
from tenfold.country import records
from tenfold.country.banking import BANKS
from tenfold.country.models import Country
from tenfold.errors import InvalidInput, TenfoldError
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
    "pensions": lambda country, member: records.pensions(country),
}


# What the population register keeps can be written before the economy is generated.
POPULATION_REGISTRIES = frozenset({"persons", "addresses", "relations", "births", "deaths"})


@dataclass(frozen=True)
class MemberLoad:
    code: str
    member_id: str
    registries: tuple[str, ...]

    @property
    def needs_economy(self) -> bool:
        return not set(self.registries) <= POPULATION_REGISTRIES

    def size(self, expected: dict[str, int]) -> int:
        return sum(expected.get(r, 0) for r in self.registries)


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


def member_loads(settings: Settings) -> list[MemberLoad]:
    """The members that keep registries, in topology order."""
    loads = []
    for member in load_topology(settings.topology).members:
        if not member.registries:
            continue
        unknown = [r for r in member.registries if r not in PRODUCERS]
        if unknown:
            raise InvalidInput(_("the country generator cannot fill the registry {registry} of {member}").format(
                registry=unknown[0], member=member.id))
        if "customer-accounts" in member.registries:
            bank_of(member.id)
        loads.append(MemberLoad(member.code, member.id, tuple(member.registries)))
    return loads


def _bulk_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY", "mmap_size=2147483648"):
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
    """Empty the member's registries, load them in record-id order, then index them (one
    index build per field after all loads: the statistics are gathered once)."""
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
            mark = time.perf_counter()
            counts[name] = registry_store.bulk_load(engine, name, PRODUCERS[name](country, load.member_id))
            phases[f"load_{name}"] = round(time.perf_counter() - mark, 3)
        mark = time.perf_counter()
        with warnings.catch_warnings():  # SQLAlchemy cannot reflect expression indexes; it says so
            warnings.simplefilter("ignore", SAWarning)
            registry_store.ensure_indexes(engine, _schemas(load.registries))
        phases["index"] = round(time.perf_counter() - mark, 3)
    finally:
        engine.dispose()
    engine = make_engine(url)  # back to the member's normal settings (WAL on SQLite)
    with engine.connect():
        pass
    engine.dispose()
    return MemberWritten(load.code, counts, round(time.perf_counter() - started, 3), phases)


def _write_group(settings: Settings, country: Country, loads: list[MemberLoad], results: Any) -> None:
    """The body of a forked writer: write its members one after the other, report each."""
    code = "?"
    try:
        for load in loads:
            code = load.code
            results.put(("written", write_member(settings, load, country)))
    except BaseException as error:  # reported to the parent, which raises it as one line
        results.put(("failed", f"{code}: {type(error).__name__}: {error}"))
        raise SystemExit(1) from None


def balanced(loads: list[MemberLoad], groups: int, expected: dict[str, int]) -> list[list[MemberLoad]]:
    """Split members into at most ``groups`` groups of similar size (largest first, each to the
    lightest group)."""
    buckets: list[list[MemberLoad]] = [[] for _ in range(max(1, min(groups, len(loads))))]
    sizes = [0] * len(buckets)
    for load in sorted(loads, key=lambda m: -m.size(expected)):
        lightest = sizes.index(min(sizes))
        buckets[lightest].append(load)
        sizes[lightest] += load.size(expected)
    return [b for b in buckets if b]


class MemberWriters:
    """Writers of member databases. With fork available and more than one worker, each group of
    members is written by a forked process that sees the country as it was at the fork, so
    the population register can start before the economy is generated. Otherwise members are
    written here, one after the other."""

    def __init__(self, settings: Settings, workers: int, done: Callable[[MemberWritten], None] | None = None):
        self.settings, self.done = settings, done
        forking = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork") if forking else None
        self.results = self.context.Queue() if self.context else None
        self.processes: list[Any] = []
        self.expected = 0
        self.written: list[MemberWritten] = []

    def start(self, country: Country, groups: list[list[MemberLoad]]) -> None:
        for group in groups:
            if self.context is None:
                for load in group:
                    self._finished(write_member(self.settings, load, country))
                continue
            process = self.context.Process(target=_write_group, args=(self.settings, country, group, self.results))
            process.start()
            self.processes.append(process)
            self.expected += len(group)

    def _finished(self, written: MemberWritten) -> None:
        self.written.append(written)
        if self.done:
            self.done(written)

    def wait(self) -> list[MemberWritten]:
        received = 0
        try:
            while received < self.expected:
                try:
                    kind, value = self.results.get(timeout=0.5)
                except queue.Empty:
                    if not any(p.is_alive() for p in self.processes) and self.results.empty():
                        raise TenfoldError(_("a member database writer stopped without reporting")) from None
                    continue
                if kind == "failed":
                    raise TenfoldError(_("writing member databases failed: {error}").format(error=value))
                received += 1
                self._finished(value)
        finally:
            if received < self.expected:
                self.stop()
        return self.written

    def stop(self) -> None:
        """End writers that are still running (after a failure) and reap them all."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self.processes = []


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(2, cores))
