"""Every golden case of every program passes on both paths, and together they cover every reason code."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenfold.programs import NAMES, load, load_all
from tenfold.rules import load_cases, run_case

CASES = [(program.name, case) for program in load_all() for case in load_cases(program)]


@pytest.mark.parametrize(("program", "case"), CASES, ids=[f"{p}: {c.name}" for p, c in CASES])
def test_golden_case_passes_on_both_paths(program: str, case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(load(program), case)
    assert result.per_household == []
    if case.expects_error:
        assert result.vectorised is None
    else:
        assert result.vectorised == []


@pytest.mark.parametrize("name", NAMES)
def test_every_reason_code_is_covered_by_a_golden_case(name: str) -> None:
    program = load(name)
    covered = set().union(*(case.reason_codes() for case in load_cases(program)))
    assert set(program.reasons.codes) - covered == set(), "reason codes without a golden case"
    assert covered <= set(program.reasons.codes), "golden cases name unknown reason codes"


@pytest.mark.parametrize("name", NAMES)
def test_every_program_has_an_error_case_and_an_eligible_case(name: str) -> None:
    cases = load_cases(load(name))
    assert any(case.expects_error for case in cases)
    assert any(item.get("amount_eur", 0) != 0 for case in cases for item in case.expect.get("items", []))


def test_a_wrong_expectation_fails_on_both_paths() -> None:
    program = load("family_benefits")
    case = next(c for c in load_cases(program) if c.name.startswith("SKA's example, children"))
    items = [dict(item) for item in case.expect["items"]]
    items[2]["amount_eur"] = 80
    result = run_case(program, replace(case, expect={**case.expect, "items": items}))
    assert not result.passed
    assert any("kati" in problem and "amount" in problem for problem in result.per_household)
    assert any("kati" in problem for problem in result.vectorised or [])


def test_a_missing_item_and_a_wrong_total_fail() -> None:
    program = load("family_benefits")
    case = next(c for c in load_cases(program) if c.name.startswith("Triplets born"))
    items = [i for i in case.expect["items"] if i["benefit"] != "multiple_birth_allowance"]
    result = run_case(program, replace(case, expect={**case.expect, "items": items, "one_off_total_eur": 320}))
    problems = " ".join(result.per_household)
    assert "unexpected item multiple_birth_allowance" in problems and "one_off_total_eur" in problems


def test_an_error_case_fails_when_the_input_is_accepted() -> None:
    program = load("family_benefits")
    case = next(c for c in load_cases(program) if c.name.startswith("SKA's example, children"))
    result = run_case(program, replace(case, expect={"error": "household.members[9]"}))
    assert not result.passed and "accepted" in result.per_household[0]
