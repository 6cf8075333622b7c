"""The vectorised path gives exactly the per-household path's items, on random households."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenfold.programs import load
from tenfold.rules import Month, compare, decision_rows, evaluate, evaluate_batch, parse_household, to_arrays

from .strategies import HOUSEHOLDS, months

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _both_paths(name: str, period: Month, documents: list[dict]) -> tuple[list, list, list]:
    program = load(name)
    households = [parse_household({**doc, "id": f"h{i}"}, program.facts()) for i, doc in enumerate(documents)]
    decisions = [evaluate(program, h, period) for h in households]
    arrays = to_arrays(households, program.facts())
    return decisions, decision_rows(decisions), evaluate_batch(program, arrays, period).rows(arrays)


def _households(name: str):  # type: ignore[no-untyped-def]
    return months.flatmap(lambda period: st.tuples(st.just(period), st.lists(HOUSEHOLDS[name](period), min_size=1, max_size=5)))


@SETTINGS
@given(_households("family_benefits"))
def test_family_benefits_vectorised_equals_per_household(drawn) -> None:  # type: ignore[no-untyped-def]
    period, documents = drawn
    _decisions, per_household, vectorised = _both_paths("family_benefits", period, documents)
    assert compare(per_household, vectorised) == []


@SETTINGS
@given(_households("social_assistance"))
def test_social_assistance_vectorised_equals_per_household(drawn) -> None:  # type: ignore[no-untyped-def]
    period, documents = drawn
    _decisions, per_household, vectorised = _both_paths("social_assistance", period, documents)
    assert compare(per_household, vectorised) == []


@SETTINGS
@given(_households("funeral_grant"))
def test_funeral_grant_vectorised_equals_per_household(drawn) -> None:  # type: ignore[no-untyped-def]
    period, documents = drawn
    _decisions, per_household, vectorised = _both_paths("funeral_grant", period, documents)
    assert compare(per_household, vectorised) == []


@SETTINGS
@given(st.sampled_from(sorted(HOUSEHOLDS)).flatmap(lambda name: st.tuples(st.just(name), _households(name))))
def test_money_is_whole_cents_never_negative_and_paid_exactly_when_eligible(drawn) -> None:  # type: ignore[no-untyped-def]
    name, (period, documents) = drawn
    decisions, _per_household, vectorised = _both_paths(name, period, documents)
    for item in (i for d in decisions for i in d.items):
        assert type(item.amount_cents) is int and item.amount_cents >= 0
        assert item.eligible == (item.amount_cents > 0)
    assert all(type(row[4]) is int and row[4] >= 0 for row in vectorised)


def test_compare_reports_a_difference() -> None:
    row = (0, "child_allowance", "c0", "p0", 8000, True, ("child_allowance_lower_rate",))
    assert compare([row], [row]) == []
    changed = (*row[:4], 10000, True, row[6])
    problems = compare([row], [changed])
    assert len(problems) == 2 and "per-household only" in problems[0] and "vectorised only" in problems[1]
