"""Funeral grant (demo), vectorised: the rules of rules.py over many households."""

from __future__ import annotations

import numpy as np

from tenfold.rules import NO_MEMBER, HouseholdArrays, ItemBlock, Month, ParameterSnapshot, ReasonCatalogue
from tenfold.rules.arrays import ROLE_CODE, first_in_group


def age_on(birth_day: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years between two arrays of days (the same rule as rules.age_on)."""
    born, on = birth_day.astype("datetime64[D]"), day.astype("datetime64[D]")
    born_year, on_year = born.astype("datetime64[Y]"), on.astype("datetime64[Y]")
    years = on_year.astype(np.int64) - born_year.astype(np.int64)
    born_md = born.astype("datetime64[M]").astype(np.int64) % 12 * 32 + (born - born.astype("datetime64[M]")).astype(np.int64)
    on_md = on.astype("datetime64[M]").astype(np.int64) % 12 * 32 + (on - on.astype("datetime64[M]")).astype(np.int64)
    return years - (on_md < born_md)


def decide(arrays: HouseholdArrays, period: Month, p: ParameterSnapshot, reasons: ReasonCatalogue) -> list[ItemBlock]:
    n = arrays.n_households
    died = arrays.column("date_of_death")
    deceased_rows = np.flatnonzero((arrays.role == ROLE_CODE["deceased"]) & died.known)
    death_month = died.values[deceased_rows].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    deceased_rows = deceased_rows[death_month == period.index]
    deceased_of = np.full(n, NO_MEMBER, dtype=np.int64)
    deceased_of[arrays.household[deceased_rows]] = deceased_rows
    death_day = np.zeros(n, dtype=np.int64)
    death_day[arrays.household[deceased_rows]] = died.values[deceased_rows]
    relation = arrays.column("relation_to_deceased")
    candidate = (arrays.role != ROLE_CODE["deceased"]) & relation.known & (deceased_of[arrays.household] != NO_MEMBER)
    rows = np.flatnonzero(candidate)
    adult = age_on(arrays.birth_day[rows], death_day[arrays.household[rows]]) >= p["funeral_grant.next_of_kin_minimum_age"]
    rows = rows[adult]
    order = relation.values[rows].astype(np.int64) * 2**40 + arrays.birth_day[rows] + 2**39
    closest = first_in_group(arrays.household[rows], order, rows, n)
    households = arrays.household[deceased_rows]
    kin = closest[households]
    found = kin != NO_MEMBER
    amount = np.where(found, p["funeral_grant.amount"], 0).astype(np.int64)
    mask = np.where(found, reasons.bit("funeral_grant_next_of_kin"), reasons.bit("no_next_of_kin")).astype(np.uint64)
    return [ItemBlock("funeral_grant", households, np.where(found, kin, deceased_rows), kin, amount, found, mask)]
