"""Golden cases: households with the outcome a policy officer expects, run on both paths.

A program's ``cases.yaml`` is a list of cases::

    - name: SKA's example, children aged 4, 10 and 17
      period: 2024-03
      household: {members: [...]}
      expect:
        items:
          - {benefit: child_allowance, person: kati, amount_eur: 80, reasons: [child_allowance_lower_rate]}
        monthly_total_eur: 260
        one_off_total_eur: 0

``items`` lists every item the program must produce, no more; an item may also give
``recipient`` and ``eligible`` (otherwise eligible means an amount above zero). A case may
instead expect ``error: <text>``: the input is refused with a message containing that text
(usually the field's name); such a case runs on the per-household path only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import yaml

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules.arrays import to_arrays
from tenfold.rules.batch import evaluate_batch
from tenfold.rules.evaluator import evaluate
from tenfold.rules.facts import parse_household
from tenfold.rules.money import eur_to_cents, format_eur
from tenfold.rules.periods import Month
from tenfold.rules.program import Program

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Item = dict[str, Any]


@dataclass(frozen=True)
class GoldenCase:
    program: str
    name: str
    description: str
    period: Any
    household: Any
    expect: dict[str, Any]

    @property
    def expects_error(self) -> bool:
        return "error" in self.expect

    def reason_codes(self) -> set[str]:
        return {code for item in self.expect.get("items", []) for code in item.get("reasons", [])}


@dataclass
class CaseResult:
    program: str
    name: str
    per_household: list[str] = field(default_factory=list)
    vectorised: list[str] | None = field(default_factory=list)   # None: not run (an error case)

    @property
    def passed(self) -> bool:
        return not self.per_household and not self.vectorised


def load_cases(program: Program) -> list[GoldenCase]:
    document = yaml.load(program.cases_path.read_bytes(), Loader=_LOADER)
    if not isinstance(document, list) or not document:
        raise InvalidInput(_("{path}: expected a list of cases").format(path=program.cases_path.name))
    cases = []
    for i, case in enumerate(document):
        if not isinstance(case, dict) or not {"name", "period", "household", "expect"} <= set(case):
            raise InvalidInput(_("{path}: case {index} needs name, period, household and expect").format(path=program.cases_path.name, index=i))
        cases.append(GoldenCase(program.name, str(case["name"]), str(case.get("description", "")).strip(),
                                case["period"], case["household"], dict(case["expect"])))
    names = [c.name for c in cases]
    duplicate = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if duplicate:
        raise InvalidInput(_("{path}: two cases are named {name!r}").format(path=program.cases_path.name, name=duplicate))
    return cases


def run_case(program: Program, case: GoldenCase) -> CaseResult:
    result = CaseResult(program.name, case.name)
    try:
        period = Month.parse(case.period.strftime("%Y-%m") if hasattr(case.period, "strftime") else case.period)
        household = parse_household(case.household, program.facts())
        decision = evaluate(program, household, period)
    except InvalidInput as error:
        if case.expects_error and str(case.expect["error"]) in str(error):
            result.vectorised = None
            return result
        result.per_household.append(_("refused: {error}").format(error=error))
        result.vectorised = None
        return result
    if case.expects_error:
        result.per_household.append(_("expected the error {error!r}, but the input was accepted").format(error=case.expect["error"]))
        result.vectorised = None
        return result
    expected = _expected_items(case)
    actual = [{"benefit": i.benefit, "person": i.person, "recipient": i.recipient, "amount_cents": i.amount_cents,
               "eligible": i.eligible, "reasons": sorted(r.code for r in i.reasons)} for i in decision.items]
    result.per_household = _differences(expected, actual, case, decision.total("monthly"), decision.total("one_off"))
    arrays = to_arrays([household], program.facts())
    batch = evaluate_batch(program, arrays, period)
    vectorised = [{"benefit": b, "person": p, "recipient": r or None, "amount_cents": a, "eligible": e, "reasons": sorted(codes)}
                  for _h, b, p, r, a, e, codes in batch.rows(arrays)]
    result.vectorised = _differences(expected, vectorised, case, int(batch.total("monthly")[0]), int(batch.total("one_off")[0]))
    return result


def run_cases(programs: Iterable[Program]) -> list[CaseResult]:
    return [run_case(program, case) for program in programs for case in load_cases(program)]


def _expected_items(case: GoldenCase) -> list[Item]:
    items = []
    for i, item in enumerate(case.expect.get("items", [])):
        where = f"{case.name}: expect.items[{i}]"
        if "amount_eur" not in item and "amount_cents" not in item:
            raise InvalidInput(_("{field}: needs amount_eur").format(field=where))
        cents = eur_to_cents(item["amount_eur"], f"{where}.amount_eur") if "amount_eur" in item else int(item["amount_cents"])
        items.append({**item, "amount_cents": cents, "reasons": sorted(item.get("reasons", []))})
    return items


def _differences(expected: list[Item], actual: list[Item], case: GoldenCase, monthly: int, one_off: int) -> list[str]:
    problems = []
    key = lambda item: (item["benefit"], str(item["person"]))  # noqa: E731
    found = {key(item): item for item in actual}
    wanted = {key(item): item for item in expected}
    for missing in sorted(set(wanted) - set(found)):
        problems.append(_("missing item {benefit} for {person}").format(benefit=missing[0], person=missing[1]))
    for extra in sorted(set(found) - set(wanted)):
        item = found[extra]
        problems.append(_("unexpected item {benefit} for {person}: {amount} {reasons}").format(
            benefit=extra[0], person=extra[1], amount=format_eur(item["amount_cents"]), reasons=item["reasons"]))
    for k in sorted(set(found) & set(wanted)):
        problems += _item_differences(wanted[k], found[k])
    for name, total in (("monthly_total_eur", monthly), ("one_off_total_eur", one_off)):
        if name in case.expect and eur_to_cents(case.expect[name], f"{case.name}: expect.{name}") != total:
            problems.append(_("{name}: expected {expected}, got {actual}").format(
                name=name, expected=format_eur(eur_to_cents(case.expect[name], name)), actual=format_eur(total)))
    return problems


def _item_differences(want: Item, got: Item) -> list[str]:
    label = f"{want['benefit']}/{want['person']}"
    problems = []
    checks = [("amount", format_eur(want["amount_cents"]), format_eur(got["amount_cents"])),
              ("reasons", want["reasons"], got["reasons"]),
              ("eligible", want.get("eligible", want["amount_cents"] > 0), got["eligible"])]
    if "recipient" in want:
        checks.append(("recipient", want["recipient"], got["recipient"]))
    for name, expected, actual in checks:
        if expected != actual:
            problems.append(_("{item}: {name} expected {expected}, got {actual}").format(item=label, name=name, expected=expected, actual=actual))
    return problems
