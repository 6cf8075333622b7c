"""The country looks like a European one (Estonia): its pyramid, rates, families and money."""

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.incomes import EMPLOYMENT, income_years
from tenfold.country.population import age_years


def test_the_age_pyramid_follows_the_five_year_bands(country) -> None:
    age = age_years(country.people.birth, country.request.as_of_day)
    bands = np.bincount(np.minimum(age // 5, len(p.PYRAMID_THOUSANDS) - 1), minlength=len(p.PYRAMID_THOUSANDS))
    expected = p.PYRAMID_THOUSANDS / p.PYRAMID_THOUSANDS.sum() * len(age)
    assert np.all(np.abs(bands[:16] - expected[:16]) < 0.1 * expected[:16] + 30)
    women = country.people.sex == 1
    assert women[age >= 80].mean() > 0.6 and women[age < 15].mean() < 0.5


def test_birth_and_death_rates_are_those_of_estonia(country) -> None:
    alive = int(country.people.alive.sum())
    schedule = country.schedule
    assert 7.0 <= 1000 * len(schedule.birth_day) / alive <= 10.0
    assert 10.0 <= 1000 * len(schedule.death_person) / alive <= 13.0
    assert 9.5 <= 1000 * (~country.people.alive).sum() / len(country.people) <= 13.5


def test_mothers_are_about_30_and_few_births_have_no_father(country) -> None:
    people, schedule = country.people, country.schedule
    mother_age = (schedule.birth_day - people.birth[schedule.birth_mother]) / 365.25
    assert 28.5 <= mother_age.mean() <= 32.5 and mother_age.min() >= 18 and mother_age.max() < 46.5
    assert 0.0 < (schedule.birth_father < 0).mean() < 0.10
    deliveries = np.unique(schedule.birth_delivery[schedule.birth_size > 1])
    assert len(deliveries) >= 1


def test_one_family_in_five_has_a_single_parent(country) -> None:
    people = country.people
    age = age_years(people.birth, country.request.as_of_day)
    minors = np.flatnonzero((age < 18) & (people.mother >= 0))
    households = np.unique(people.household[minors])
    adults_in = np.bincount(people.household[age >= 18], minlength=people.household.max() + 1)
    single = (adults_in[households] == 1).mean()
    assert 0.12 <= single <= 0.30
    twins = people.multiple_size == 2
    assert 0.01 < twins[minors].mean() < 0.06


def test_incomes_are_skewed_with_zeros_and_none_for_children(country) -> None:
    incomes, people = country.incomes, country.people
    last = income_years(country.request)[1]
    wages = incomes.amount_cents[(incomes.kind == EMPLOYMENT) & (incomes.year == last)]
    assert wages.dtype.kind == "i" and np.mean(wages) > 1.1 * np.median(wages)
    age = age_years(people.birth, country.request.as_of_day)
    earners = np.zeros(len(people), bool)
    earners[incomes.person[incomes.year == last]] = True
    assert not earners[age < 17].any()
    assert 0.03 < (~earners[(age >= 18) & people.alive]).mean() < 0.3
