"""The per-household path: run a program's rules for one household and one month.

The evaluator checks the input (errors name the field), takes the parameter values in force on
the first day of the month, calls the program's rules and writes the decision record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Sequence

from tenfold.errors import InvalidInput
from tenfold.i18n import LANGUAGES, _
from tenfold.rules.decisions import Award, Decision, DecisionItem, Evaluation
from tenfold.rules.facts import FactSpec, Household, parse_household
from tenfold.rules.parameters import ParameterSnapshot
from tenfold.rules.periods import Month
from tenfold.rules.program import Program


def fact_specs(programs: Iterable[Program]) -> tuple[FactSpec, ...]:
    """Every fact any of ``programs`` reads (a name declared twice must mean the same)."""
    specs: dict[str, FactSpec] = {}
    for program in programs:
        for spec in program.facts():
            if specs.setdefault(spec.name, spec) != spec:
                raise InvalidInput(_("the fact {name} is declared differently by two programs").format(name=spec.name))
    return tuple(specs.values())


def parse_input(document: Any, programs: Sequence[Program]) -> tuple[Month, Household]:
    """``{"period": "YYYY-MM", "household": {...}}`` as a month and a household."""
    if not isinstance(document, dict):
        raise InvalidInput(_("input: expected an object with period and household"))
    unknown = sorted(set(document) - {"period", "household"})
    if unknown:
        raise InvalidInput(_("{field}: unknown field; allowed: period, household").format(field=unknown[0]))
    if "period" not in document:
        raise InvalidInput(_("{field}: missing").format(field="period"))
    if "household" not in document:
        raise InvalidInput(_("{field}: missing").format(field="household"))
    period = Month.parse(document["period"])
    return period, parse_household(document["household"], fact_specs(programs))


def check_dates(household: Household, period: Month) -> None:
    """Nobody in the household may be born after the month being decided."""
    for i, person in enumerate(household.members):
        if person.birthdate > period.stop:
            raise InvalidInput(_("{field}: {day} is after the end of the period {period}").format(
                field=f"household.members[{i}].birthdate", day=person.birthdate.isoformat(), period=str(period)))


def evaluate(program: Program, household: Household, period: Month, parameters: ParameterSnapshot | None = None) -> Decision:
    """``program``'s decision for ``household`` in ``period``."""
    check_dates(household, period)
    parameters = parameters or program.parameters.at(period.start)
    program.rules.check(household, period, parameters)
    awards: list[Award] = program.rules.decide(household, period, parameters)
    items = tuple(_item(program, award) for award in awards)
    return Decision(
        program=program.name, household=household.id, period=period, items=items,
        rule_version=program.rule_version, parameter_version=parameters.version,
        parameters=_parameters_used(program, items, parameters), input_snapshot=household.to_json(),
    )


def evaluate_household(programs: Sequence[Program], household: Household, period: Month) -> Evaluation:
    """Every program that applies to ``household`` (e.g. family benefits where there are children)."""
    applicable = [p for p in programs if p.rules.applies(household)]
    return Evaluation(period=period, decisions=tuple(evaluate(p, household, period) for p in applicable))


def _item(program: Program, award: Award) -> DecisionItem:
    benefit = program.benefit(award.benefit)
    definitions = [program.reasons[r.code] for r in award.reasons]
    outcomes = {d.outcome for d in definitions}
    outcome = "needs_caseworker" if "needs_caseworker" in outcomes else ("eligible" if award.eligible else "not_eligible")
    if award.amount_cents < 0 or (award.amount_cents > 0) != award.eligible:
        raise RuntimeError(f"{program.name}.{award.benefit}: an award is eligible exactly when its amount is positive")
    reasons = tuple(replace(r, text={lang: program.reasons.text(r, lang) for lang in LANGUAGES}) for r in award.reasons)
    return DecisionItem(
        program=program.name, benefit=award.benefit, person=award.person, recipient=award.recipient, kind=benefit.kind,
        amount_cents=int(award.amount_cents), eligible=award.eligible, outcome=outcome,
        confirmation=program.confirmation_mode(award.benefit), reasons=reasons,
    )


def _parameters_used(program: Program, items: Sequence[DecisionItem], parameters: ParameterSnapshot) -> dict[str, Any]:
    used: dict[str, Any] = {}
    for item in items:
        for reason in item.reasons:
            for name in program.reasons[reason.code].parameters:
                parameter = program.parameters[name]
                entry = parameter.entry_at(parameters.day)
                used[name] = {"value": entry.value, "from": entry.start.isoformat(), "unit": parameter.unit,
                              "reference": parameter.reference}
    return used
