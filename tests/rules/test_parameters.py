"""Dated parameters: the value in force is the latest on or before the day; none before the first."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenfold.errors import InvalidInput
from tenfold.programs import load
from tenfold.rules import ParameterNotInForce, ParameterSet

YAML = """
rate:
  description: {en: A rate, zh-Hant: 金額}
  unit: EUR cents
  reference: demo parameter
  values:
    - {from: 2023-01-01, value: 8000}
    - {from: 2024-01-01, value: 9000}
    - {from: 2024-07-01, value: 9500}
"""


def _load(tmp_path: Path, text: str = YAML) -> ParameterSet:
    path = tmp_path / "parameters.yaml"
    path.write_text(text, encoding="utf-8")
    return ParameterSet.load(path, "demo")


def test_a_day_before_the_first_value_is_an_error(tmp_path: Path) -> None:
    rate = _load(tmp_path)["rate"]
    with pytest.raises(ParameterNotInForce, match="rate has no value on 2022-12-31"):
        rate.at(date(2022, 12, 31))
    assert rate.in_force(date(2022, 12, 31)) is None
    with pytest.raises(ParameterNotInForce):
        load("family_benefits").parameters.at(date(2022, 12, 1))


@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)))
def test_the_value_in_force_is_the_latest_on_or_before_the_day(day: date) -> None:
    rate = ParameterSet.load(Path(__file__).parent / "fixtures" / "rate.yaml", "demo")["rate"]
    expected = 9500 if day >= date(2024, 7, 1) else 9000 if day >= date(2024, 1, 1) else 8000
    assert rate.at(day) == expected
    values, known = rate.vector_at(np.array([(day - date(1970, 1, 1)).days]))
    assert known[0] and values[0] == expected


def test_each_change_takes_effect_on_its_date(tmp_path: Path) -> None:
    rate = _load(tmp_path)["rate"]
    for entry in rate.values:
        assert rate.at(entry.start) == entry.value
        if entry is not rate.values[0]:
            assert rate.at(entry.start - timedelta(days=1)) != entry.value


def test_the_version_is_the_latest_date_and_a_hash_of_the_file(tmp_path: Path) -> None:
    version = _load(tmp_path).version
    assert version.startswith("2024-07-01+") and version == _load(tmp_path).version
    assert _load(tmp_path, YAML.replace("9500", "9600")).version != version


@pytest.mark.parametrize(("change", "message"), [
    (("2024-07-01", "2023-06-01"), "strictly increasing"),
    (("EUR cents", "dollars"), "unit"),
    (("demo parameter", "''"), "reference"),
    (("9500", "-1"), "whole non-negative"),
    (("zh-Hant: 金額", "fr: montant"), "zh-Hant"),
])
def test_a_malformed_parameter_is_refused_with_its_place(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as error:
        _load(tmp_path, YAML.replace(*change))
    assert "rate" in str(error.value)


def test_the_family_benefits_history_is_in_dated_values() -> None:
    parameters = load("family_benefits").parameters
    three, seven = parameters["large_family_allowance.amount_3_to_6"], parameters["large_family_allowance.amount_7_or_more"]
    assert [(v.start, v.value) for v in three.values] == [(date(2023, 1, 1), 65000), (date(2024, 1, 1), 45000)]
    assert [(v.start, v.value) for v in seven.values] == [(date(2023, 1, 1), 85000), (date(2024, 1, 1), 65000)]
    exit_open = parameters["large_family_allowance.gradual_exit.open_to_new_exits"]
    assert exit_open.at(date(2023, 6, 30)) is True and exit_open.at(date(2023, 7, 1)) is False
    assert parameters["large_family_allowance.gradual_exit.two_children"].at(date(2023, 12, 31)) == 43333
    assert parameters["large_family_allowance.gradual_exit.two_children"].at(date(2024, 1, 1)) == 0
    for day in (date(2023, 1, 1), date(2025, 6, 1), date(2026, 12, 31)):
        snapshot = parameters.at(day)
        assert snapshot["child_allowance.lower_rate"] == 8000 and snapshot["child_allowance.higher_rate"] == 10000
        assert snapshot["childbirth_allowance.amount"] == 32000 and snapshot["single_parent_child_allowance.amount"] == 8000


def test_every_parameter_has_a_reference_and_both_descriptions() -> None:
    for name in ("family_benefits", "social_assistance", "funeral_grant"):
        for parameter in load(name).parameters:
            assert parameter.reference and parameter.description["en"] and parameter.description["zh-Hant"]
            if name == "family_benefits":
                assert "Perehüvitiste seadus" in parameter.reference
            else:
                assert parameter.reference == "demo parameter"
