"""Build a whole synthetic country from a request, in memory (numpy arrays; no I/O)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np

from tenfold.country.addresses import assign_addresses
from tenfold.country.banking import open_accounts
from tenfold.country.families import build_families
from tenfold.country.households import build_households
from tenfold.country.incomes import earn_incomes
from tenfold.country.models import Accounts, Country, GenerationRequest, Incomes, Parcels, People, Schedule, Vehicles
from tenfold.country.mortality import record_past_deaths
from tenfold.country.naming import name_people
from tenfold.country.population import draw_people
from tenfold.country.property import own_parcels, own_vehicles
from tenfold.country.schedule import plan_schedule
from tenfold.ids import scheme

Step = Callable[[str], None]


class _Phases:
    """Times each part of the generation and tells the caller when one begins."""

    def __init__(self, step: Step | None, timings: dict[str, float]):
        self.step, self.timings = step, timings

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.step:
            self.step(name)
        started = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - started, 3)


def generate_population(request: GenerationRequest, step: Step | None = None) -> Country:
    """People, families, households, addresses, names, past deaths and the schedule: everything
    the population register holds. The economy (incomes, accounts, property) is still empty."""
    timings: dict[str, float] = {}
    phase = _Phases(step, timings)
    with phase("people"):
        people = draw_people(request)
        father_of_family = build_families(request, people)
        record_past_deaths(request, people)
    with phase("households"):
        households = build_households(request, people, father_of_family)
        addresses, household_address = assign_addresses(request, households)
        name_people(request, people, addresses, household_address)
    with phase("schedule"):
        schedule = plan_schedule(request, people)
        assign_personal_codes(request, people, schedule)
    nothing = np.empty(0, dtype=np.int64)
    return Country(request=request, people=people, addresses=addresses, household_address=household_address,
                   incomes=Incomes(nothing, nothing, nothing, nothing),
                   accounts=Accounts(nothing, nothing, np.empty(0, dtype="U20"), nothing.astype(bool), nothing, nothing),
                   parcels=Parcels(nothing, np.empty(0, dtype="U14"), nothing, nothing, nothing, nothing),
                   vehicles=Vehicles(nothing, np.empty(0, dtype="U17"), np.empty(0, dtype="U6"), nothing, nothing, nothing),
                   schedule=schedule, timings=timings)


def add_economy(country: Country, step: Step | None = None) -> None:
    """Incomes, bank accounts, land and vehicles of the people of ``country``."""
    request, people = country.request, country.people
    with _Phases(step, country.timings)("economy"):
        country.incomes = earn_incomes(request, people)
        country.accounts = open_accounts(request, people)
        country.parcels = own_parcels(request, people, country.addresses, country.household_address)
        country.vehicles = own_vehicles(request, people)


def generate_country(request: GenerationRequest, step: Step | None = None) -> Country:
    """The whole country a request describes; ``step(name)`` is called as each part begins."""
    country = generate_population(request, step)
    add_economy(country, step)
    return country


def assign_personal_codes(request: GenerationRequest, people: People, schedule: Schedule) -> None:
    """Personal codes for everyone, the children still to be born included, in one draw so that
    no code repeats (an Estonian code holds the birth date, so each is valid for its date)."""
    rng = request.stream("codes")
    days = np.concatenate([people.birth, schedule.birth_day]).astype("datetime64[D]")
    sexes = np.concatenate([people.sex, schedule.birth_sex])
    codes = scheme(request.id_scheme).generate_many(rng, days, sexes)
    people.code = codes[: len(people)]
    schedule.birth_code = codes[len(people):]
