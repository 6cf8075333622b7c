"""Give people names, citizenship and contacts.

A household's language follows its municipality (Narva is mostly Russian-speaking, Saaremaa
Estonian-speaking). A child takes the father's surname if a father is recorded, otherwise the
mother's; a married woman takes her husband's. First names follow the household's language.
"""

from __future__ import annotations

import numpy as np

from tenfold.country.addresses import GAZETTEER
from tenfold.country.models import Addresses, GenerationRequest, People
from tenfold.country.names import RUSSIAN, NameBook
from tenfold.country.population import age_years

NAMES = NameBook()
CITIZENSHIPS_OF_RUSSIAN_SPEAKERS = (("EE", 0.55), ("RU", 0.30), ("UA", 0.10), ("LV", 0.05))
GENERATIONS = 6


def name_people(request: GenerationRequest, people: People, addresses: Addresses, household_address: np.ndarray) -> None:
    rng = request.stream("names")
    municipality = addresses.municipality[household_address[people.household]]
    household_russian = rng.random(int(people.household.max()) + 1 if len(people) else 0)
    people.ethnicity = (household_russian[people.household] < GAZETTEER.russian_share[municipality]).astype(np.int8)
    people.first_name = NAMES.draw_first(rng, people.ethnicity, people.sex)
    people.surname = _inherited_surnames(people, NAMES.draw_surname(rng, people.ethnicity))
    people.citizenship = _citizenship(rng, people)
    _contacts(rng, request, people)


def _inherited_surnames(people: People, own: np.ndarray) -> np.ndarray:
    """Surnames passed down the generations (parents are always older, so a few passes settle)."""
    current = own.copy()
    wife = (people.sex == 1) & people.married & (people.partner >= 0)
    for _ in range(GENERATIONS):
        birth_name = np.where(people.father >= 0, current[np.maximum(people.father, 0)],
                              np.where(people.mother >= 0, current[np.maximum(people.mother, 0)], own))
        current = np.where(wife, birth_name[np.maximum(people.partner, 0)], birth_name)
    return current


def _citizenship(rng: np.random.Generator, people: People) -> np.ndarray:
    result = np.full(len(people), "EE", dtype=object)
    russian = np.flatnonzero(people.ethnicity == RUSSIAN)
    codes, shares = zip(*CITIZENSHIPS_OF_RUSSIAN_SPEAKERS)
    result[russian] = np.array(codes, dtype=object)[rng.choice(len(codes), size=len(russian), p=shares)]
    return result


def _contacts(rng: np.random.Generator, request: GenerationRequest, people: People) -> None:
    """Mobile numbers (+372 5...) for most people over 10, e-mail for most adults."""
    age = age_years(people.birth, request.as_of_day)
    has_phone = (age >= 10) & (rng.random(len(people)) < np.where(age >= 18, 0.9, 0.6))
    people.phone = np.where(has_phone, 3725_000_0000 + rng.integers(0, 10_000_000, len(people)), 0)
    has_email = (age >= 18) & (rng.random(len(people)) < 0.7)
    people.email_tag = np.where(has_email, rng.integers(100, 10_000, len(people)), 0)
