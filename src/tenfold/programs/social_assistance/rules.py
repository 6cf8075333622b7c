"""Integrated social assistance (demo), per household: a means-tested monthly benefit in the style
of Turkey's integrated social assistance system (ISAS).

The applicant gives only their personal code; the household's incomes (tax board), property (land
register) and vehicles (vehicle register) arrive through the exchange. All amounts and limits are
DEMO PARAMETERS, not the law of any country. A fact the registries could not provide is written
``null`` and sends the case to a caseworker: the rules never default a missing fact.
"""

from __future__ import annotations

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules import Award, FactSpec, Household, Month, ParameterSnapshot, Person, Reason, format_eur, member_field

LIVING = ("parent", "child", "adult")
MEANS = ("annual_income_cents", "property_value_cents", "vehicle_value_cents")
FACTS = (
    FactSpec("applicant", "member"),
    FactSpec("annual_income_cents", "cents", roles=LIVING, nullable=True),
    FactSpec("property_value_cents", "cents", roles=LIVING, nullable=True),
    FactSpec("vehicle_value_cents", "cents", roles=LIVING, nullable=True),
)


def applies(household: Household) -> bool:
    return household.value("applicant") is not None


def check(household: Household, period: Month, p: ParameterSnapshot) -> None:
    """Every living member must carry every means fact (``null`` when the registry had none)."""
    if household.value("applicant") is None:
        raise InvalidInput(_("{field}: missing").format(field="household.applicant"))
    applicant = household.member(household.value("applicant"))
    if applicant.role not in ("parent", "adult"):
        raise InvalidInput(_("{field}: {value!r} is not an adult member of the household").format(
            field="household.applicant", value=applicant.id))
    for person in members(household):
        for name in MEANS:
            if not person.has(name):
                raise InvalidInput(_("{field}: missing (write null when the registry has no data)").format(
                    field=member_field(household, person.id, name)))


def members(household: Household) -> list[Person]:
    """Who counts in the household: every living member."""
    return [person for person in household.members if person.role in LIVING]


def decide(household: Household, period: Month, p: ParameterSnapshot) -> list[Award]:
    """Social assistance (demo rule): the household's income of the previous calendar year, per
    member and month, must be below the threshold; the property and vehicles the members own
    must be worth no more than the limits. The benefit tops the household up to the threshold
    times its members. A test whose facts are missing cannot be settled: unless another test
    already fails, a caseworker decides (reason ``needs_caseworker``)."""
    applicant = household.value("applicant")
    people = members(household)
    year = str(period.year_period().previous())
    threshold = p["social_assistance.income_threshold_per_member"] * len(people)
    failures: list[Reason] = []
    missing = [f"{person.id}.{name}" for person in people for name in MEANS if person.value(name) is None]
    income = _monthly_income(people)
    if income is not None and income >= threshold:
        failures.append(Reason("income_above_threshold", {
            "income": format_eur(income), "members": len(people), "threshold": format_eur(threshold), "year": year}))
    for name, code, limit in (("property_value_cents", "property_above_limit", "social_assistance.property_value_limit"),
                              ("vehicle_value_cents", "vehicle_above_limit", "social_assistance.vehicle_value_limit")):
        total = _total(people, name)
        if total is not None and total > p[limit]:
            failures.append(Reason(code, {"value": format_eur(total), "limit": format_eur(p[limit])}))
    if failures:
        return [Award("social_assistance", applicant, applicant, 0, False, tuple(failures))]
    if missing:
        return [Award("social_assistance", applicant, applicant, 0, False,
                      (Reason("needs_caseworker", {"missing": ", ".join(missing)}),))]
    assert income is not None
    amount = threshold - income
    reason = Reason("income_below_threshold", {"income": format_eur(income), "members": len(people), "year": year,
                                               "threshold": format_eur(threshold), "amount": format_eur(amount)})
    return [Award("social_assistance", applicant, applicant, amount, True, (reason,))]


def _monthly_income(people: list[Person]) -> int | None:
    """The household's monthly income: last year's total over twelve, rounded half up to a cent."""
    total = _total(people, "annual_income_cents")
    return None if total is None else (total + 6) // 12


def _total(people: list[Person], name: str) -> int | None:
    values = [person.value(name) for person in people]
    return None if any(v is None for v in values) else sum(values)
