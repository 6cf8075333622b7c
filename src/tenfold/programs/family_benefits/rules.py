"""Estonian family benefits, per household: facts in, awards out.

Law: Perehüvitiste seadus (Family Benefits Act), as amended in force from 1 Jan 2023 and by the
act passed on 14 Jun 2023 (large family allowance). Section numbers were not verified and are
not cited; each rule names the benefit it implements. Amounts and dates are parameters
(parameters.yaml), never constants here. Assumptions where the sources are silent are marked
"Assumption" and listed in the handbook.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules import Award, FactSpec, Household, Month, ParameterSnapshot, Person, Reason, format_eur, member_field

FACTS = (
    FactSpec("recipient", "member", roles=("child",)),
    FactSpec("father_known", "bool", roles=("child",)),
    FactSpec("multiple_birth_size", "int", roles=("child",), minimum=1, maximum=9),
    FactSpec("studying_without_secondary_education", "bool", roles=("child",)),
    FactSpec("final_year_of_upper_secondary", "bool", roles=("child",)),
    FactSpec("large_family_last_month", "month"),
)


def applies(household: Household) -> bool:
    return any(p.role == "child" for p in household.members)


def check(household: Household, period: Month, p: ParameterSnapshot) -> None:
    """Contradictory or missing facts are errors that name the field, never defaults."""
    age_limit, duration = p["child_allowance.age_limit"], p["multiple_birth_allowance.duration_months"]
    for child in household.with_role("child"):
        field = lambda name: member_field(household, child.id, name)  # noqa: E731
        for name in ("recipient", "father_known"):
            if not child.has(name):
                raise InvalidInput(_("{field}: missing").format(field=field(name)))
        if household.member(child.value("recipient")).role != "parent":
            raise InvalidInput(_("{field}: {value!r} is not a parent in this household").format(
                field=field("recipient"), value=child.value("recipient")))
        born = Month.of(child.birthdate)
        if period.index - born.index <= duration and not child.has("multiple_birth_size"):
            raise InvalidInput(_("{field}: missing (needed for a child born in the last {months} months)").format(
                field=field("multiple_birth_size"), months=duration))
        limit = born.plus(12 * age_limit)
        if limit < period <= school_year_end(limit, final_year=False) and not child.has("studying_without_secondary_education"):
            raise InvalidInput(_("{field}: missing (needed for a child who has turned {age})").format(
                field=field("studying_without_secondary_education"), age=age_limit))
    last = household.value("large_family_last_month")
    if last is not None and last >= period:
        raise InvalidInput(_("{field}: {value} must be before the period {period}").format(
            field="household.large_family_last_month", value=str(last), period=str(period)))


@dataclass(frozen=True)
class ChildStatus:
    child: Person
    eligible: bool           # receives child allowance this month
    studying_after_age: bool
    extension_end: Month | None


def decide(household: Household, period: Month, p: ParameterSnapshot) -> list[Award]:
    children = [child_allowance_status(c, period, p) for c in household.with_role("child")]
    eligible = [s.child for s in children if s.eligible]
    return [
        *childbirth_allowance(household, period, p),
        *child_allowance(children, p),
        *single_parent_child_allowance(eligible, p),
        *large_family_allowance(household, eligible, period, p),
        *multiple_birth_allowance(household, period, p),
    ]


def school_year_end(nineteenth: Month, final_year: bool) -> Month:
    """The last month of the school year in which the child turned 19: August, or June in the
    final year of upper-secondary school (a school year runs from September to August)."""
    year = nineteenth.year + 1 if nineteenth.month >= 9 else nineteenth.year
    return Month(year, 6 if final_year else 8)


def child_allowance_status(child: Person, period: Month, p: ParameterSnapshot) -> ChildStatus:
    """Child allowance (lapsetoetus) is paid from birth until the child turns 19, and after that
    to a child without secondary education who is still studying, until graduation or the end of
    the school year in which the child turned 19 (Perehüvitiste seadus, as in force from 1 Jan
    2023). Assumption: the month of birth and the month of the 19th birthday are paid in full."""
    limit = Month.of(child.birthdate).plus(12 * p["child_allowance.age_limit"])
    if period <= limit:
        return ChildStatus(child, True, False, None)
    if not child.value("studying_without_secondary_education", False):
        return ChildStatus(child, False, False, None)
    end = school_year_end(limit, child.value("final_year_of_upper_secondary", False))
    return ChildStatus(child, period <= end, period <= end, end)


def child_allowance(statuses: list[ChildStatus], p: ParameterSnapshot) -> list[Award]:
    """Child allowance: the lower rate for the first and second child and the higher rate from
    the third, counted by the children for whom the same recipient receives child allowance, not
    by birth order; the two eldest count as first and second (SKA's example). The family total
    does not depend on the assignment (Perehüvitiste seadus; SKA child allowance page)."""
    lower, higher, from_child = p["child_allowance.lower_rate"], p["child_allowance.higher_rate"], p["child_allowance.higher_rate_from_child"]
    rank = _rank_by_recipient([s.child for s in statuses if s.eligible])
    awards = []
    for status in statuses:
        child, recipient = status.child, status.child.value("recipient")
        if not status.eligible:
            reason = Reason("child_allowance_age_limit", {"child": child.id, "age_limit": p["child_allowance.age_limit"]})
            awards.append(Award("child_allowance", child.id, recipient, 0, False, (reason,)))
            continue
        position, count = rank[child.id]
        lower_rate = position < from_child - 1
        amount = lower if lower_rate else higher
        code = "child_allowance_lower_rate" if lower_rate else "child_allowance_higher_rate"
        reasons = [Reason(code, {"child": child.id, "recipient": recipient, "amount": format_eur(amount), "count": count})]
        if status.studying_after_age:
            reasons.append(Reason("child_allowance_studying_after_19", {
                "child": child.id, "age_limit": p["child_allowance.age_limit"], "until": str(status.extension_end)}))
        awards.append(Award("child_allowance", child.id, recipient, amount, True, tuple(reasons)))
    return awards


def _rank_by_recipient(eligible: list[Person]) -> dict[str, tuple[int, int]]:
    """Each eligible child's place (0 = eldest) among its recipient's eligible children, and their number."""
    by_recipient: dict[str, list[tuple[object, int, Person]]] = {}
    for position, child in enumerate(eligible):
        by_recipient.setdefault(child.value("recipient"), []).append((child.birthdate, position, child))
    rank = {}
    for group in by_recipient.values():
        for place, (_birth, _position, child) in enumerate(sorted(group, key=lambda g: (g[0], g[1]))):
            rank[child.id] = (place, len(group))
    return rank


def childbirth_allowance(household: Household, period: Month, p: ParameterSnapshot) -> list[Award]:
    """Childbirth allowance (sünnitoetus): a one-off sum per child to one parent; a higher sum
    per child for triplets or more (Perehüvitiste seadus; SKA rates table). Due in the month of
    birth; the offer must be confirmed before the child is six months old."""
    awards = []
    for child in household.with_role("child"):
        if not period.contains(child.birthdate):
            continue
        size = child.value("multiple_birth_size")
        if size >= p["childbirth_allowance.triplets_from_size"]:
            amount = p["childbirth_allowance.amount_triplets_or_more"]
            reason = Reason("childbirth_allowance_triplets_or_more", {"child": child.id, "amount": format_eur(amount), "size": size})
        else:
            amount = p["childbirth_allowance.amount"]
            reason = Reason("childbirth_allowance_per_child", {"child": child.id, "amount": format_eur(amount)})
        awards.append(Award("childbirth_allowance", child.id, child.value("recipient"), amount, True, (reason,)))
    return awards


def single_parent_child_allowance(eligible: list[Person], p: ParameterSnapshot) -> list[Award]:
    """Single parent's child allowance (üksikvanema lapse toetus): a monthly sum per child whose
    birth record has no data on the father, paid for the same period as the child allowance
    (Perehüvitiste seadus; SKA). The fugitive-parent ground is not modelled."""
    amount = p["single_parent_child_allowance.amount"]
    return [
        Award("single_parent_child_allowance", c.id, c.value("recipient"), amount, True,
              (Reason("single_parent_no_father_recorded", {"child": c.id, "amount": format_eur(amount)}),))
        for c in eligible if not c.value("father_known")
    ]


def large_family_allowance(household: Household, eligible: list[Person], period: Month, p: ParameterSnapshot) -> list[Award]:
    """Large family allowance (lasterikka pere toetus): a monthly sum per family with 3 to 6, or
    7 or more, children receiving child allowance, paid only when the same parent receives the
    child allowance for all of them (Perehüvitiste seadus; SKA "Lasterikka pere toetus"). The
    gradual exit of 2023 (2/3 with two children left, 1/3 with one) was repealed from 1 Jul 2023
    by the act of 14 Jun 2023; families already receiving 2/3 kept it until 31 Dec 2023."""
    count = len(eligible)
    last = household.value("large_family_last_month")
    if count == 0 or (count < p["large_family_allowance.minimum_children"] and last is None):
        return []
    eldest = min(eligible, key=lambda c: (c.birthdate, household.position(c.id)))
    recipient = eldest.value("recipient")
    if any(c.value("recipient") != recipient for c in eligible):
        return [Award("large_family_allowance", recipient, recipient, 0, False, (Reason("large_family_recipients_differ", {"count": count}),))]
    if count >= p["large_family_allowance.minimum_children"]:
        upper = count >= p["large_family_allowance.upper_tier_from_children"]
        amount = p["large_family_allowance.amount_7_or_more" if upper else "large_family_allowance.amount_3_to_6"]
        code = "large_family_tier_7_or_more" if upper else "large_family_tier_3_to_6"
        return [Award("large_family_allowance", recipient, recipient, amount, True,
                      (Reason(code, {"count": count, "amount": format_eur(amount), "recipient": recipient}),))]
    amount = gradual_exit_amount(count, last, p)
    if amount > 0:
        reason = Reason("large_family_gradual_exit", {"count": count, "amount": format_eur(amount), "since": str(last.plus(1))})
        return [Award("large_family_allowance", recipient, recipient, amount, True, (reason,))]
    return [Award("large_family_allowance", recipient, recipient, 0, False, (Reason("large_family_below_three", {"count": count}),))]


def gradual_exit_amount(count: int, last_large_month: Month, p: ParameterSnapshot) -> int:
    """The 2023 gradual exit: paid to a family whose exit (the month after it last had three or
    more children) began while the exit was open to new families (1 Jan to 30 Jun 2023)."""
    exit_open = p.source["large_family_allowance.gradual_exit.open_to_new_exits"].in_force(last_large_month.plus(1).start)
    if not exit_open:
        return 0
    name = "two_children" if count == 2 else "one_child"
    return int(p[f"large_family_allowance.gradual_exit.{name}"])


def multiple_birth_allowance(household: Household, period: Month, p: ParameterSnapshot) -> list[Award]:
    """Multiple-birth allowance (mitmike toetus): a monthly sum per family for triplets or more,
    until the children are 18 months old (Perehüvitiste seadus; SKA). Twins do not qualify.
    Assumption: paid from the month of birth through the month the children turn 18 months."""
    duration = p["multiple_birth_allowance.duration_months"]
    young = [c for c in household.with_role("child")
             if period.index - Month.of(c.birthdate).index <= duration and c.value("multiple_birth_size") >= 2]
    if not young:
        return []
    triplets = [c for c in young if c.value("multiple_birth_size") >= p["multiple_birth_allowance.from_size"]]
    group = triplets or young
    eldest = min(group, key=lambda c: (c.birthdate, household.position(c.id)))
    recipient = eldest.value("recipient")
    size = eldest.value("multiple_birth_size")
    if triplets:
        amount = p["multiple_birth_allowance.amount"]
        until = str(Month.of(eldest.birthdate).plus(duration))
        reason = Reason("multiple_birth_triplets_or_more", {"size": size, "amount": format_eur(amount), "until": until, "months": duration})
        return [Award("multiple_birth_allowance", recipient, recipient, amount, True, (reason,))]
    return [Award("multiple_birth_allowance", recipient, recipient, 0, False, (Reason("multiple_birth_fewer_than_three", {"size": size}),))]
