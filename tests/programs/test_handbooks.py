"""Every program has a handbook in English and Traditional Chinese, with clear headings."""

from __future__ import annotations

import re

import pytest

from tenfold.programs import NAMES, load


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_a_handbook_names_every_benefit_under_headings(name: str, language: str) -> None:
    program = load(name)
    text = program.handbook(language).read_text(encoding="utf-8")
    headings = re.findall(r"^#{1,3} .+$", text, flags=re.M)
    assert text.startswith("# ") and len(headings) >= 5
    for benefit in program.benefits.values():
        assert benefit.title[language] in text
    if language == "zh-Hant":
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 300
    else:
        assert re.search(r"^## .*(Assumptions|demo)", text, flags=re.M | re.I)


def test_the_family_benefits_handbook_says_the_sections_were_not_verified() -> None:
    text = load("family_benefits").handbook("en").read_text(encoding="utf-8")
    assert "Perehüvitiste seadus" in text and "not verified" in text
