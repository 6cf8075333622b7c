"""A citation can never point at text that is not in the source."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tenfold.assistant.citations import Citation, CitationError, cite, locate
from tenfold.assistant.models import Passage

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=200)


def passage(text: str, start: int = 100) -> Passage:
    return Passage(chunk_id=7, document_id=1, document="corpus/policy/x.md", title="X", document_set="policy",
                   language="en", ordinal=0, section_path=("X",), page=None, start=start, end=start + len(text), text=text)


def test_a_citation_of_words_that_are_not_in_the_passage_cannot_be_made() -> None:
    source = passage("You could get £81.90 a week.")
    with pytest.raises(CitationError):
        Citation(source, 100, 108, "You can get")  # the source says "could"
    with pytest.raises(CitationError):
        Citation(source, 90, 98, "You coul")  # outside the passage
    with pytest.raises(CitationError):
        cite(source, "You could get £100 a week.")


def test_a_citation_names_document_offsets_and_the_exact_source_characters() -> None:
    source = passage("Carer’s Allowance is £81.90 a week.")
    citation = cite(source, "carer's allowance IS   £81.90")  # case, quote mark and spaces differ
    assert citation.quote == "Carer’s Allowance is £81.90"
    assert (citation.start, citation.end) == (100, 100 + len(citation.quote))
    assert citation.to_dict()["quote"] == citation.quote


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_any_substring_can_be_cited_and_its_citation_is_verbatim(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(text)))
    assume(text[start:end].strip())
    citation = cite(passage(text), text[start:end])
    assert text[citation.start - 100:citation.end - 100] == citation.quote
    assert citation.quote.strip() == text[start:end].strip() or citation.quote in text


@settings(max_examples=500, deadline=None)
@given(TEXT, TEXT)
def test_whatever_is_proposed_a_citation_only_ever_holds_source_text(text: str, proposal: str) -> None:
    source = passage(text)
    try:
        citation = cite(source, proposal)
    except CitationError:
        assert locate(text, proposal) is None
        return
    assert citation.quote
    assert source.text[citation.start - source.start:citation.end - source.start] == citation.quote
    assert source.start <= citation.start < citation.end <= source.end


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=-5, max_value=250), st.integers(min_value=-5, max_value=250), TEXT)
def test_citations_are_checked_at_construction(text: str, start: int, end: int, quote: str) -> None:
    source = passage(text, start=0)
    valid = 0 <= start < end <= len(text) and text[start:end] == quote
    if valid:
        assert Citation(source, start, end, quote).quote == quote
    else:
        with pytest.raises(CitationError):
            Citation(source, start, end, quote)
