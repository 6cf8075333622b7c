"""The assistant's tables (prefixed ``assistant_``, so they can live in the SIB member's database
beside other building blocks' tables)."""

from sqlalchemy import (JSON, BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, MetaData, SmallInteger,
                        String, Table, Text, UniqueConstraint)

from tenfold.storage.types import UTCDateTime

metadata = MetaData()

Id = BigInteger().with_variant(Integer, "sqlite")

# One row per ingested file; ``text`` is the text every chunk offset refers to.
documents = Table(
    "assistant_documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(1000), nullable=False, unique=True),
    Column("document_set", String(200), nullable=False),
    Column("title", String(500), nullable=False),
    Column("language", String(16), nullable=False),
    Column("format", String(16), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("ingested_at", UTCDateTime(), nullable=False),
    Index("ix_assistant_documents_set", "document_set"),
    sqlite_autoincrement=True,
)

# Chunk ids are never reused (AUTOINCREMENT), so an old link to a source never shows other text.
chunks = Table(
    "assistant_chunks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("assistant_documents.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("section_path", JSON, nullable=False),
    Column("page", Integer, nullable=True),
    Column("char_start", Integer, nullable=False),
    Column("char_end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("document_id", "ordinal", name="uq_assistant_chunks_ordinal"),
    Index("ix_assistant_chunks_hash", "content_hash"),
    sqlite_autoincrement=True,
)

# Embeddings are cached by (model, hash of the embedded text): re-ingesting or moving a file
# never embeds the same text twice.
embeddings = Table(
    "assistant_embeddings",
    metadata,
    Column("model", String(100), primary_key=True),
    Column("content_hash", String(64), primary_key=True),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

answers = Table(
    "assistant_answers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("question", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("retrieval_mode", String(16), nullable=False),
    Column("answer", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

feedback = Table(
    "assistant_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("answer_id", String(36), ForeignKey("assistant_answers.id", ondelete="CASCADE"), nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("comment", Text, nullable=True),
    Column("language", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_assistant_feedback_created", "created_at"),
)
