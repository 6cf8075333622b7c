"""Estonian family benefits, vectorised: the rules of rules.py over many households at once.

Same law, same parameters, same results as the per-household path (checked on every golden case,
on random households and on a sample of the synthetic country); see rules.py for the legal
references and the assumptions. Input must already be valid (rules.check).
"""

from __future__ import annotations

import numpy as np

from tenfold.rules import HouseholdArrays, ItemBlock, Month, ParameterSnapshot, ReasonCatalogue
from tenfold.rules.arrays import ROLE_CODE, first_in_group, rank_within


def decide(arrays: HouseholdArrays, period: Month, p: ParameterSnapshot, reasons: ReasonCatalogue) -> list[ItemBlock]:
    facts = _Facts(arrays, period, p)
    return [
        childbirth_allowance(facts, p, reasons),
        child_allowance(facts, p, reasons),
        single_parent_child_allowance(facts, p, reasons),
        large_family_allowance(facts, p, reasons),
        multiple_birth_allowance(facts, p, reasons),
    ]


class _Facts:
    """The columns the rules read, and each child's child-allowance status this month."""

    def __init__(self, arrays: HouseholdArrays, period: Month, p: ParameterSnapshot) -> None:
        self.arrays, self.period = arrays, period.index
        self.child = arrays.role == ROLE_CODE["child"]
        self.birth_month = arrays.birth_month()
        self.recipient = arrays.column("recipient").values
        self.father_known = arrays.column("father_known").values
        self.size = arrays.column("multiple_birth_size").values
        limit = self.birth_month + 12 * p["child_allowance.age_limit"]
        under = self.period <= limit
        studying = arrays.column("studying_without_secondary_education").values
        final_year = arrays.column("final_year_of_upper_secondary").values
        self.extension_end = school_year_end(limit, final_year)
        self.studying_after_age = self.child & ~under & studying & (self.period <= self.extension_end)
        self.eligible = self.child & (under | self.studying_after_age)

    def block(self, benefit: str, rows: np.ndarray, households: np.ndarray, recipient: np.ndarray,
              amount: np.ndarray, reasons: np.ndarray) -> ItemBlock:
        amount = np.asarray(amount, dtype=np.int64)
        return ItemBlock(benefit, households, rows, recipient, amount, amount > 0, np.asarray(reasons, dtype=np.uint64))


def school_year_end(limit_month: np.ndarray, final_year: np.ndarray) -> np.ndarray:
    """Month index of the end of the school year (Sep-Aug) containing ``limit_month``: August,
    or June in the final upper-secondary year."""
    end_year = limit_month // 12 + (limit_month % 12 >= 8)
    return end_year * 12 + np.where(final_year, 5, 7)


def childbirth_allowance(f: _Facts, p: ParameterSnapshot, reasons: ReasonCatalogue) -> ItemBlock:
    rows = np.flatnonzero(f.child & (f.birth_month == f.period))
    triplets = f.size[rows] >= p["childbirth_allowance.triplets_from_size"]
    amount = np.where(triplets, p["childbirth_allowance.amount_triplets_or_more"], p["childbirth_allowance.amount"])
    mask = np.where(triplets, reasons.bit("childbirth_allowance_triplets_or_more"), reasons.bit("childbirth_allowance_per_child"))
    return f.block("childbirth_allowance", rows, f.arrays.household[rows], f.recipient[rows], amount, mask)


def child_allowance(f: _Facts, p: ParameterSnapshot, reasons: ReasonCatalogue) -> ItemBlock:
    rows = np.flatnonzero(f.child)
    eligible = f.eligible[rows]
    chosen = rows[eligible]
    rank = np.zeros(len(rows), dtype=np.int64)
    rank[eligible] = rank_within(f.recipient[chosen], f.arrays.birth_day[chosen], chosen)
    lower_rate = rank < p["child_allowance.higher_rate_from_child"] - 1
    amount = np.where(lower_rate, p["child_allowance.lower_rate"], p["child_allowance.higher_rate"]) * eligible
    mask = np.where(lower_rate, reasons.bit("child_allowance_lower_rate"), reasons.bit("child_allowance_higher_rate"))
    mask = np.where(f.studying_after_age[rows], mask | reasons.bit("child_allowance_studying_after_19"), mask)
    mask = np.where(eligible, mask, reasons.bit("child_allowance_age_limit"))
    return f.block("child_allowance", rows, f.arrays.household[rows], f.recipient[rows], amount, mask)


