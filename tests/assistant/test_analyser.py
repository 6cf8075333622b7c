"""The analyser: Traditional Chinese indexed through Simplified, words plus bigrams; English words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.assistant.analyser import BIGRAM, Analyser, stem

analyser = Analyser()


def test_traditional_and_simplified_chinese_give_the_same_terms() -> None:
    assert analyser.terms("申請育兒津貼的資格") == analyser.terms("申请育儿津贴的资格")


def test_chinese_gets_words_and_character_bigrams() -> None:
    terms = analyser.terms("喪葬津貼")
    assert "丧葬" in terms and "津贴" in terms
    assert f"{BIGRAM}葬津" in terms  # a bigram across the word boundary, which a segmenter would miss


def test_question_words_are_not_terms() -> None:
    assert analyser.terms("請問可以領多少?") == ["领"]
    assert analyser.terms("What is it and how do I get it?") == []


def test_english_plurals_and_numbers_are_normalised() -> None:
    assert analyser.terms("Payments for children: £16,000 savings") == ["payment", "child", "16000", "saving"]
    assert stem("families") == "family" and stem("allowances") == "allowance" and stem("status") == "status"


def test_full_width_digits_match_half_width_ones() -> None:
    assert analyser.terms("１２個月") == analyser.terms("12個月")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_analysed_deterministically_into_terms_without_spaces(text: str) -> None:
    terms = analyser.terms(text)
    assert terms == analyser.terms(text)
    assert all(term and not any(c.isspace() for c in term) for term in terms)
