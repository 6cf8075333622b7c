"""Families: who is whose mother and father, multiple births, couples and marriages.

Children are matched to women of the age their mother would be (the mother's age at birth
depends on the birth year), couples to men a few years older than the woman. Every person
under 18 gets a mother; adults get one while she is likely alive and in the register.
"""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.matching import nearest_supplied, pair_by_age, share_by_age
from tenfold.country.models import NO_DAY, NOBODY, GenerationRequest, People
from tenfold.country.population import DAYS_PER_YEAR, age_years, year_of

BUCKETS = p.MAX_AGE + 60  # mothers' target ages may exceed the oldest age


def build_families(request: GenerationRequest, people: People) -> np.ndarray:
    """Fill mother, father, partner, married, union_day and multiple_size in place. Returns, for
    each mother whose children live with their father, that father (``NOBODY`` elsewhere)."""
    rng = request.stream("families")
    n = len(people)
    age = age_years(people.birth, request.as_of_day)
    people.mother, target = _assign_mothers(rng, people, age)
    _separate_siblings(rng, people, age, target)
    people.multiple_size = _form_multiples(rng, people, age)
    people.partner = np.full(n, NOBODY, dtype=np.int64)
    people.father = np.full(n, NOBODY, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    heads = _family_kinds(rng, people, age)
    _partner_families(rng, people, age, heads, taken)
    _other_couples(rng, people, age, taken)
    _marry(rng, request, people, age)
    _assign_fathers(rng, people, age, heads)
    return heads["father_of_family"]


def _target_mother_age(rng: np.random.Generator, people: People, age: np.ndarray) -> np.ndarray:
    years = year_of(people.birth)
    lo, hi = p.MATERNAL_AGE_YEARS
    mean = p.MATERNAL_AGE_OLD + np.clip((years - lo) / (hi - lo), 0, 1) * (p.MATERNAL_AGE_NEW - p.MATERNAL_AGE_OLD)
    at_birth = np.clip(rng.normal(mean, p.MATERNAL_AGE_SD), *p.MATERNAL_AGE_RANGE)
    return age + np.floor(at_birth + rng.random(len(age))).astype(np.int64)


def _assign_mothers(rng: np.random.Generator, people: People, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    linked = rng.random(len(people)) < p.mother_in_register(age)
    women = np.flatnonzero(people.sex == 1)
    supply = np.bincount(age[women], minlength=BUCKETS)[:BUCKETS]
    target = np.full(len(people), -1, dtype=np.int64)
    seekers = np.flatnonzero(linked)
    wanted = _target_mother_age(rng, people, age)[seekers]
    target[seekers] = nearest_supplied(wanted, supply, age[seekers] + 17, age[seekers] + 46)
    mother = np.full(len(people), NOBODY, dtype=np.int64)
    mother[seekers] = share_by_age(rng, target[seekers], women, age[women], p.CHILDREN_POISSON, p.MOTHER_SUPPLY, BUCKETS)
    return mother, target


def _close_siblings(people: People) -> np.ndarray:
    """Children born less than MIN_SIBLING_GAP_DAYS after an elder sibling of the same mother."""
    has = np.flatnonzero(people.mother >= 0)
    order = has[np.argsort(people.mother[has] * 2**20 + (people.birth[has] + 2**19))]
    same = people.mother[order[1:]] == people.mother[order[:-1]]
    close = (people.birth[order[1:]] - people.birth[order[:-1]]) < p.MIN_SIBLING_GAP_DAYS
    return order[1:][same & close]


def _separate_siblings(rng: np.random.Generator, people: People, age: np.ndarray, target: np.ndarray) -> None:
    """Give a child born too soon after a sibling another mother of the same age (a few
    rounds); an adult still too close loses the link, a minor keeps it."""
    women = np.flatnonzero(people.sex == 1)
    for _ in range(8):
        close = _close_siblings(people)
        if len(close) == 0:
            return
        people.mother[close] = share_by_age(rng, target[close], women, age[women], p.CHILDREN_POISSON, p.MOTHER_SUPPLY, BUCKETS)
    close = _close_siblings(people)
    people.mother[close[age[close] >= p.ADULT_AGE]] = NOBODY


def _form_multiples(rng: np.random.Generator, people: People, age: np.ndarray) -> np.ndarray:
    """Make twins and triplets among minors: the followers take the lead child's mother and
    birth date. Returns the multiple-birth size of every person (1 for most)."""
    size = np.ones(len(people), dtype=np.int8)
    minors = np.flatnonzero((age < p.ADULT_AGE) & (people.mother >= 0))
    for year in range(p.ADULT_AGE):
        cohort = rng.permutation(minors[age[minors] == year])
        triplets = rng.binomial(len(cohort) // 3, p.TRIPLET_DELIVERY_RATE * 3) if len(cohort) >= 3 else 0
        twins = min(rng.binomial(len(cohort) // 2, p.TWIN_DELIVERY_RATE * 2), (len(cohort) - 3 * triplets) // 2)
        start = 0
        for members, sets in ((3, triplets), (2, twins)):
            block = cohort[start:start + members * sets].reshape(sets, members)
            start += members * sets
            lead = block[:, 0]
            for follower in block[:, 1:].T:
                people.mother[follower] = people.mother[lead]
                people.birth[follower] = people.birth[lead]
            size[block.ravel()] = members
    return size


def _family_kinds(rng: np.random.Generator, people: People, age: np.ndarray) -> dict[str, np.ndarray]:
    """Mothers of minors head a family: with a partner (most), alone, or the children live
    with their father."""
    minors = (age < p.ADULT_AGE) & (people.mother >= 0)
    mothers = np.unique(people.mother[minors])
    draw = rng.random(len(mothers))
    single_mother = draw < p.SINGLE_MOTHER_SHARE
    single_father = (draw >= p.SINGLE_MOTHER_SHARE) & (draw < p.SINGLE_MOTHER_SHARE + p.SINGLE_FATHER_SHARE)
    return {
        "couple": mothers[~single_mother & ~single_father],
        "single_mother": mothers[single_mother],
        "single_father": mothers[single_father],
        "father_of_family": np.full(len(people), NOBODY, dtype=np.int64),
    }


def _partner_age(rng: np.random.Generator, woman_age: np.ndarray) -> np.ndarray:
    gap = rng.normal(p.PARTNER_AGE_GAP_MEAN, p.PARTNER_AGE_GAP_SD, len(woman_age))
    return np.clip(np.round(woman_age + gap).astype(np.int64), p.ADULT_AGE, BUCKETS - 1)


def _partner_families(rng: np.random.Generator, people: People, age: np.ndarray, heads: dict[str, np.ndarray], taken: np.ndarray) -> None:
    men = np.flatnonzero((people.sex == 0) & (age >= p.ADULT_AGE))
    couple = heads["couple"]
    partner = pair_by_age(rng, _partner_age(rng, age[couple]), men, age[men], taken, BUCKETS)
    ok = partner >= 0
    people.partner[couple[ok]] = partner[ok]
    people.partner[partner[ok]] = couple[ok]
    taken[couple[ok]] = True
    lone = heads["single_father"]
    father = pair_by_age(rng, _partner_age(rng, age[lone]), men, age[men], taken, BUCKETS)
    heads["father_of_family"][lone] = father
    # A mother whose partner could not be found raises the children alone.
    heads["single_mother"] = np.concatenate([heads["single_mother"], couple[~ok], lone[father < 0]])


def _other_couples(rng: np.random.Generator, people: People, age: np.ndarray, taken: np.ndarray) -> None:
    """Women who do not yet live with a partner find one with the chance that brings their age
    band to its share of women in couples."""
    women = np.flatnonzero((people.sex == 1) & (age >= p.ADULT_AGE))
    band = np.searchsorted(p.COUPLE_AGE_EDGES, age[women], side="right") - 1
    total = np.bincount(band, minlength=len(p.COUPLE_SHARE))
    paired = np.bincount(band, weights=taken[women], minlength=len(p.COUPLE_SHARE))
    chance = np.clip((p.COUPLE_SHARE * total - paired) / np.maximum(total - paired, 1), 0, 1)
    seekers = women[~taken[women] & (rng.random(len(women)) < chance[band])]
    men = np.flatnonzero((people.sex == 0) & (age >= p.ADULT_AGE))
    partner = pair_by_age(rng, _partner_age(rng, age[seekers]), men, age[men], taken, BUCKETS)
    ok = partner >= 0
    people.partner[seekers[ok]] = partner[ok]
    people.partner[partner[ok]] = seekers[ok]
    taken[seekers[ok]] = True


def _marry(rng: np.random.Generator, request: GenerationRequest, people: People, age: np.ndarray) -> None:
    """Some couples are married (more among older ones); a union starts after both turned 18."""
    n = len(people)
    people.married = np.zeros(n, dtype=bool)
    people.union_day = np.full(n, NO_DAY, dtype=np.int64)
    women = np.flatnonzero((people.sex == 1) & (people.partner >= 0))
    men = people.partner[women]
    share = np.select([age[women] < lim for lim, _ in p.MARRIED_SHARE], [s for _, s in p.MARRIED_SHARE])
    adults = np.minimum(age[women], age[men])
    years_together = rng.random(len(women)) * np.clip(adults - p.ADULT_AGE, 0, 45)
    start = request.as_of_day - 1 - (years_together * DAYS_PER_YEAR).astype(np.int64)
    married = (rng.random(len(women)) < share) & (adults >= p.ADULT_AGE)
    for side in (women, men):
        people.married[side] = married
        people.union_day[side] = start


def _assign_fathers(rng: np.random.Generator, people: People, age: np.ndarray, heads: dict[str, np.ndarray]) -> None:
    mother = people.mother
    has_mother = mother >= 0
    minor = age < p.ADULT_AGE
    family_father = np.full(len(people), NOBODY, dtype=np.int64)
    couple = heads["couple"][people.partner[heads["couple"]] >= 0]
    family_father[couple] = people.partner[couple]
    lone = heads["single_father"]
    family_father[lone] = heads["father_of_family"][lone]
    singles = heads["single_mother"]
    recorded = singles[rng.random(len(singles)) < p.FATHER_RECORDED_SINGLE_MOTHER]
    men = np.flatnonzero((people.sex == 0) & (age >= p.ADULT_AGE))
    elsewhere = share_by_age(rng, _partner_age(rng, age[recorded]), men, age[men], 1.0, 1.0, BUCKETS)
    family_father[recorded] = elsewhere
    kids = np.flatnonzero(has_mother & minor)
    people.father[kids] = family_father[mother[kids]]
    grown = np.flatnonzero(has_mother & ~minor)
    partner = people.partner[mother[grown]]
    keep = (partner >= 0) & (rng.random(len(grown)) < p.ADULT_FATHER_IS_PARTNER)
    people.father[grown[keep]] = partner[keep]
    # A father is at least 17 years older than his child.
    with_father = np.flatnonzero(people.father >= 0)
    too_young = people.birth[with_father] - people.birth[people.father[with_father]] < int(17 * DAYS_PER_YEAR)
    people.father[with_father[too_young]] = NOBODY
