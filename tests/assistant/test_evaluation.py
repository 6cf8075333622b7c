"""The gold set and the evaluation: metrics that would fail if retrieval or citations broke."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tenfold.assistant import AssistantService
from tenfold.assistant.evaluation import GOLD, evaluate, first_relevant_rank, load_gold, section_ranking
from tenfold.errors import InvalidInput


def test_the_shipped_gold_set_is_big_bilingual_and_varied() -> None:
    gold = load_gold(GOLD)
    assert len(gold) >= 150
    languages = Counter(q.language for q in gold)
    assert languages["en"] == languages["zh-Hant"]
    kinds = Counter(q.kind for q in gold)
    assert kinds["paraphrase"] >= 30 and kinds["cross-language"] >= 20 and kinds["unanswerable"] >= 15
    assert {q.language for q in gold if q.kind == "cross-language"} == {"en", "zh-Hant"}


def test_every_gold_answer_names_a_section_that_exists(bm25_service: AssistantService) -> None:
    passages = bm25_service.store.passages()
    for question in load_gold(GOLD):
        for answer in question.answers:
            assert any(answer.matches(p) for p in passages), (question.id, answer)


def write_gold(path: Path, body: str) -> Path:
    path.write_text("version: 1\nquestions:\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    ("  - {id: a, language: en, kind: direct, question: Q}\n", "only unanswerable"),
    ("  - {id: a, language: fr, kind: direct, question: Q, answers: [{document: x.md}]}\n", "bad kind or language"),
    ("  - {id: a, language: en, kind: unanswerable, question: Q}\n  - {id: a, language: en, kind: unanswerable, question: R}\n", "twice"),
    ("  - {id: a, language: en, kind: direct, question: '', answers: [{document: x.md}]}\n", "no question"),
])
def test_a_broken_gold_file_is_refused_with_the_question_named(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_gold(write_gold(tmp_path / "gold.yaml", body))


def test_evaluation_scores_ranks_validity_and_abstention(bm25_service: AssistantService, tmp_path: Path) -> None:
    gold = load_gold(write_gold(tmp_path / "gold.yaml", """
  - id: hit
    language: en
    kind: direct
    question: How much is Guardian's Allowance a week?
    answers: [{document: en-guardians-allowance-what-youll-get.md, section: What you'll get}]
  - id: miss
    language: en
    kind: direct
    question: How much is Guardian's Allowance a week?
    answers: [{document: zh-labor-insurance-act-excerpt.md, section: 第 62 條}]
  - id: nothing
    language: en
    kind: unanswerable
    question: How do I renew a British passport?
"""))
    report = evaluate(bm25_service, gold, ["bm25"], details=True)["modes"]["bm25"]
    ranks = {row["id"]: row["rank"] for row in report["details"]}
    assert ranks["hit"] is not None and ranks["hit"] <= 3 and ranks["miss"] is None
    assert report["recall@10"] == 0.5 and report["not_found_accuracy"] == 1.0
    assert report["citation_validity"] == 1.0 and report["citations"] >= 2
    retrieval = bm25_service.retrieve(gold[0].question, limit=30)
    assert first_relevant_rank(gold[0], section_ranking(retrieval)) == ranks["hit"]


def test_evaluation_refuses_a_gold_set_about_documents_that_are_not_ingested(fresh_service: AssistantService, tmp_path: Path) -> None:
    gold = load_gold(write_gold(tmp_path / "gold.yaml", "  - {id: a, language: en, kind: direct, question: Q, answers: [{document: absent.md}]}\n"))
    with pytest.raises(InvalidInput, match="absent.md"):
        evaluate(fresh_service, gold, ["bm25"])
