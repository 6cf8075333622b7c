"""Mortality: a Gompertz-Makeham death rate by age and sex, scaled to the crude death rate.

Used twice: for the people who died in the year before the as-of date (they stay in the
register as deceased) and for the deaths scheduled after it.
"""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.draws import spread_days
from tenfold.country.models import NO_DAY, GenerationRequest, People
from tenfold.country.population import age_years


def death_probability(age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Chance of dying within a year; Gompertz's B is set so that the expected deaths among
    these people are CRUDE_DEATH_RATE of them."""
    slope = np.exp(p.GOMPERTZ_SLOPE * np.minimum(age, 110)) * np.where(sex == 0, p.MALE_MORTALITY_FACTOR, 1.0)
    base = np.where(age == 0, p.INFANT_MORTALITY, p.MAKEHAM_CONSTANT)
    if len(age) == 0:
        return base.astype(float)
    wanted = p.CRUDE_DEATH_RATE * len(age)
    scale = max(0.0, (wanted - base.sum()) / slope.sum())
    for _ in range(4):  # the cap at 0.7 removes some deaths at the oldest ages: scale up again
        chance = np.clip(base + scale * slope, 0.0, 0.7)
        scale *= wanted / max(chance.sum(), 1e-12)
    return np.clip(base + scale * slope, 0.0, 0.7)


def record_past_deaths(request: GenerationRequest, people: People) -> None:
    """Mark the people who died in the year before the as-of date (``people.death``)."""
    rng = request.stream("past-deaths")
    age = age_years(people.birth, request.as_of_day)
    dies = rng.random(len(people)) < death_probability(age, people.sex)
    day = spread_days(rng, request.as_of_day - 365, 365, len(people))
    latest_child = np.full(len(people), NO_DAY, dtype=np.int64)
    for parent in (people.mother, people.father):
        has = parent >= 0
        np.maximum.at(latest_child, parent[has], people.birth[has])
    day = np.maximum(day, np.maximum(people.birth, latest_child))
    day = np.minimum(day, request.as_of_day - 1)
    people.death = np.where(dies, day, NO_DAY)


def schedule_deaths(request: GenerationRequest, people: People, spared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who dies in the ``days`` after the as-of date, and when (``spared``: people who do not,
    e.g. women about to give birth)."""
    rng = request.stream("future-deaths")
    living = np.flatnonzero(people.alive & ~spared)
    age = age_years(people.birth[living], request.as_of_day)
    chance = np.clip(death_probability(age, people.sex[living]) * request.days / 365, 0, 1)
    dying = living[rng.random(len(living)) < chance]
    days = spread_days(rng, request.as_of_day, request.days, len(dying))
    order = np.lexsort((dying, days))
    return dying[order], days[order]
