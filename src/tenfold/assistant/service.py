"""The assistant's use cases: ingest, ask, give feedback, show a source.

The service keeps one retriever (BM25 index and dense matrix) built from the store and rebuilds
it when the store's revision changes, so a long-running server sees newly ingested documents."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from tenfold.assistant.analyser import Analyser
from tenfold.assistant.answer import Answer, compose
from tenfold.assistant.config import AssistantSettings
from tenfold.assistant.dense import Embedder
from tenfold.assistant.generation import LLMEndpoint
from tenfold.assistant.ingest import IngestReport, Progress, ingest
from tenfold.assistant.models import Passage
from tenfold.assistant.retrieval import MODES, Retrieval, Retriever, Thresholds
from tenfold.assistant.store import AssistantStore, StoredDocument
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import _, current_language

MAX_COMMENT_CHARS = 2000


class SourceNotFound(TenfoldError):
    """No passage with that id (it may have been replaced by a newer version of its document)."""


class AnswerNotFound(TenfoldError):
    """Feedback for an answer that was never given."""


@dataclass(frozen=True)
class SourceView:
    passage: Passage
    document: StoredDocument
    document_text: str
    neighbours: tuple[Passage, ...]


class AssistantService:
    def __init__(self, store: AssistantStore, settings: AssistantSettings, *, embedder: Embedder | None = None,
                 llm: LLMEndpoint | None = None, analyser: Analyser | None = None):
        self.store = store
        self.settings = settings
        self.embedder = embedder
        self.llm = llm
        self.analyser = analyser or Analyser()
        self.thresholds = Thresholds(coverage=settings.min_coverage, margin=settings.min_margin)
        self._retriever: Retriever | None = None
        self._revision: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- ingestion
    def ingest(self, paths: Sequence[str], *, document_set: str | None = None, progress: Progress | None = None,
               root: Path | None = None) -> IngestReport:
        if not paths:
            raise InvalidInput(_("Name at least one file, folder or glob pattern to ingest."))
        return ingest(self.store, paths, document_set=document_set, embedder=self.embedder, progress=progress, root=root)

    # ---------------------------------------------------------------- retrieval and answers
    def retriever(self) -> Retriever:
        revision = self.store.revision()
        with self._lock:
            if self._retriever is None or revision != self._revision:
                vectors = self.store.vectors(self.embedder.name) if self.embedder else None
                self._retriever = Retriever.build(self.store.passages(), self.analyser, self.embedder, vectors,
                                                  self.thresholds)
                self._revision = revision
            return self._retriever

    def retrieve(self, question: str, *, mode: str | None = None, document_sets: Iterable[str] | None = None,
                 limit: int = 10) -> Retrieval:
        text = self.clean_question(question)
        retriever = self.retriever()
        chosen = self._mode(mode)
        sets = self._sets(retriever, document_sets)
        return retriever.search(text, mode=chosen, document_sets=sets, limit=limit)

    def ask(self, question: str, *, mode: str | None = None, document_sets: Iterable[str] | None = None,
            record: bool = True, use_llm: bool = True, limit: int = 10) -> Answer:
        retrieval = self.retrieve(question, mode=mode, document_sets=document_sets, limit=limit)
        answer = compose(retrieval, self.retriever(), self.llm if use_llm else None)
        if not record:
            return answer
        answer_id = self.store.record_answer(retrieval.question, current_language.get(), answer.kind, retrieval.mode,
                                             answer.to_dict())
        return Answer(**{**answer.__dict__, "id": answer_id})

    def clean_question(self, question: str) -> str:
        text = " ".join(question.split())
        if not text:
            raise InvalidInput(_("The question is empty."))
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise InvalidInput(_("The question is longer than {limit} characters.").format(limit=limit))
        return text

    def _mode(self, mode: str | None) -> str:
        chosen = mode or self.settings.mode
        if chosen not in MODES:
            raise InvalidInput(_("Unknown retrieval mode {mode!r} (use one of: {modes}).").format(
                mode=chosen, modes=", ".join(MODES)))
        return chosen

    def _sets(self, retriever: Retriever, document_sets: Iterable[str] | None) -> list[str] | None:
        wanted = [s for s in (document_sets or []) if s]
        known = retriever.document_sets()
        unknown = [s for s in wanted if s not in known]
        if unknown:
            raise InvalidInput(_("Unknown document set {name!r} (known: {known}).").format(
                name=unknown[0], known=", ".join(known) or "-"))
        return wanted or None

    # ---------------------------------------------------------------- sources and feedback
    def source(self, chunk_id: int) -> SourceView:
        passage = self.store.passage(chunk_id)
        found = self.store.document(passage.document_id) if passage else None
        if passage is None or found is None:
            raise SourceNotFound(_("No source passage {id} (the document may have been re-ingested).").format(id=chunk_id))
        document, text = found
        return SourceView(passage=passage, document=document, document_text=text,
                          neighbours=tuple(self.retriever().neighbours(passage, before=2, after=2)))

    def feedback(self, answer_id: str, rating: int, comment: str | None = None) -> int:
        if rating not in (1, -1):
            raise InvalidInput(_("A rating is 1 (helpful) or -1 (not helpful)."))
        comment = (comment or "").strip() or None
        if comment and len(comment) > MAX_COMMENT_CHARS:
            raise InvalidInput(_("The comment is longer than {limit} characters.").format(limit=MAX_COMMENT_CHARS))
        if self.store.answer(answer_id) is None:
            raise AnswerNotFound(_("No answer {id} to give feedback on.").format(id=answer_id))
        return self.store.record_feedback(answer_id, rating, comment, current_language.get())

    def documents(self) -> list[StoredDocument]:
        return self.store.documents()

    def status(self) -> dict[str, object]:
        retriever = self.retriever()
        return {
            "documents": len(self.store.documents()), "passages": len(retriever.passages),
            "document_sets": retriever.document_sets(), "modes": list(retriever.modes),
            "embedder": self.embedder.name if self.embedder else None,
            "embedded_share": round(retriever.dense.coverage, 4) if retriever.dense else None,
            "llm": self.llm.model if self.llm else None,
        }
