"""Both paths agree on a random sample of the synthetic country (tenfold.country, in memory).

The country generator gives persons with mothers, fathers, households, multiple births, incomes,
parcels and vehicles as numpy arrays. Here they become rule inputs: in each household, a person
with a parent living there and younger than 25 is a child (the parent, mother first, receives
the allowances); such parents are parents; everyone else is an adult. Incomes, property and
vehicles feed the social assistance, with a few facts blanked (null) so the caseworker route is
exercised too. The school status is not in the country; it is drawn here.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from tenfold.country.generator import generate_country
from tenfold.country.models import NO_DAY, GenerationRequest
from tenfold.programs import load
from tenfold.rules import Month, compare, decision_rows, evaluate, evaluate_batch, fact_specs, parse_household, to_arrays

EPOCH = date(1970, 1, 1)
SAMPLE = 400


@pytest.fixture(scope="module")
def country():  # type: ignore[no-untyped-def]
    return generate_country(GenerationRequest(persons=12_000, seed=11))


def _households(country, period: Month, rng: np.random.Generator) -> list[dict]:  # type: ignore[no-untyped-def]
    people = country.people
    alive = people.death == NO_DAY
    age_days = (np.datetime64(period.stop, "D").astype(np.int64) - people.birth)
    year = period.year - 1
    income = np.bincount(country.incomes.person[country.incomes.year == year],
                         weights=country.incomes.amount_cents[country.incomes.year == year], minlength=len(people)).astype(np.int64)
    land = np.bincount(country.parcels.owner, weights=country.parcels.value_cents, minlength=len(people)).astype(np.int64)
    cars = np.bincount(country.vehicles.owner, weights=country.vehicles.value_cents, minlength=len(people)).astype(np.int64)
    chosen = rng.choice(int(people.household.max()) + 1, size=SAMPLE, replace=False)
    documents = []
    for household in chosen:
        rows = [int(r) for r in np.flatnonzero((people.household == household) & alive)]
        if rows:
            documents.append(_document(people, rows, age_days, income, land, cars, rng))
    return documents


def _document(people, rows, age_days, income, land, cars, rng) -> dict:  # type: ignore[no-untyped-def]
    here = set(rows)
    recipient = {}
    for row in rows:
        parents = [int(p) for p in (people.mother[row], people.father[row]) if p in here]
        if parents and age_days[row] < 25 * 365:
            recipient[row] = parents[0]
    parents = set(recipient.values())
    members = []
    for row in rows:
        member = {"id": f"P{row}", "birthdate": (EPOCH + timedelta(days=int(people.birth[row]))).isoformat()}
        for name, values in (("annual_income_cents", income), ("property_value_cents", land), ("vehicle_value_cents", cars)):
            member[name] = None if rng.random() < 0.03 else int(values[row])
        if row in recipient and row not in parents:
            member.update(role="child", recipient=f"P{recipient[row]}", father_known=bool(people.father[row] >= 0),
                          multiple_birth_size=int(people.multiple_size[row]),
                          studying_without_secondary_education=bool(rng.random() < 0.5))
        else:
            member["role"] = "parent" if row in parents else "adult"
        members.append(member)
    adults = [m["id"] for m in members if m["role"] in ("parent", "adult")]
    return {"members": members, **({"applicant": adults[0]} if adults else {})}


@pytest.mark.parametrize("name", ["family_benefits", "social_assistance"])
def test_both_paths_agree_on_a_sample_of_the_synthetic_country(country, name: str) -> None:  # type: ignore[no-untyped-def]
    program, period = load(name), Month(2025, 12)
    specs = fact_specs([load("family_benefits"), load("social_assistance")])
    households = [parse_household({**doc, "id": f"H{i}"}, specs) for i, doc in enumerate(_households(country, period, np.random.default_rng(5)))]
    households = [h for h in households if program.rules.applies(h)]
    assert len(households) > 50
    decisions = [evaluate(program, household, period) for household in households]
    arrays = to_arrays(households, specs)
    rows = evaluate_batch(program, arrays, period).rows(arrays)
    assert len(rows) >= len(households)
    assert compare(decision_rows(decisions), rows) == []