def single_parent_child_allowance(f: _Facts, p: ParameterSnapshot, reasons: ReasonCatalogue) -> ItemBlock:
    rows = np.flatnonzero(f.eligible & ~f.father_known)
    amount = np.full(len(rows), p["single_parent_child_allowance.amount"])
    mask = np.full(len(rows), reasons.bit("single_parent_no_father_recorded"))
    return f.block("single_parent_child_allowance", rows, f.arrays.household[rows], f.recipient[rows], amount, mask)


def large_family_allowance(f: _Facts, p: ParameterSnapshot, reasons: ReasonCatalogue) -> ItemBlock:
    arrays, n_households = f.arrays, f.arrays.n_households
    chosen = np.flatnonzero(f.eligible)
    home = arrays.household[chosen]
    count = np.bincount(home, minlength=n_households)
    eldest = first_in_group(home, arrays.birth_day[chosen], chosen, n_households)
    lowest, highest = np.full(n_households, np.iinfo(np.int64).max), np.full(n_households, -1)
    np.minimum.at(lowest, home, f.recipient[chosen])
    np.maximum.at(highest, home, f.recipient[chosen])
    last = arrays.household_column("large_family_last_month", "month")
    minimum = p["large_family_allowance.minimum_children"]
    emit = (count >= 1) & ((count >= minimum) | last.known)
    same = lowest == highest
    large = emit & same & (count >= minimum)
    upper = large & (count >= p["large_family_allowance.upper_tier_from_children"])
    exit_amount = _gradual_exit(count, last.values, emit & same & (count < minimum), p)
    amount = np.select([upper, large], [p["large_family_allowance.amount_7_or_more"], p["large_family_allowance.amount_3_to_6"]], exit_amount)
    mask = np.select(
        [~same, upper, large, exit_amount > 0],
        [reasons.bit(c) for c in ("large_family_recipients_differ", "large_family_tier_7_or_more", "large_family_tier_3_to_6", "large_family_gradual_exit")],
        reasons.bit("large_family_below_three"),
    )
    households = np.flatnonzero(emit)
    recipient = f.recipient[eldest[households]]
    return f.block("large_family_allowance", recipient, households, recipient, amount[households] * same[households], mask[households])


def _gradual_exit(count: np.ndarray, last_month: np.ndarray, leaving: np.ndarray, p: ParameterSnapshot) -> np.ndarray:
    """The 2023 gradual exit amount per household (0 where it does not apply)."""
    amount = np.zeros(len(count), dtype=np.int64)
    households = np.flatnonzero(leaving)
    exit_start = (last_month[households] + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    is_open, known = p.source["large_family_allowance.gradual_exit.open_to_new_exits"].vector_at(exit_start)
    by_count = np.where(count[households] == 2, p["large_family_allowance.gradual_exit.two_children"],
                        p["large_family_allowance.gradual_exit.one_child"])
    amount[households] = by_count * (is_open.astype(bool) & known)
    return amount


def multiple_birth_allowance(f: _Facts, p: ParameterSnapshot, reasons: ReasonCatalogue) -> ItemBlock:
    arrays, n_households = f.arrays, f.arrays.n_households
    young = f.child & (f.period - f.birth_month <= p["multiple_birth_allowance.duration_months"]) & (f.size >= 2)
    triplets = young & (f.size >= p["multiple_birth_allowance.from_size"])
    eldest_young = _eldest(arrays, np.flatnonzero(young))
    eldest_triplet = _eldest(arrays, np.flatnonzero(triplets))
    has_triplets = eldest_triplet >= 0
    households = np.flatnonzero(eldest_young >= 0)
    eldest = np.where(has_triplets, eldest_triplet, eldest_young)[households]
    amount = has_triplets[households] * p["multiple_birth_allowance.amount"]
    mask = np.where(has_triplets[households], reasons.bit("multiple_birth_triplets_or_more"), reasons.bit("multiple_birth_fewer_than_three"))
    recipient = f.recipient[eldest]
    return f.block("multiple_birth_allowance", recipient, households, recipient, amount, mask)


def _eldest(arrays: HouseholdArrays, rows: np.ndarray) -> np.ndarray:
    return first_in_group(arrays.household[rows], arrays.birth_day[rows], rows, arrays.n_households)
