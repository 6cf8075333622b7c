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
from tenfold.country.models import Country, GenerationRequest, People, Schedule
from tenfold.country.mortality import record_past_deaths
from tenfold.country.naming import name_people
from tenfold.country.population import draw_people
from tenfold.country.property import own_parcels, own_vehicles
from tenfold.country.schedule import plan_schedule
from tenfold.ids import scheme

Step = Callable[[str], None]


def generate_country(request: GenerationRequest, step: Step | None = None) -> Country:
    """The country a request describes; ``step(name)`` is called as each part begins."""
    timings: dict[str, float] = {}

    @contextmanager
    def phase(name: str) -> Iterator[None]:
        if step:
            step(name)
        started = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - started, 3)

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
    with phase("economy"):
        incomes = earn_incomes(request, people)
        accounts = open_accounts(request, people)
        parcels = own_parcels(request, people, addresses, household_address)
        vehicles = own_vehicles(request, people)
    return Country(request=request, people=people, addresses=addresses, household_address=household_address,
                   incomes=incomes, accounts=accounts, parcels=parcels, vehicles=vehicles, schedule=schedule,
                   timings=timings)


def assign_personal_codes(request: GenerationRequest, people: People, schedule: Schedule) -> None:
    """Personal codes for everyone, the children still to be born included, in one draw so that
    no code repeats (an Estonian code holds the birth date, so each is valid for its date)."""
    rng = request.stream("codes")
    days = np.concatenate([people.birth, schedule.birth_day]).astype("datetime64[D]")
    sexes = np.concatenate([people.sex, schedule.birth_sex])
    codes = scheme(request.id_scheme).generate_many(rng, days, sexes)
    people.code = codes[: len(people)]
    schedule.birth_code = codes[len(people):]
