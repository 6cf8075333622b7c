"""The future: births and deaths over the ``days`` after the as-of date.

The state does not know them yet; the simulator releases them into the population register
one by one, so the same journeys can be replayed. Mothers are women 18-45 drawn by
age-specific fertility (women with a partner far more often); the father is the partner.
At least one delivery is a multiple birth whenever there is any delivery at all, so every
generated country can exercise the multiple-birth allowances.
"""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.draws import spread_days
from tenfold.country.models import NO_DAY, NOBODY, GenerationRequest, People, Schedule
from tenfold.country.mortality import schedule_deaths
from tenfold.country.naming import NAMES
from tenfold.country.population import age_years


def fertility_weight(age: np.ndarray) -> np.ndarray:
    """The shape of age-specific fertility (a bell around the mean age at birth, 18-45)."""
    lo, hi = p.FERTILE_AGES
    bell = np.exp(-0.5 * ((age + 0.5 - p.FERTILITY_MEAN_AGE) / p.FERTILITY_SD) ** 2)
    return np.where((age >= lo) & (age <= hi), bell, 0.0)


def plan_schedule(request: GenerationRequest, people: People) -> Schedule:
    rng = request.stream("schedule")
    mothers, due = _deliveries(rng, request, people)
    size = _multiple_sizes(rng, len(mothers))
    child_mother = np.repeat(mothers, size)
    partner = people.partner[child_mother]
    father = np.where((partner >= 0) & (people.death[np.maximum(partner, 0)] == NO_DAY), partner, NOBODY)
    sex = (rng.random(len(child_mother)) >= p.MALE_SHARE_AT_BIRTH).astype(np.int8)
    surname = np.where(father >= 0, people.surname[np.maximum(father, 0)], people.surname[child_mother])
    spared = np.zeros(len(people), dtype=bool)
    spared[mothers] = True
    dying, death_day = schedule_deaths(request, people, spared)
    return Schedule(
        birth_mother=child_mother, birth_father=father, birth_day=np.repeat(due, size), birth_sex=sex,
        birth_code=np.empty(len(child_mother), dtype="U12"),
        birth_first_name=NAMES.draw_first(rng, people.ethnicity[child_mother], sex),
        birth_surname=surname, birth_delivery=np.repeat(np.arange(len(mothers)), size),
        birth_size=np.repeat(size, size).astype(np.int8), death_person=dying, death_day=death_day,
    )


def _deliveries(rng: np.random.Generator, request: GenerationRequest, people: People) -> tuple[np.ndarray, np.ndarray]:
    """Mothers and due dates, in date order. A woman who gave birth less than 300 days ago
    does not give birth again in the first months."""
    age = age_years(people.birth, request.as_of_day)
    women = np.flatnonzero((people.sex == 1) & people.alive & (fertility_weight(age) > 0))
    partner = people.partner[women]
    partnered = (partner >= 0) & (people.death[np.maximum(partner, 0)] == NO_DAY)
    weight = fertility_weight(age[women]) * np.where(partnered, 1.0, p.SINGLE_WOMAN_FERTILITY)
    wanted = p.CRUDE_BIRTH_RATE * int(people.alive.sum()) * request.days / 365
    deliveries = wanted / (1 + p.TWIN_DELIVERY_RATE + 2 * p.TRIPLET_DELIVERY_RATE)
    chance = np.clip(weight * deliveries / max(weight.sum(), 1e-12), 0, 0.95)
    mothers = women[rng.random(len(women)) < chance]
    due = spread_days(rng, request.as_of_day, request.days, len(mothers))
    youngest = np.full(len(people), NO_DAY, dtype=np.int64)
    has = people.mother >= 0
    np.maximum.at(youngest, people.mother[has], people.birth[has])
    due = np.maximum(due, np.minimum(youngest[mothers] + 300, request.as_of_day + request.days - 1))
    order = np.lexsort((mothers, due))
    return mothers[order], due[order]


def _multiple_sizes(rng: np.random.Generator, deliveries: int) -> np.ndarray:
    draw = rng.random(deliveries)
    size = np.where(draw < p.TRIPLET_DELIVERY_RATE, 3, np.where(draw < p.TRIPLET_DELIVERY_RATE + p.TWIN_DELIVERY_RATE, 2, 1))
    if deliveries and not (size > 1).any():
        size[int(np.argmin(draw))] = 2
    return size.astype(np.int64)
