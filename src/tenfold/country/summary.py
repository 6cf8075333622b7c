"""The country in figures: from the generated arrays, and again from the databases.

Both give the same figures for a freshly generated country (a test holds them to it); the
``tenfold country summary`` command reads them from the databases, so it also shows what the
simulator and the services have changed since.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, TypeVar

import numpy as np
from sqlalchemy import Connection, Engine, select, text

from tenfold.country import records
from tenfold.country.banking import BANKS
from tenfold.country.incomes import PENSION, income_years
from tenfold.country.models import Country
from tenfold.country.population import age_years
from tenfold.country.tables import scheduled_events
from tenfold.i18n import N_
from tenfold.settings import Settings
from tenfold.storage import make_engine

T = TypeVar("T")

# (key, label) in the order the summary table shows them.
FIGURES: tuple[tuple[str, str], ...] = (
    ("persons", N_("persons in the register")),
    ("alive", N_("living")),
    ("deceased", N_("died in the last year")),
    ("households", N_("households")),
    ("children_0_2", N_("children aged 0-2")),
    ("children_3_6", N_("children aged 3-6")),
    ("children_7_17", N_("children aged 7-17")),
    ("adults_18_64", N_("adults aged 18-64")),
    ("seniors_65_plus", N_("people aged 65 and over")),
    ("pensioners", N_("pensioners (pension income last year)")),
    ("adults_without_income", N_("adults with no income last year")),
    ("addresses", N_("addresses")),
    ("relations_parent_of", N_("parent-child relations")),
    ("relations_spouse_of", N_("spouse relations (one per spouse)")),
    ("births", N_("registered births (children under 18)")),
    ("deaths", N_("registered deaths")),
    ("incomes", N_("income records (two years)")),
    ("accounts", N_("accounts known to the tax board")),
    ("accounts_bank1", N_("accounts at BANK1")),
    ("accounts_bank2", N_("accounts at BANK2")),
    ("parcels", N_("land parcels")),
    ("vehicles", N_("vehicles")),
    ("scheduled_births", N_("scheduled births (children)")),
    ("scheduled_multiple_births", N_("scheduled multiple births (deliveries)")),
    ("scheduled_deaths", N_("scheduled deaths")),
)


def _age_figures(age: np.ndarray) -> dict[str, int]:
    return {
        "children_0_2": int((age <= 2).sum()), "children_3_6": int(((age >= 3) & (age <= 6)).sum()),
        "children_7_17": int(((age >= 7) & (age <= 17)).sum()), "adults_18_64": int(((age >= 18) & (age <= 64)).sum()),
        "seniors_65_plus": int((age >= 65).sum()),
    }


def figures_of(country: Country) -> dict[str, int]:
    """The figures of a generated country, from its arrays."""
    people = country.people
    alive = people.alive
    every_age = age_years(people.birth, country.request.as_of_day)
    age = every_age[alive]
    last_year = income_years(country.request)[1]
    incomes = country.incomes
    this_year = incomes.year == last_year
    earners = np.zeros(len(people), dtype=bool)
    earners[incomes.person[this_year]] = True
    kind, *_ = records.relation_rows(country)
    schedule = country.schedule
    result = {
        "persons": len(people), "alive": int(alive.sum()), "deceased": int((~alive).sum()),
        "households": len(np.unique(people.household[alive])), **_age_figures(age),
        "pensioners": len(np.unique(incomes.person[this_year & (incomes.kind == PENSION)])),
        "adults_without_income": int((alive & (every_age >= 18) & ~earners).sum()),
        "addresses": len(country.addresses), "relations_parent_of": int((kind == 0).sum()),
        "relations_spouse_of": int((kind == 1).sum()), "births": len(records.registered_births(country)),
        "deaths": len(records.registered_deaths(country)), "incomes": len(incomes.person),
        "accounts": len(country.accounts.person),
        "parcels": len(country.parcels.owner), "vehicles": len(country.vehicles.owner),
        "scheduled_births": len(schedule.birth_day),
        "scheduled_multiple_births": len(np.unique(schedule.birth_delivery[schedule.birth_size > 1])),
        "scheduled_deaths": len(schedule.death_person),
    }
    for index in range(len(BANKS)):
        result[f"accounts_bank{index + 1}"] = int((country.accounts.bank == index).sum())
    return {key: result[key] for key, _label in FIGURES}


def _field(connection: Connection, name: str) -> str:
    return f"json_extract(data, '$.{name}')" if connection.dialect.name == "sqlite" else f"(data->>'{name}')"


def _count(connection: Connection, registry: str, where: str = "", **params: Any) -> int:
    query = f"SELECT count(*) FROM registry_records WHERE registry = :registry {where}"
    return int(connection.execute(text(query), {"registry": registry, **params}).scalar_one())


def _earners(connection: Connection, last_year: int) -> tuple[set[str], int]:
    """Who had any income last year, and how many had a pension (at the tax board)."""
    f = lambda name: _field(connection, name)  # noqa: E731
    year = last_year if connection.dialect.name == "sqlite" else str(last_year)
    earners = {row[0] for row in connection.execute(text(
        f"SELECT DISTINCT {f('personId')} FROM registry_records WHERE registry = 'incomes' AND {f('year')} = :year"), {"year": year})}
    pensioners = connection.execute(text(
        f"SELECT count(DISTINCT {f('personId')}) FROM registry_records WHERE registry = 'incomes' AND {f('year')} = :year "
        f"AND {f('kind')} = 'pension'"), {"year": year}).scalar_one()
    return earners, int(pensioners)


def _population_figures(connection: Connection, as_of: date, earners: set[str]) -> dict[str, int]:
    f = lambda name: _field(connection, name)  # noqa: E731
    rows = connection.execute(text(
        f"SELECT {f('ID')}, {f('birthDate')}, {f('status')}, {f('householdId')} FROM registry_records WHERE registry = 'persons'"
    )).all()
    codes, born, status, household = (np.array(column, dtype=object) for column in zip(*rows)) if rows else (np.array([], dtype=object),) * 4
    alive = status == "alive"
    birth = np.array(born.tolist(), dtype="datetime64[D]").astype(np.int64)
    age = age_years(birth[alive], int(np.datetime64(as_of, "D").astype(np.int64)))
    adult_codes = codes[alive][age >= 18]
    kinds = dict(connection.execute(text(
        f"SELECT {f('kind')}, count(*) FROM registry_records WHERE registry = 'relations' GROUP BY {f('kind')}")).all())
    return {
        "persons": len(codes), "alive": int(alive.sum()), "deceased": int((~alive).sum()),
        "households": len(set(household[alive].tolist())), **_age_figures(age),
        "adults_without_income": sum(1 for code in adult_codes.tolist() if code not in earners),
        "addresses": _count(connection, "addresses"), "relations_parent_of": int(kinds.get("parentOf", 0)),
        "relations_spouse_of": int(kinds.get("spouseOf", 0)), "births": _count(connection, "births"),
        "deaths": _count(connection, "deaths"),
    }


def _on_member(settings: Settings, code: str, work: Callable[[Connection], T]) -> T:
    engine = make_engine(settings.member_database_url(code))
    try:
        with engine.connect() as connection:
            return work(connection)
    finally:
        engine.dispose()


def figures_from_databases(settings: Settings, country_engine: Engine, as_of: date, last_year: int, members: dict[str, str]) -> dict[str, int]:
    """The same figures, counted in the member databases and the simulator's schedule.
    ``members`` maps a role (POP, TAX, LAND, VEH, BANK1, BANK2) to its member code."""
    earners, pensioners = _on_member(settings, members["TAX"], lambda c: _earners(c, last_year))
    result = _on_member(settings, members["POP"], lambda c: _population_figures(c, as_of, earners))
    result["pensioners"] = pensioners
    for key, role, registry in (("incomes", "TAX", "incomes"), ("accounts", "TAX", "accounts"), ("parcels", "LAND", "parcels"),
                                ("vehicles", "VEH", "vehicles"), ("accounts_bank1", "BANK1", "customer-accounts"),
                                ("accounts_bank2", "BANK2", "customer-accounts")):
        result[key] = _on_member(settings, members[role], lambda c: _count(c, registry))
    with country_engine.connect() as connection:
        result.update(_schedule_figures(connection))
    return {key: result[key] for key, _label in FIGURES}


def _schedule_figures(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(scheduled_events.c.kind, scheduled_events.c.payload)).all()
    payloads = [payload for kind, payload in rows if kind == "birth"]
    return {
        "scheduled_births": len(payloads),
        "scheduled_multiple_births": len({p["deliveryId"] for p in payloads if p["multipleBirthSize"] > 1}),
        "scheduled_deaths": sum(1 for kind, _payload in rows if kind == "death"),
    }
