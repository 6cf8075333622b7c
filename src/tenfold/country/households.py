"""Households: who lives with whom.

A woman heads her household; her partner, her minor children and some of her young adult
children live with her. Children of a lone-father family live with the father. Some people of
75 or more without a partner live with one of their adult children. Everyone else lives
alone. Most elderly parents thus live apart from their adult children, who are still linked
to them by parent-child relations (the next of kin of the death journey).
"""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.models import GenerationRequest, People
from tenfold.country.population import age_years


def build_households(request: GenerationRequest, people: People, father_of_family: np.ndarray) -> int:
    """Set ``people.household`` (0..count-1) and return the number of households."""
    rng = request.stream("households")
    age = age_years(people.birth, request.as_of_day)
    head = np.arange(len(people), dtype=np.int64)
    men = np.flatnonzero((people.sex == 0) & (people.partner >= 0))
    head[men] = people.partner[men]
    minors = np.flatnonzero((age < p.ADULT_AGE) & (people.mother >= 0))
    lone_father = father_of_family[people.mother[minors]]
    head[minors] = np.where(lone_father >= 0, lone_father, people.mother[minors])
    parents = np.zeros(len(people), dtype=bool)
    parents[people.mother[minors]] = True
    parents[father_of_family[father_of_family >= 0]] = True
    young = (age >= p.ADULT_AGE) & (age < p.ADULT_AGE + len(p.AT_HOME_BY_AGE))
    candidates = np.flatnonzero(young & (people.mother >= 0) & (people.partner < 0) & ~parents)
    stays = rng.random(len(candidates)) < p.AT_HOME_BY_AGE[age[candidates] - p.ADULT_AGE]
    head[candidates[stays]] = people.mother[candidates[stays]]
    _elders_with_children(rng, people, age, head)
    for _ in range(6):  # a child's mother may herself live with her mother
        head = head[head]
    heads, people.household = np.unique(head, return_inverse=True)
    return len(heads)


def _elders_with_children(rng: np.random.Generator, people: People, age: np.ndarray, head: np.ndarray) -> None:
    """Move some elderly people without a partner into the household of an adult child."""
    child_of = np.full(len(people), -1, dtype=np.int64)
    for parent in (people.father, people.mother):
        adults = np.flatnonzero((parent >= 0) & (age >= 30))
        child_of[parent[adults]] = adults
    movers = np.flatnonzero((age >= 75) & (people.partner < 0) & (child_of >= 0)
                            & (rng.random(len(people)) < p.LIVES_WITH_CHILD_75_PLUS))
    snapshot = head.copy()
    head[movers] = snapshot[child_of[movers]]
