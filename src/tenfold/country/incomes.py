"""Annual incomes declared to the tax board for the two years before the as-of date, in cents.

Wages are lognormal (a long right tail) with an age profile and a person's own level that
persists from one year to the next; pensions go to people of retirement age; some adults have
self-employment, capital income or benefits; many have none at all (a zero income is the
absence of records, as at a real tax board); children have none.
"""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.models import INCOME_KINDS, NO_DAY, GenerationRequest, Incomes, People
from tenfold.country.population import age_years

EMPLOYMENT, SELF_EMPLOYMENT, PENSION, BENEFITS, CAPITAL = range(len(INCOME_KINDS))
_AGE_PROFILE_EDGES = np.array([0, 25, 35, 55, 65])
_AGE_PROFILE = np.array([0.6, 1.0, 1.1, 0.95, 0.8])


def income_years(request: GenerationRequest) -> tuple[int, int]:
    return request.as_of.year - 2, request.as_of.year - 1


def earn_incomes(request: GenerationRequest, people: People) -> Incomes:
    rng = request.stream("incomes")
    n = len(people)
    level = rng.normal(0, p.WAGE_SIGMA, n)
    job_luck, side_luck, capital_luck, benefit_luck = (rng.random(n) for _ in range(4))
    capital_level = rng.normal(0, p.CAPITAL_SIGMA, n)
    pension_level = rng.normal(0, p.PENSION_SD, n)
    parts = []
    last = request.as_of.year - 1
    for year in income_years(request):
        start = int(np.datetime64(f"{year}-01-01", "D").astype(np.int64))
        end = int(np.datetime64(f"{year + 1}-01-01", "D").astype(np.int64))
        age = age_years(people.birth, end - 1)
        lived = np.clip((np.where(people.death == NO_DAY, end, people.death) - np.maximum(people.birth, start)) / (end - start), 0, 1)
        adult = (age >= p.ADULT_AGE) & (lived > 0)
        employed = adult & (job_luck < p.EMPLOYMENT_SHARE[np.clip(np.searchsorted(p.EMPLOYMENT_AGE_EDGES, age, side="right") - 1, 0, None)])
        profile = _AGE_PROFILE[np.searchsorted(_AGE_PROFILE_EDGES, age, side="right") - 1]
        growth = (1 + p.WAGE_GROWTH) ** (year - last)
        wage = p.WAGE_MEDIAN_CENTS * growth * profile * np.exp(level + rng.normal(0, 0.1, n)) * lived
        pension_growth = (1 + p.PENSION_GROWTH) ** (year - last)
        pension = p.PENSION_MEAN_CENTS * pension_growth * np.clip(1 + pension_level, 0.4, None) * lived
        retired = adult & (age >= p.RETIREMENT_AGE)
        working_age = adult & (age < p.RETIREMENT_AGE)
        side = adult & (age < 70) & (side_luck < p.SELF_EMPLOYMENT_SHARE)
        side_income = p.SELF_EMPLOYMENT_MEDIAN_CENTS * growth * np.exp(level * 1.3) * lived
        capital = adult & (capital_luck < p.CAPITAL_SHARE)
        capital_income = p.CAPITAL_MEDIAN_CENTS * np.exp(capital_level + rng.normal(0, 0.3, n))
        benefits = working_age & ~employed & (benefit_luck < p.BENEFITS_SHARE_OF_JOBLESS)
        benefit_income = p.BENEFITS_MEAN_CENTS * np.clip(rng.normal(1, 0.3, n), 0.2, None) * lived
        for kind, who, amount in ((EMPLOYMENT, employed, wage), (SELF_EMPLOYMENT, side, side_income),
                                  (PENSION, retired, pension), (BENEFITS, benefits, benefit_income),
                                  (CAPITAL, capital, capital_income)):
            earners = np.flatnonzero(who)
            cents = np.round(amount[earners]).astype(np.int64)
            keep = cents > 0
            parts.append((earners[keep], np.full(int(keep.sum()), year), np.full(int(keep.sum()), kind), cents[keep]))
    person, year_, kind_, cents_ = (np.concatenate([part[i] for part in parts]) for i in range(4))
    order = np.lexsort((kind_, year_, person))
    return Incomes(person=person[order], year=year_[order].astype(np.int64), kind=kind_[order].astype(np.int8),
                   amount_cents=cents_[order])
