"""Use cases: generate a country (or find it already generated), read its summary.

Generation is idempotent per request: the simulator's database remembers which country the
member databases hold (seed, persons, as-of date, days, personal-code scheme, generator
version). The same request again does nothing; a different one replaces the country only
when forced. The metadata is forgotten before any member is touched and written last, so
an interrupted generation never passes for a complete one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import inspect, text

from tenfold.country import events, store
from tenfold.country.banking import BANKS
from tenfold.country.generator import add_economy, generate_population
from tenfold.country.incomes import income_years
from tenfold.country.models import Country, GenerationRequest
from tenfold.country.summary import figures_from_databases, figures_of
from tenfold.country.writer import MemberWriters, MemberWritten, balanced, default_workers, member_loads
from tenfold.errors import TenfoldError
from tenfold.i18n import _
from tenfold.settings import Settings
from tenfold.storage import make_engine
from tenfold.topology import load as load_topology


class CountryExists(TenfoldError):
    """Another country (or data no generated country describes) is already there."""


class NoCountry(TenfoldError):
    """No complete country has been generated here yet."""


@dataclass
class Outcome:
    request: GenerationRequest
    generated: bool
    figures: dict[str, int]
    counts: dict[str, dict[str, int]]
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Progress:
    """Callbacks for long work: a part of the generation begins; a member is written."""

    step: Callable[[str], None] = lambda name: None
    members: Callable[[int], None] = lambda count: None
    member_written: Callable[[MemberWritten], None] = lambda written: None


def roles(settings: Settings) -> dict[str, str]:
    """Which member code plays which part: POP keeps persons, TAX incomes, BANK1/BANK2 ..."""
    found: dict[str, str] = {}
    for member in load_topology(settings.topology).members:
        for registry, role in (("persons", "POP"), ("incomes", "TAX"), ("parcels", "LAND"), ("vehicles", "VEH")):
            if registry in member.registries:
                found[role] = member.code
        for index, bank in enumerate(BANKS):
            if member.id == bank.member:
                found[f"BANK{index + 1}"] = member.code
    return found


def _holds_records(settings: Settings, member_code: str) -> bool:
    engine = make_engine(settings.member_database_url(member_code))
    try:
        if not inspect(engine).has_table("registry_records"):
            return False
        with engine.connect() as connection:
            return connection.execute(text("SELECT 1 FROM registry_records LIMIT 1")).first() is not None
    finally:
        engine.dispose()


def _check_replaceable(settings: Settings, existing: store.CountryMetadata | None) -> None:
    if existing is not None:
        raise CountryExists(_(
            "a different country is already generated in {place} (persons {persons}, seed {seed}, as of {as_of}); "
            "use --force to replace it").format(place=settings.var_dir, persons=existing.persons, seed=existing.seed,
                                                 as_of=existing.as_of.isoformat()))
    pop = roles(settings).get("POP")
    if pop and _holds_records(settings, pop):
        raise CountryExists(_(
            "the population register already holds records that no complete generated country describes "
            "(an interrupted generation?); use --force to replace them"))


def _expected_records(figures: dict[str, int]) -> dict[str, int]:
    return {
        "persons": figures["persons"], "addresses": figures["addresses"], "births": figures["births"],
        "deaths": figures["deaths"], "relations": figures["relations_parent_of"] + figures["relations_spouse_of"],
        "incomes": figures["incomes"], "accounts": figures["accounts"], "parcels": figures["parcels"],
        "vehicles": figures["vehicles"], "customer-accounts": figures["accounts"] // 2,
    }


def generate(settings: Settings, request: GenerationRequest, *, force: bool = False, workers: int | None = None,
             progress: Progress | None = None) -> Outcome:
    """Generate the country the request describes into the member databases, unless it is
    already there."""
    progress = progress or Progress()
    started = time.perf_counter()
    existing = _cached(settings, request, force)
    if existing is not None:
        return existing
    workers = workers or default_workers()
    loads = member_loads(settings)
    early = [load for load in loads if not load.needs_economy]
    late = [load for load in loads if load.needs_economy]
    country = generate_population(request, progress.step)
    progress.members(len(loads))
    writers = MemberWriters(settings, workers, progress.member_written)
    mark = time.perf_counter()
    try:
        writers.start(country, [early] if early else [])  # the population register starts at once
        add_economy(country, progress.step)
        figures = figures_of(country)
        writers.start(country, balanced(late, max(1, workers - (1 if early else 0)), _expected_records(figures)))
        _record_schedule(settings, country)
        written = writers.wait()
    finally:
        writers.stop()
    timings = {**country.timings, "members": round(time.perf_counter() - mark, 3)}
    counts = {w.code: w.counts for w in sorted(written, key=lambda w: w.code)}
    timings.update({f"member_{w.code}": w.seconds for w in written})
    timings.update({f"{w.code}.{phase}": seconds for w in written for phase, seconds in w.phases.items()})
    progress.step("record")
    mark = time.perf_counter()
    _record_metadata(settings, request, counts, figures)
    timings["record"] = round(time.perf_counter() - mark, 3)
    return Outcome(request, True, figures, counts, round(time.perf_counter() - started, 3), timings)


def _cached(settings: Settings, request: GenerationRequest, force: bool) -> Outcome | None:
    """The outcome of an earlier identical generation, if that is what is there; otherwise
    make sure replacing what is there is allowed, and forget it."""
    engine = store.open_engine(settings)
    try:
        with engine.begin() as connection:
            existing = store.read_metadata(connection)
            if existing is not None and existing.describes(request) and not force:
                return Outcome(request, False, existing.figures, existing.counts)
            if not force:
                _check_replaceable(settings, existing)
            store.forget(connection)
    finally:
        engine.dispose()
    return None


def _record_schedule(settings: Settings, country: Country) -> None:
    engine = store.open_engine(settings)
    try:
        with engine.begin() as connection:
            store.record_schedule(connection, events.scheduled_events(country))
    finally:
        engine.dispose()


def _record_metadata(settings: Settings, request: GenerationRequest, counts: dict[str, dict[str, int]], figures: dict[str, int]) -> None:
    engine = store.open_engine(settings)
    try:
        with engine.begin() as connection:
            store.record_metadata(connection, request, counts, figures)
    finally:
        engine.dispose()


def current(settings: Settings) -> store.CountryMetadata:
    """The metadata of the complete country in the configured place, or a clear error."""
    engine = store.open_engine(settings)
    try:
        with engine.connect() as connection:
            metadata = store.read_metadata(connection)
    finally:
        engine.dispose()
    if metadata is None:
        raise NoCountry(_("no country has been generated in {place} yet; run: tenfold country generate --persons N").format(
            place=settings.var_dir))
    return metadata


def summary(settings: Settings) -> tuple[store.CountryMetadata, dict[str, int]]:
    """The figures of the generated country, counted in the databases."""
    metadata = current(settings)
    request = GenerationRequest(persons=metadata.persons, seed=metadata.seed, as_of=metadata.as_of, days=metadata.days,
                                id_scheme=metadata.id_scheme)
    engine = store.open_engine(settings)
    try:
        figures = figures_from_databases(settings, engine, metadata.as_of, income_years(request)[1], roles(settings))
    finally:
        engine.dispose()
    return metadata, figures
