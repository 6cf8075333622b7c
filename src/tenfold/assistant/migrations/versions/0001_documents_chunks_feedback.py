"""assistant documents, chunks, embedding cache, answers and feedback

Revision ID: assistant_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "assistant_0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assistant_documents",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(1000), nullable=False, unique=True),
        sa.Column("document_set", sa.String(200), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("metadata", Json, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_assistant_documents_set", "assistant_documents", ["document_set"])
    op.create_table(
        "assistant_chunks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("document_id", Id, sa.ForeignKey("assistant_documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("section_path", Json, nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("char_start", sa.Integer, nullable=False),
        sa.Column("char_end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_assistant_chunks_ordinal"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_assistant_chunks_hash", "assistant_chunks", ["content_hash"])
    op.create_table(
        "assistant_embeddings",
        sa.Column("model", sa.String(100), primary_key=True),
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "assistant_answers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("retrieval_mode", sa.String(16), nullable=False),
        sa.Column("answer", Json, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assistant_feedback",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("answer_id", sa.String(36), sa.ForeignKey("assistant_answers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rating", sa.SmallInteger, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_assistant_feedback_created", "assistant_feedback", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_assistant_feedback_created", "assistant_feedback")
    op.drop_table("assistant_feedback")
    op.drop_table("assistant_answers")
    op.drop_table("assistant_embeddings")
    op.drop_index("ix_assistant_chunks_hash", "assistant_chunks")
    op.drop_table("assistant_chunks")
    op.drop_index("ix_assistant_documents_set", "assistant_documents")
    op.drop_table("assistant_documents")
