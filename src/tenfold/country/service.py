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
from tenfold.country.generator import generate_country
from tenfold.country.incomes import income_years
from tenfold.country.models import Country, GenerationRequest
from tenfold.country.summary import figures_from_databases, figures_of
from tenfold.country.writer import MemberWritten, default_workers, member_loads, write_members
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


def _check_replaceable(settings: Settings, existing: store.CountryMetadata | None, request: GenerationRequest) -> None:
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
    engine = store.open_engine(settings)
    try:
        with engine.begin() as connection:
            existing = store.read_metadata(connection)
            if existing is not None and existing.describes(request) and not force:
                return Outcome(request, False, existing.figures, existing.counts)
            if not force:
                _check_replaceable(settings, existing, request)
            store.forget(connection)
    finally:
        engine.dispose()
    country = generate_country(request, progress.step)
    timings = dict(country.timings)
    figures = figures_of(country)
    loads = member_loads(settings, _expected_records(figures))
    progress.step("members")
    progress.members(len(loads))
    mark = time.perf_counter()
    written = write_members(settings, country, loads, workers or default_workers(), progress.member_written)
    timings["members"] = round(time.perf_counter() - mark, 3)
    counts = {w.code: w.counts for w in sorted(written, key=lambda w: w.code)}
    timings.update({f"member_{w.code}": w.seconds for w in written})
    progress.step("record")
    mark = time.perf_counter()
    _record(settings, country, counts, figures)
    timings["record"] = round(time.perf_counter() - mark, 3)
    return Outcome(request, True, figures, counts, round(time.perf_counter() - started, 3), timings)


def _record(settings: Settings, country: Country, counts: dict[str, dict[str, int]], figures: dict[str, int]) -> None:
    engine = store.open_engine(settings)
    try:
        with engine.begin() as connection:
            store.record(connection, country.request, counts, figures, events.scheduled_events(country))
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
