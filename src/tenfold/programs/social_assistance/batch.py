"""Integrated social assistance (demo), vectorised: the rules of rules.py over many households."""

from __future__ import annotations

import numpy as np

from tenfold.rules import HouseholdArrays, ItemBlock, Month, ParameterSnapshot, ReasonCatalogue
from tenfold.rules.arrays import ROLE_CODE, group_sum

LIVING = np.array([ROLE_CODE[r] for r in ("parent", "child", "adult")])


def decide(arrays: HouseholdArrays, period: Month, p: ParameterSnapshot, reasons: ReasonCatalogue) -> list[ItemBlock]:
    n = arrays.n_households
    applicant = arrays.household_column("applicant", "member")
    households = np.flatnonzero(applicant.known)
    living = np.isin(arrays.role, LIVING) & applicant.known[arrays.household]
    people = np.bincount(arrays.household[living], minlength=n)
    threshold = p["social_assistance.income_threshold_per_member"] * people
    totals, settled = {}, {}
    for name in ("annual_income_cents", "property_value_cents", "vehicle_value_cents"):
        column = arrays.column(name)
        known = living & column.known
        totals[name] = group_sum(np.where(known, column.values, 0), arrays.household, n)
        settled[name] = np.bincount(arrays.household[living & ~column.known], minlength=n) == 0
    income = (totals["annual_income_cents"] + 6) // 12
    mask = np.zeros(n, dtype=np.uint64)
    fails = [
        (settled["annual_income_cents"] & (income >= threshold), "income_above_threshold"),
        (settled["property_value_cents"] & (totals["property_value_cents"] > p["social_assistance.property_value_limit"]), "property_above_limit"),
        (settled["vehicle_value_cents"] & (totals["vehicle_value_cents"] > p["social_assistance.vehicle_value_limit"]), "vehicle_above_limit"),
    ]
    for failed, code in fails:
        mask |= np.where(failed, np.uint64(reasons.bit(code)), np.uint64(0))
    complete = settled["annual_income_cents"] & settled["property_value_cents"] & settled["vehicle_value_cents"]
    eligible = (mask == 0) & complete
    mask = np.where((mask == 0) & ~complete, np.uint64(reasons.bit("needs_caseworker")), mask)
    mask = np.where(eligible, np.uint64(reasons.bit("income_below_threshold")), mask)
    amount = np.where(eligible, threshold - income, 0)
    who = applicant.values[households]
    return [ItemBlock("social_assistance", households, who, who, amount[households].astype(np.int64),
                      eligible[households], mask[households].astype(np.uint64))]
