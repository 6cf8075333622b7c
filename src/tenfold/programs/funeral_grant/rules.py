"""Funeral grant (demo), per household: a one-off grant offered to the next of kin after a death.

The death journey (UK Tell Us Once, made proactive) brings the deceased and the relatives the
population register links to them. The amount and the order of next of kin are DEMO PARAMETERS
and a demo rule, not the law of any country.
"""

from __future__ import annotations

from datetime import date

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules import Award, FactSpec, Household, Month, ParameterSnapshot, Reason, format_eur, member_field

RELATIONS = ("spouse", "child", "parent", "sibling")   # closest first
FACTS = (
    FactSpec("date_of_death", "date", roles=("deceased",)),
    FactSpec("relation_to_deceased", "choice", roles=("parent", "child", "adult"), choices=RELATIONS),
)


def applies(household: Household) -> bool:
    return any(p.role == "deceased" for p in household.members)


def check(household: Household, period: Month, p: ParameterSnapshot) -> None:
    deceased = household.with_role("deceased")
    if len(deceased) != 1:
        raise InvalidInput(_("{field}: expected exactly one member whose role is deceased, found {count}").format(
            field="household.members", count=len(deceased)))
    person = deceased[0]
    if not person.has("date_of_death"):
        raise InvalidInput(_("{field}: missing").format(field=member_field(household, person.id, "date_of_death")))
    died = person.value("date_of_death")
    if died < person.birthdate or died > period.stop:
        raise InvalidInput(_("{field}: {day} must be between the birthdate and the end of the period {period}").format(
            field=member_field(household, person.id, "date_of_death"), day=died.isoformat(), period=str(period)))


def age_on(birthdate: date, day: date) -> int:
    """Age in whole years on ``day`` (someone born on 29 Feb has a birthday on 1 Mar in other years)."""
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def decide(household: Household, period: Month, p: ParameterSnapshot) -> list[Award]:
    """Funeral grant (demo rule): when a death falls in the month, a one-off grant is offered to
    the closest adult next of kin: a spouse, then a child, a parent, a sibling; the eldest among
    equals. Nobody is offered it when the register links no adult relative."""
    deceased = household.with_role("deceased")[0]
    died = deceased.value("date_of_death")
    if not period.contains(died):
        return []
    adult_age = p["funeral_grant.next_of_kin_minimum_age"]
    kin = [person for person in household.members
           if person.role != "deceased" and person.has("relation_to_deceased") and age_on(person.birthdate, died) >= adult_age]
    if not kin:
        return [Award("funeral_grant", deceased.id, None, 0, False, (Reason("no_next_of_kin", {"deceased": deceased.id, "age": adult_age}),))]
    closest = min(kin, key=lambda k: (RELATIONS.index(k.value("relation_to_deceased")), k.birthdate, household.position(k.id)))
    amount = p["funeral_grant.amount"]
    reason = Reason("funeral_grant_next_of_kin", {"person": closest.id, "deceased": deceased.id, "amount": format_eur(amount)})
    return [Award("funeral_grant", closest.id, closest.id, amount, True, (reason,))]
