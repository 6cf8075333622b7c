"""Missing or contradictory input is refused with an error that names the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tenfold.errors import InvalidInput
from tenfold.programs import load_all
from tenfold.rules import evaluate_household, parse_input

GOOD: dict[str, Any] = {"period": "2024-03", "household": {"members": [
    {"id": "mari", "role": "parent", "birthdate": "1985-04-10"},
    {"id": "liis", "role": "child", "birthdate": "2006-11-05", "recipient": "mari", "father_known": True},
    {"id": "beebi", "role": "child", "birthdate": "2024-03-05", "recipient": "mari", "father_known": True, "multiple_birth_size": 1},
]}}


def _evaluate(document: dict[str, Any]):  # type: ignore[no-untyped-def]
    programs = load_all()
    period, household = parse_input(document, programs)
    return evaluate_household(programs, household, period)


def _with(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    document = copy.deepcopy(GOOD)
    change(document)
    return document


def _member(i: int, **fields: Any):  # type: ignore[no-untyped-def]
    def change(document: dict[str, Any]) -> None:
        for key, value in fields.items():
            if value is ...:
                del document["household"]["members"][i][key]
            else:
                document["household"]["members"][i][key] = value
    return change


def test_the_good_input_is_accepted() -> None:
    assert _evaluate(GOOD).total("one_off") == 32000


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.update(period="2024-3"), "period"),
    (lambda d: d.update(period="2024-13"), "period"),
    (lambda d: d.pop("period"), "period"),
    (lambda d: d.pop("household"), "household"),
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d["household"].update(members=[]), "household.members"),
    (lambda d: d["household"].update(colour="red"), "household.colour"),
    (_member(1, recipient="beebi"), "household.members[1].recipient"),
    (_member(1, recipient="nobody"), "household.members[1].recipient"),
    (_member(1, recipient=...), "household.members[1].recipient"),
    (_member(1, father_known=...), "household.members[1].father_known"),
    (_member(1, father_known="yes"), "household.members[1].father_known"),
    (_member(2, birthdate="2024-04-01"), "household.members[2].birthdate"),
    (_member(2, birthdate="05.03.2024"), "household.members[2].birthdate"),
    (_member(2, multiple_birth_size=...), "household.members[2].multiple_birth_size"),
    (_member(2, multiple_birth_size=0), "household.members[2].multiple_birth_size"),
    (_member(2, id="liis"), "household.members[2].id"),
    (_member(0, role="grandparent"), "household.members[0].role"),
    (_member(0, recipient="liis"), "household.members[0].recipient"),
    (_member(1, fathr_known=True), "household.members[1].fathr_known"),
    (_member(1, father_known={"value": True, "source": 7}), "household.members[1].father_known.source"),
    (_member(1, birthdate=...), "household.members[1].birthdate"),
    (lambda d: d["household"].update(large_family_last_month="2024-03"), "household.large_family_last_month"),
])
def test_bad_input_names_the_field(change, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as error:
        _evaluate(_with(change))
    assert str(error.value).startswith(field + ":") or f"{field}:" in str(error.value)


def test_a_fact_carries_its_exchange_message_id_into_the_decision() -> None:
    document = _with(_member(1, father_known={"value": False, "source": "POP/msg/7f3a"}))
    [decision] = _evaluate(document).decisions
    liis = decision.input_snapshot["members"][1]
    assert liis["facts"]["father_known"] == {"value": False, "source": "POP/msg/7f3a"}
    assert liis["facts"]["birthdate"] == {"value": "2006-11-05", "source": None}
