"""The assistant's SQL adapter: documents, chunks, the embedding cache, answers and feedback.

SQLAlchemy Core on either backend; each public method is one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Iterable, Sequence

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select, update

from tenfold.assistant import tables as t
from tenfold.assistant.models import Chunk, ParsedDocument, Passage


@dataclass(frozen=True)
class StoredDocument:
    id: int
    key: str
    document_set: str
    title: str
    language: str
    format: str
    content_hash: str
    metadata: dict[str, Any]
    chunks: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


class AssistantStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # ---------------------------------------------------------------- documents and chunks
    def content_hash_of(self, key: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(select(t.documents.c.content_hash).where(t.documents.c.key == key)).scalar()

    def save_document(self, key: str, document_set: str, content_hash: str, parsed: ParsedDocument,
                      chunks: Sequence[tuple[Chunk, str]]) -> int:
        """Insert or replace a document with its chunks (``(chunk, embedding-text hash)`` pairs)."""
        values = {
            "document_set": document_set, "title": parsed.title[:500], "language": parsed.language,
            "format": parsed.format, "content_hash": content_hash, "text": parsed.text,
            "metadata": parsed.metadata, "ingested_at": _now(),
        }
        with self.engine.begin() as connection:
            existing = connection.execute(select(t.documents.c.id).where(t.documents.c.key == key)).scalar()
            if existing is None:
                document_id = connection.execute(insert(t.documents).values(key=key, **values)).inserted_primary_key[0]
            else:
                document_id = existing
                connection.execute(delete(t.chunks).where(t.chunks.c.document_id == document_id))
                connection.execute(update(t.documents).where(t.documents.c.id == document_id).values(**values))
            if chunks:
                connection.execute(insert(t.chunks), [_chunk_row(document_id, chunk, digest) for chunk, digest in chunks])
        return int(document_id)

    def documents(self) -> list[StoredDocument]:
        counts = select(t.chunks.c.document_id, func.count().label("n")).group_by(t.chunks.c.document_id).subquery()
        query = (select(t.documents, func.coalesce(counts.c.n, 0).label("n"))
                 .outerjoin(counts, counts.c.document_id == t.documents.c.id).order_by(t.documents.c.key))
        with self.engine.connect() as connection:
            return [_document(row, int(row.n)) for row in connection.execute(query)]

    def document(self, document_id: int) -> tuple[StoredDocument, str] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(t.documents).where(t.documents.c.id == document_id)).first()
        return (_document(row), row.text) if row else None

    def passages(self) -> list[Passage]:
        with self.engine.connect() as connection:
            rows = connection.execute(_passage_query().order_by(t.documents.c.key, t.chunks.c.ordinal)).all()
        return [_passage(row) for row in rows]

    def passage(self, chunk_id: int) -> Passage | None:
        with self.engine.connect() as connection:
            row = connection.execute(_passage_query().where(t.chunks.c.id == chunk_id)).first()
        return _passage(row) if row else None

    def revision(self) -> tuple[int, int, int]:
        """Changes whenever a chunk is added, replaced or removed (ids are never reused)."""
        with self.engine.connect() as connection:
            count, highest = connection.execute(select(func.count(), func.coalesce(func.max(t.chunks.c.id), 0))).one()
            embedded = connection.execute(select(func.count()).select_from(t.embeddings)).scalar_one()
        return int(count), int(highest), int(embedded)

    # ---------------------------------------------------------------- embedding cache
    def vectors(self, model: str) -> dict[str, np.ndarray]:
        query = select(t.embeddings.c.content_hash, t.embeddings.c.vector).where(t.embeddings.c.model == model)
        with self.engine.connect() as connection:
            return {row.content_hash: np.frombuffer(row.vector, dtype=np.float32) for row in connection.execute(query)}

    def unembedded(self, model: str) -> list[Passage]:
        """One passage per chunk text that has no vector for ``model`` yet."""
        cached = select(t.embeddings.c.content_hash).where(t.embeddings.c.model == model)
        with self.engine.connect() as connection:
            rows = connection.execute(_passage_query().where(t.chunks.c.content_hash.not_in(cached))
                                      .order_by(t.chunks.c.id)).all()
        unique: dict[str, Passage] = {}
        for row in rows:
            unique.setdefault(row.content_hash, _passage(row))
        return list(unique.values())

    def save_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [{"model": model, "content_hash": digest, "dim": int(v.shape[0]),
                 "vector": np.ascontiguousarray(v, dtype=np.float32).tobytes()} for digest, v in items]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(insert(t.embeddings), rows)

    # ---------------------------------------------------------------- answers and feedback
    def record_answer(self, question: str, language: str, kind: str, mode: str, payload: dict[str, Any]) -> str:
        answer_id = str(uuid.uuid4())
        with self.engine.begin() as connection:
            connection.execute(insert(t.answers).values(
                id=answer_id, question=question, language=language, kind=kind, retrieval_mode=mode,
                answer=payload, created_at=_now()))
        return answer_id

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(t.answers).where(t.answers.c.id == answer_id)).first()
        return dict(row._mapping) if row else None

    def record_feedback(self, answer_id: str, rating: int, comment: str | None, language: str) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(insert(t.feedback).values(
                answer_id=answer_id, rating=rating, comment=comment, language=language, created_at=_now()))
        return int(result.inserted_primary_key[0])

    def feedback(self, limit: int = 100) -> list[dict[str, Any]]:
        query = (select(t.feedback.c.id, t.feedback.c.rating, t.feedback.c.comment, t.feedback.c.created_at,
                        t.feedback.c.answer_id, t.answers.c.question, t.answers.c.kind)
                 .join(t.answers, t.answers.c.id == t.feedback.c.answer_id)
                 .order_by(t.feedback.c.id.desc()).limit(limit))
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]


def _chunk_row(document_id: int, chunk: Chunk, digest: str) -> dict[str, Any]:
    return {
        "document_id": document_id, "ordinal": chunk.ordinal, "section_path": list(chunk.section_path),
        "page": chunk.page, "char_start": chunk.start, "char_end": chunk.end, "text": chunk.text, "content_hash": digest,
    }


def _passage_query():  # type: ignore[no-untyped-def]
    c, d = t.chunks.c, t.documents.c
    return select(c.id, c.document_id, d.key, d.title, d.document_set, d.language, c.ordinal, c.section_path,
                  c.page, c.char_start, c.char_end, c.text, c.content_hash).join(t.documents, d.id == c.document_id)


def _passage(row: Any) -> Passage:
    return Passage(
        chunk_id=int(row.id), document_id=int(row.document_id), document=row.key, title=row.title,
        document_set=row.document_set, language=row.language, ordinal=int(row.ordinal),
        section_path=tuple(row.section_path), page=row.page, start=int(row.char_start), end=int(row.char_end),
        text=row.text, content_hash=row.content_hash,
    )


def _document(row: Any, chunk_count: int = 0) -> StoredDocument:
    return StoredDocument(id=int(row.id), key=row.key, document_set=row.document_set, title=row.title,
                          language=row.language, format=row.format, content_hash=row.content_hash,
                          metadata=dict(row._mapping["metadata"] or {}), chunks=chunk_count)
