"""Estonian family benefits: the child allowance family total, the automatic mode, the program's administration."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.errors import InvalidInput
from tenfold.programs import load
from tenfold.rules import Month, evaluate, offer_deadline, parse_household

PROGRAM = load("family_benefits")


def _receives_child_allowance(born: date, period: Month, studying: bool, final_year: bool) -> bool:
    """An independent reading of the age rule: until the month of the 19th birthday, then while
    studying without secondary education until the end of that school year (June in the final year)."""
    if (period.year, period.month) <= (born.year + 19, born.month):
        return True
    end = (born.year + 19 + (born.month >= 9), 6 if final_year else 8)
    return studying and (period.year, period.month) <= end


children = st.lists(st.tuples(st.integers(0, 23 * 12), st.integers(1, 28), st.booleans(), st.booleans()), max_size=10)


@settings(max_examples=150, deadline=None)
@given(st.integers(Month(2023, 1).index, Month(2026, 12).index), children)
def test_family_child_allowance_total_is_80_for_two_and_100_for_each_further_child(period_index: int, drawn) -> None:  # type: ignore[no-untyped-def]
    period = Month.from_index(period_index)
    members = [{"id": "mari", "role": "parent", "birthdate": "1970-01-01"}]
    eligible = 0
    for i, (age_months, day, studying, final_year) in enumerate(drawn):
        born_month = period.plus(-age_months)
        born = date(born_month.year, born_month.month, day)
        members.append({"id": f"c{i}", "role": "child", "birthdate": born.isoformat(), "recipient": "mari", "father_known": True,
                        "multiple_birth_size": 1, "studying_without_secondary_education": studying,
                        "final_year_of_upper_secondary": final_year})
        eligible += _receives_child_allowance(born, period, studying, final_year)
    decision = evaluate(PROGRAM, parse_household({"members": members}, PROGRAM.facts()), period)
    total = sum(i.amount_cents for i in decision.items if i.benefit == "child_allowance")
    assert total == 100 * (80 * min(eligible, 2) + 100 * max(eligible - 2, 0))
    assert sum(i.eligible for i in decision.items if i.benefit == "child_allowance") == eligible


def _newborn_household() -> dict:
    return {"members": [
        {"id": "mari", "role": "parent", "birthdate": "1990-01-01"},
        {"id": "beebi", "role": "child", "birthdate": "2025-02-03", "recipient": "mari", "father_known": True, "multiple_birth_size": 1},
    ]}


def test_child_allowance_is_an_offer_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENFOLD_CHILD_ALLOWANCE_MODE", raising=False)
    decision = evaluate(PROGRAM, parse_household(_newborn_household(), PROGRAM.facts()), Month(2025, 2))
    assert {i.benefit: i.confirmation for i in decision.items} == {"childbirth_allowance": "offer", "child_allowance": "offer"}


def test_child_allowance_can_be_paid_automatically(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENFOLD_CHILD_ALLOWANCE_MODE", "automatic")
    decision = evaluate(PROGRAM, parse_household(_newborn_household(), PROGRAM.facts()), Month(2025, 2))
    assert {i.benefit: i.confirmation for i in decision.items} == {"childbirth_allowance": "offer", "child_allowance": "automatic"}
    assert decision.to_json()["items"][1]["confirmation"] == "automatic"


def test_a_bad_mode_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENFOLD_CHILD_ALLOWANCE_MODE", "sometimes")
    with pytest.raises(InvalidInput, match="TENFOLD_CHILD_ALLOWANCE_MODE"):
        PROGRAM.confirmation_mode("child_allowance")


def test_the_administration_of_the_program() -> None:
    assert PROGRAM.confirmation == "offer" and PROGRAM.calendar.monthly_payment_day == 8 and PROGRAM.calendar.one_off == "next_run"
    birth = PROGRAM.benefit("childbirth_allowance")
    assert birth.kind == "one_off" and birth.offer_deadline_months == 6
    assert offer_deadline(date(2025, 2, 3), birth.offer_deadline_months) == date(2025, 8, 2)
    assert {b.name for b in PROGRAM.benefits.values() if b.kind == "monthly"} == {
        "child_allowance", "single_parent_child_allowance", "large_family_allowance", "multiple_birth_allowance"}
    assert load("funeral_grant").confirmation_mode("funeral_grant") == "offer"


def test_other_programs_only_where_their_facts_are() -> None:
    household = parse_household(_newborn_household(), PROGRAM.facts())
    assert PROGRAM.rules.applies(household)
    assert not load("social_assistance").rules.applies(household) and not load("funeral_grant").rules.applies(household)
