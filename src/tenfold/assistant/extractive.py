"""The default answer: verbatim quotes from the best passages, each a :class:`Citation`.

Each sentence of the top passages is scored by the IDF-weighted share of the question's terms it
holds; the best sentence of the best passage always leads. A sentence that introduces a list
("... if:") is quoted with its list. When the question shares no words with a passage (a
question in the other language), the passage's opening sentences are quoted instead."""

from __future__ import annotations

from dataclasses import dataclass

from tenfold.assistant.citations import Citation
from tenfold.assistant.retrieval import Hit, Retrieval, Retriever
from tenfold.assistant.sentences import Span, lines, quote_units

MAX_QUOTES = 3
MAX_QUOTE_CHARS = 600
SECONDARY_SHARE = 0.5  # a later passage is quoted if its best sentence scores this share of the best


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    span: Span
    score: float


def extract(retrieval: Retrieval, retriever: Retriever, max_quotes: int = MAX_QUOTES) -> list[Citation]:
    """Quotes answering the question, best first; empty when nothing was retrieved."""
    candidates = [_best_sentence(hit, retrieval, retriever) for hit in _distinct(retrieval.hits)[:max_quotes]]
    if not candidates:
        return []
    lead = candidates[0]
    chosen = [lead]
    for candidate in candidates[1:]:
        if lead.score > 0 and candidate.score >= SECONDARY_SHARE * lead.score:
            chosen.append(candidate)
        elif lead.score == 0 and candidate.hit.score >= 0.9 * lead.hit.score:
            chosen.append(candidate)
    return [Citation.of_span(c.hit.passage, *c.span) for c in chosen]


def _distinct(hits: tuple[Hit, ...]) -> list[Hit]:
    """One hit per section: two chunks of the same section would quote the same context."""
    seen: set[tuple[int, tuple[str, ...]]] = set()
    result = []
    for hit in hits:
        key = (hit.passage.document_id, hit.passage.section_path)
        if key not in seen:
            seen.add(key)
            result.append(hit)
    return result


def _best_sentence(hit: Hit, retrieval: Retrieval, retriever: Retriever) -> _Candidate:
    text = hit.passage.text
    units = quote_units(text) or [(0, len(text))]
    question = set(retrieval.terms)
    total = sum(retriever.lexical.idf(t) for t in question) or 1.0
    best, best_score = units[0], 0.0
    for span in units:
        terms = set(retriever.analyser.terms(text[span[0]:span[1]]))
        score = sum(retriever.lexical.idf(t) for t in question & terms) / total
        if score > best_score:
            best, best_score = span, score
    return _Candidate(hit=hit, span=_with_list(text, best), score=best_score)


def _with_list(text: str, span: Span) -> Span:
    """Extend a sentence ending in a colon over the list lines that follow it (within the limit)."""
    start, end = span
    if not text[start:end].rstrip().endswith((":", "：")):
        return span
    for line_start, line_end in lines(text, end):
        if line_end - start > MAX_QUOTE_CHARS:
            break
        if text[end:line_start].count("\n") > 2:
            break
        end = line_end
    return start, end
