"""Hybrid retrieval: BM25 and dense candidates merged by reciprocal rank fusion, filtered by
document set, with neighbouring chunks for context and a judgement of whether anything relevant
was found at all (the basis of an honest "not found in the sources").

Two measures keep the two languages fair to each other. The embedding model rates any passage in
the question's own language higher than one in the other language, so a dense score is the
cosine similarity minus the question's mean similarity to the passages of that passage's
language (the *margin*); a Chinese question then finds the English rule that stands out among
English passages. And a BM25 hit counts in the fusion in proportion to the square of the share of
the question it covers, so near-misses on common words do not outvote the dense list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from tenfold.assistant.analyser import Analyser
from tenfold.assistant.dense import DenseIndex, Embedder, EmbedderUnavailable
from tenfold.assistant.fusion import reciprocal_rank_fusion
from tenfold.assistant.lexical import LexicalIndex
from tenfold.assistant.models import Passage

MODES = ("bm25", "dense", "hybrid")
CANDIDATES = 50
JUDGED_HITS = 3
SHRINKAGE = 20  # passages' worth of the overall mean mixed into each language's mean


@dataclass(frozen=True)
class Thresholds:
    """When a retrieval counts as finding something: a passage covers this share of the question's
    weighted terms, or its dense margin reaches this value. Chosen on the shipped gold set
    (``tenfold assistant eval``) to keep most answerable questions answered."""

    coverage: float = 0.4
    margin: float = 0.06


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    lexical_rank: int | None
    dense_rank: int | None
    similarity: float | None
    margin: float | None
    coverage: float


@dataclass(frozen=True)
class Retrieval:
    question: str
    mode: str
    hits: tuple[Hit, ...]
    relevant: bool
    coverage: float
    margin: float | None
    terms: tuple[str, ...]


class Retriever:
    def __init__(self, passages: Sequence[Passage], analyser: Analyser, lexical: LexicalIndex,
                 dense: DenseIndex | None, embedder: Embedder | None, thresholds: Thresholds | None = None):
        self.passages = list(passages)
        self.analyser = analyser
        self.lexical = lexical
        self.dense = dense if embedder is not None else None
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self._sets = np.array([p.document_set for p in self.passages], dtype=object)
        self._languages = np.array([p.language for p in self.passages], dtype=object)
        self._position = {(p.document_id, p.ordinal): i for i, p in enumerate(self.passages)}

    @classmethod
    def build(cls, passages: Sequence[Passage], analyser: Analyser, embedder: Embedder | None,
              vectors: dict[str, np.ndarray] | None = None, thresholds: Thresholds | None = None) -> "Retriever":
        """Index ``passages``; ``vectors`` maps a passage's content hash to its embedding."""
        lexical = LexicalIndex([analyser.terms(p.search_text()) for p in passages])
        dense = None
        if embedder is not None:
            matrix = np.zeros((len(passages), embedder.dim), dtype=np.float32)
            present = np.zeros(len(passages), dtype=bool)
            for row, passage in enumerate(passages):
                vector = (vectors or {}).get(passage.content_hash)
                if vector is not None and vector.shape == (embedder.dim,):
                    matrix[row], present[row] = vector, True
            dense = DenseIndex(matrix, present)
        return cls(passages, analyser, lexical, dense, embedder, thresholds)

    @property
    def modes(self) -> tuple[str, ...]:
        return MODES if self.dense is not None else ("bm25",)

    def document_sets(self) -> list[str]:
        return sorted(set(self._sets.tolist()))

    def search(self, question: str, mode: str = "hybrid", document_sets: Iterable[str] | None = None,
               limit: int = 10) -> Retrieval:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if mode == "dense" and self.dense is None:
            raise EmbedderUnavailable("dense retrieval needs the embedding model (the 'dense' extra); use bm25")
        if mode == "hybrid" and self.dense is None:
            mode = "bm25"
        terms = tuple(self.analyser.terms(question))
        allowed = self._mask(document_sets)
        lexical, coverage = self._lexical_ranking(terms, allowed) if mode != "dense" else ([], {})
        similarities, margins = self._dense_scores(question, allowed) if mode != "bm25" else (None, None)
        dense = [i for i in _top(margins, CANDIDATES) if allowed[i] and similarities[i] > -1.0] if margins is not None else []
        fused = reciprocal_rank_fusion([lexical, dense], weights=[{i: c * c for i, c in coverage.items()}, None])
        hits = tuple(self._hit(i, score, terms, lexical, dense, similarities, margins) for i, score in fused[:max(limit, JUDGED_HITS)])
        return self._judge(question, mode, hits, limit, terms, margins, dense)

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        """The chunks just before and after ``passage`` in the same section, in document order."""
        found = []
        for ordinal in [*range(passage.ordinal - before, passage.ordinal), *range(passage.ordinal + 1, passage.ordinal + after + 1)]:
            index = self._position.get((passage.document_id, ordinal))
            if index is not None and self.passages[index].section_path == passage.section_path:
                found.append(self.passages[index])
        return found

    def _mask(self, document_sets: Iterable[str] | None) -> np.ndarray:
        if not document_sets:
            return np.ones(len(self.passages), dtype=bool)
        return np.isin(self._sets, list(document_sets))

    def _lexical_ranking(self, terms: Sequence[str], allowed: np.ndarray) -> tuple[list[int], dict[int, float]]:
        scores = self.lexical.scores(terms)
        scores = np.where(allowed & (scores > 0), scores, 0.0)
        ranking = [i for i in _top(scores, CANDIDATES) if scores[i] > 0]
        return ranking, {i: self.lexical.coverage(terms, i) for i in ranking}

    def _dense_scores(self, question: str, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarities and margins (similarity minus the question's mean similarity to the
        passages of the same language, shrunk towards the overall mean for small languages)."""
        assert self.dense is not None and self.embedder is not None
        similarities = self.dense.similarities(self.embedder.query(question))
        present = self.dense.present
        margins = np.full(similarities.shape, -np.inf, dtype=np.float32)
        if not present.any():
            return similarities, margins
        overall = float(similarities[present].mean())
        for language in set(self._languages[present].tolist()):
            group = present & (self._languages == language)
            reference = (float(similarities[group].sum()) + SHRINKAGE * overall) / (int(group.sum()) + SHRINKAGE)
            margins[group] = similarities[group] - reference
        margins[~allowed] = -np.inf
        return similarities, margins

    def _hit(self, index: int, score: float, terms: Sequence[str], lexical: list[int], dense: list[int],
             similarities: np.ndarray | None, margins: np.ndarray | None) -> Hit:
        return Hit(
            passage=self.passages[index], score=score,
            lexical_rank=lexical.index(index) + 1 if index in lexical else None,
            dense_rank=dense.index(index) + 1 if index in dense else None,
            similarity=float(similarities[index]) if similarities is not None else None,
            margin=float(margins[index]) if margins is not None else None,
            coverage=self.lexical.coverage(terms, index),
        )

    def _judge(self, question: str, mode: str, hits: tuple[Hit, ...], limit: int, terms: tuple[str, ...],
               margins: np.ndarray | None, dense: list[int]) -> Retrieval:
        coverage = max((h.coverage for h in hits[:JUDGED_HITS]), default=0.0)
        margin = float(margins[dense[0]]) if margins is not None and dense else None
        lexical_ok = mode != "dense" and coverage >= self.thresholds.coverage
        dense_ok = margin is not None and margin >= self.thresholds.margin
        relevant = bool(hits) and (lexical_ok or dense_ok)
        return Retrieval(question=question, mode=mode, hits=hits[:limit] if limit else hits, relevant=relevant,
                         coverage=coverage, margin=margin, terms=terms)


def _top(scores: np.ndarray | None, count: int) -> list[int]:
    """Indices of the ``count`` highest scores, best first (stable for ties)."""
    if scores is None or scores.size == 0:
        return []
    count = min(count, scores.size)
    candidates = np.argpartition(-scores, count - 1)[:count]
    return sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))
