"""Composing the answer to a question: "not found in the sources", verbatim quotes, or (when an
endpoint is configured) a generated answer whose quotes passed the check in code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tenfold.assistant.citations import Citation
from tenfold.assistant.extractive import extract
from tenfold.assistant.generation import LLMEndpoint, LLMUnavailable, UnverifiedAnswer, generate
from tenfold.assistant.models import Passage
from tenfold.assistant.retrieval import Hit, Retrieval, Retriever
from tenfold.i18n import _

KINDS = ("extractive", "generated", "not_found")
PROMPT_PASSAGES = 5


@dataclass(frozen=True)
class Answer:
    question: str
    kind: str
    text: str
    citations: tuple[Citation, ...]
    retrieval: Retrieval
    context: tuple[Passage, ...] = ()
    notice: str | None = None
    notice_detail: str | None = None
    model: str | None = None
    id: str | None = field(default=None, compare=False)

    @property
    def found(self) -> bool:
        return self.kind != "not_found"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "question": self.question, "kind": self.kind, "found": self.found, "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "retrieval": {"mode": self.retrieval.mode, "coverage": round(self.retrieval.coverage, 4),
                          "margin": None if self.retrieval.margin is None else round(self.retrieval.margin, 4)},
            "passages": [_hit_dict(h) for h in self.retrieval.hits],
            "context": [{"chunk_id": p.chunk_id, "document": p.document, "section": p.section, "page": p.page}
                        for p in self.context],
            "notice": self.notice, "notice_detail": self.notice_detail, "model": self.model,
        }


def _hit_dict(hit: Hit) -> dict[str, Any]:
    p = hit.passage
    return {
        "chunk_id": p.chunk_id, "document": p.document, "title": p.title, "section": p.section, "page": p.page,
        "score": round(hit.score, 6), "bm25_rank": hit.lexical_rank, "dense_rank": hit.dense_rank,
        "similarity": None if hit.similarity is None else round(hit.similarity, 4),
        "margin": None if hit.margin is None else round(hit.margin, 4), "coverage": round(hit.coverage, 4),
    }


def compose(retrieval: Retrieval, retriever: Retriever, llm: LLMEndpoint | None = None) -> Answer:
    if not retrieval.relevant:
        return Answer(question=retrieval.question, kind="not_found", text=_("Not found in the sources."),
                      citations=(), retrieval=retrieval)
    context = tuple(n for hit in retrieval.hits[:2] for n in retriever.neighbours(hit.passage))
    quotes = tuple(extract(retrieval, retriever))
    extractive = Answer(question=retrieval.question, kind="extractive", text="\n\n".join(c.quote for c in quotes),
                        citations=quotes, retrieval=retrieval, context=context)
    if llm is None:
        return extractive
    return _generated(extractive, retrieval, llm)


def _generated(extractive: Answer, retrieval: Retrieval, llm: LLMEndpoint) -> Answer:
    passages = [h.passage for h in retrieval.hits[:PROMPT_PASSAGES]]
    try:
        generated = generate(llm, retrieval.question, passages)
    except LLMUnavailable as error:
        return _fallback(extractive, _("The language model could not be reached; this is the extractive answer."), error)
    except UnverifiedAnswer as error:
        return _fallback(extractive, _("The generated answer failed the citation check; this is the extractive answer."), error)
    return Answer(question=retrieval.question, kind="generated", text=generated.text, citations=generated.citations,
                  retrieval=retrieval, context=extractive.context, model=generated.model)


def _fallback(extractive: Answer, notice: str, error: Exception) -> Answer:
    return Answer(question=extractive.question, kind=extractive.kind, text=extractive.text,
                  citations=extractive.citations, retrieval=extractive.retrieval, context=extractive.context,
                  notice=notice, notice_detail=str(error))
