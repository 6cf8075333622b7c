"""Evaluation against a gold set: retrieval recall@1/5/10 and MRR@10 at section level, citation
validity (each quote re-checked against the stored text, not against the answer's own copy) and
"not found" accuracy on questions the corpus cannot answer.

A gold file (YAML) lists questions; an answerable one names the acceptable ``document`` (file
name) and ``section`` (the heading path, or its last headings, joined by " > ")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from tenfold.assistant.answer import Answer
from tenfold.assistant.models import SECTION_SEPARATOR, Passage
from tenfold.assistant.retrieval import Retrieval
from tenfold.assistant.service import AssistantService
from tenfold.errors import InvalidInput
from tenfold.i18n import _

GOLD = Path(__file__).parent / "gold" / "gold.yaml"
KINDS = ("direct", "paraphrase", "cross-language", "unanswerable")
CUTOFFS = (1, 5, 10)
DEPTH = 30


@dataclass(frozen=True)
class GoldAnswer:
    document: str
    section: tuple[str, ...]

    def matches(self, passage: Passage) -> bool:
        if passage.file_name != self.document:
            return False
        return not self.section or passage.section_path[-len(self.section):] == self.section


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    language: str
    kind: str
    question: str
    answers: tuple[GoldAnswer, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_gold(path: Path) -> list[GoldQuestion]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput(_("{path}: cannot be read ({reason})").format(path=path, reason=error.strerror)) from None
    except yaml.YAMLError as error:
        raise InvalidInput(_("{path}: not valid YAML ({reason})").format(path=path, reason=error)) from None
    items = loaded.get("questions") if isinstance(loaded, dict) else None
    if not isinstance(items, list) or not items:
        raise InvalidInput(_("{path}: expected a 'questions' list").format(path=path))
    questions = [_question(item, index) for index, item in enumerate(items)]
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise InvalidInput(_("gold question {id}: the id is used twice").format(id=question.id))
        seen.add(question.id)
    return questions


def _question(item: Any, index: int) -> GoldQuestion:
    where = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
    if not isinstance(item, dict) or not isinstance(item.get("question"), str) or not item["question"].strip():
        raise InvalidInput(_("gold question {id}: no question text").format(id=where))
    kind = item.get("kind", "direct")
    if kind not in KINDS or item.get("language") not in ("en", "zh-Hant"):
        raise InvalidInput(_("gold question {id}: bad kind or language").format(id=where))
    answers = tuple(_answer(a, where) for a in item.get("answers") or [])
    if (kind == "unanswerable") != (not answers):
        raise InvalidInput(_("gold question {id}: only unanswerable questions have no answers").format(id=where))
    return GoldQuestion(id=where, language=item["language"], kind=kind, question=item["question"].strip(), answers=answers)


def _answer(item: Any, where: str) -> GoldAnswer:
    if not isinstance(item, dict) or not isinstance(item.get("document"), str):
        raise InvalidInput(_("gold question {id}: an answer needs a document").format(id=where))
    section = tuple(p.strip() for p in str(item.get("section") or "").split(SECTION_SEPARATOR.strip()) if p.strip())
    return GoldAnswer(document=item["document"], section=section)


def section_ranking(retrieval: Retrieval) -> list[Passage]:
    """The retrieved passages with only the first of each (document, section)."""
    seen: set[tuple[int, tuple[str, ...]]] = set()
    ranking = []
    for hit in retrieval.hits:
        key = (hit.passage.document_id, hit.passage.section_path)
        if key not in seen:
            seen.add(key)
            ranking.append(hit.passage)
    return ranking


def first_relevant_rank(question: GoldQuestion, ranking: Sequence[Passage]) -> int | None:
    for rank, passage in enumerate(ranking, start=1):
        if any(answer.matches(passage) for answer in question.answers):
            return rank
    return None


def evaluate(service: AssistantService, gold: Sequence[GoldQuestion], modes: Iterable[str],
             use_llm: bool = False, details: bool = False) -> dict[str, Any]:
    _check_documents(service, gold)
    return {"questions": len(gold), "modes": {mode: _evaluate_mode(service, gold, mode, use_llm, details) for mode in modes}}


def _check_documents(service: AssistantService, gold: Sequence[GoldQuestion]) -> None:
    present = {d.key.rsplit("/", 1)[-1] for d in service.documents()}
    missing = sorted({a.document for q in gold for a in q.answers} - present)
    if missing:
        raise InvalidInput(_("the gold set cites documents that are not ingested: {names}").format(names=", ".join(missing)))


def _evaluate_mode(service: AssistantService, gold: Sequence[GoldQuestion], mode: str, use_llm: bool,
                   details: bool) -> dict[str, Any]:
    rows = []
    for question in gold:
        answer = service.ask(question.question, mode=mode, record=False, use_llm=use_llm, limit=DEPTH)
        rank = first_relevant_rank(question, section_ranking(answer.retrieval)) if question.answerable else None
        valid, total = _citation_validity(service, answer)
        rows.append({"id": question.id, "language": question.language, "kind": question.kind,
                     "answerable": question.answerable, "rank": rank, "found": answer.found,
                     "valid_citations": valid, "citations": total})
    summary = _summary(rows)
    summary["by_language"] = {lang: _summary([r for r in rows if r["language"] == lang]) for lang in ("en", "zh-Hant")}
    summary["by_kind"] = {kind: _summary([r for r in rows if r["kind"] == kind]) for kind in KINDS}
    if details:
        summary["details"] = rows
    return summary


def _citation_validity(service: AssistantService, answer: Answer) -> tuple[int, int]:
    """Re-read each cited passage and its document from the store and compare the quote."""
    valid = 0
    for citation in answer.citations:
        stored = service.store.passage(citation.passage.chunk_id)
        document = service.store.document(stored.document_id) if stored else None
        if stored is None or document is None:
            continue
        in_chunk = stored.text[citation.start - stored.start:citation.end - stored.start] == citation.quote
        in_document = document[1][citation.start:citation.end] == citation.quote
        valid += int(in_chunk and in_document and bool(citation.quote))
    return valid, len(answer.citations)


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    result: dict[str, Any] = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    for k in CUTOFFS:
        result[f"recall@{k}"] = _share(sum(1 for r in answerable if r["rank"] and r["rank"] <= k), len(answerable))
    result["mrr@10"] = _share(sum(1 / r["rank"] for r in answerable if r["rank"] and r["rank"] <= 10), len(answerable))
    citations = sum(r["citations"] for r in rows)
    result["citations"] = citations
    result["citation_validity"] = _share(sum(r["valid_citations"] for r in rows), citations)
    result["not_found_accuracy"] = _share(sum(1 for r in unanswerable if not r["found"]), len(unanswerable))
    result["answered_rate"] = _share(sum(1 for r in answerable if r["found"]), len(answerable))
    return result


def _share(part: float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def failures(report: dict[str, Any]) -> dict[str, list[str]]:
    """Ids of answerable questions missed at rank 10 and unanswerable ones answered, per mode."""
    missed: dict[str, list[str]] = defaultdict(list)
    for mode, summary in report["modes"].items():
        for row in summary.get("details", []):
            if (row["answerable"] and not row["rank"]) or (not row["answerable"] and row["found"]):
                missed[mode].append(row["id"])
    return dict(missed)
