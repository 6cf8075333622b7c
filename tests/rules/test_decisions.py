"""Decision records: versions, parameters used, reason texts in both languages, JSON round trip."""

from __future__ import annotations

import json

import pytest

from tenfold.programs import load
from tenfold.rules import Decision, Month, evaluate, explain, parse_household

HOUSEHOLD = {"members": [
    {"id": "mari", "role": "parent", "birthdate": "1990-02-14"},
    {"id": "anna", "role": "child", "birthdate": "2024-05-10", "recipient": "mari", "father_known": False, "multiple_birth_size": 3},
    {"id": "eva", "role": "child", "birthdate": "2024-05-10", "recipient": "mari", "father_known": False, "multiple_birth_size": 3},
    {"id": "ott", "role": "child", "birthdate": "2024-05-10", "recipient": "mari", "father_known": False, "multiple_birth_size": 3},
]}


@pytest.fixture
def decision() -> Decision:
    program = load("family_benefits")
    return evaluate(program, parse_household(HOUSEHOLD, program.facts()), Month(2024, 5))


def test_a_decision_names_its_rule_and_parameter_versions(decision: Decision) -> None:
    program = load("family_benefits")
    assert decision.rule_version == program.rule_version and decision.rule_version.startswith("1.0+")
    assert decision.parameter_version == program.parameters.version
    assert decision.outcome == "eligible"
    used = decision.parameters["multiple_birth_allowance.amount"]
    assert used["value"] == 100000 and used["from"] == "2018-03-01" and "Perehüvitiste seadus" in used["reference"]


def test_reasons_carry_texts_in_english_and_traditional_chinese(decision: Decision) -> None:
    for item in decision.items:
        for reason in item.reasons:
            assert set(reason.text) == {"en", "zh-Hant"}
            assert "{" not in reason.text["en"] and "{" not in reason.text["zh-Hant"]
    birth = next(i for i in decision.items if i.benefit == "childbirth_allowance")
    assert "€1,000.00" in birth.reasons[0].text["en"] and "生育津貼" in birth.reasons[0].text["zh-Hant"]


def test_a_decision_survives_a_json_round_trip(decision: Decision) -> None:
    document = json.loads(json.dumps(decision.to_json()))
    again = Decision.from_json(document)
    assert again == decision
    assert again.to_json() == decision.to_json()


def test_totals_by_kind(decision: Decision) -> None:
    assert decision.total("one_off") == 3 * 100000
    # 80 + 80 + 100 child allowance, 3 x 80 single parent, 450 large family, 1,000 multiple birth
    assert decision.total("monthly") == (8000 + 8000 + 10000) + 3 * 8000 + 45000 + 100000


def test_explain_gives_reasons_values_and_references_in_either_language(decision: Decision) -> None:
    program = load("family_benefits")
    english = explain(decision, program, "en")
    assert "Perehüvitiste seadus (Family Benefits Act)" in english
    assert "multiple_birth_allowance.amount = €1,000.00 from 2018-03-01" in english
    assert "3 children born together" in english and "Total a month: €1,950.00; one-off: €3,000.00" in english
    chinese = explain(decision, program, "zh-Hant")
    assert "多胞胎津貼" in chinese and "Perehüvitiste seadus" in chinese and "每月合計" in chinese


def test_a_case_for_the_caseworker_is_marked_as_such() -> None:
    program = load("social_assistance")
    household = parse_household({"applicant": "a", "members": [
        {"id": "a", "role": "adult", "birthdate": "1980-01-01", "annual_income_cents": None, "property_value_cents": 0, "vehicle_value_cents": 0}]},
        program.facts())
    decision = evaluate(program, household, Month(2024, 1))
    assert decision.outcome == "needs_caseworker"
    [item] = decision.items
    assert item.outcome == "needs_caseworker" and item.amount_cents == 0 and not item.eligible
    assert "a.annual_income_cents" in item.reasons[0].text["en"]
