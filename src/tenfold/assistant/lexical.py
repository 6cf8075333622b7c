"""Keyword retrieval: BM25 (bm25s, Lucene variant) over the analyser's terms.

Besides scores, the index answers how much of a question a passage covers (the share of the
question's IDF-weighted terms that occur in it), which is how the assistant tells a real match
from a passage that merely shares common words."""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

import numpy as np

_EMPTY = "\x00"  # a placeholder term, so a passage without terms still has a row


class LexicalIndex:
    def __init__(self, passage_terms: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75):
        import bm25s

        self.size = len(passage_terms)
        self._term_sets = [frozenset(terms) for terms in passage_terms]
        document_frequency: Counter[str] = Counter()
        for terms in self._term_sets:
            document_frequency.update(terms)
        self._df = document_frequency
        self._bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        if self.size:
            corpus = [list(terms) or [_EMPTY] for terms in passage_terms]
            self._bm25.index(corpus, show_progress=False)

    def idf(self, term: str) -> float:
        """Lucene's IDF; a term no passage has gets the IDF of a term that occurs once."""
        frequency = self._df.get(term, 0) or 1
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        known = [t for t in query_terms if t in self._df]
        if not self.size or not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def coverage(self, query_terms: Sequence[str], index: int) -> float:
        """IDF-weighted share of the distinct question terms present in passage ``index`` (0..1)."""
        distinct = set(query_terms)
        if not distinct:
            return 0.0
        total = sum(self.idf(t) for t in distinct)
        present = sum(self.idf(t) for t in distinct if t in self._term_sets[index])
        return present / total if total else 0.0

    def terms_of(self, index: int) -> frozenset[str]:
        return self._term_sets[index]
