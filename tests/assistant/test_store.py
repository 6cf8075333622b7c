"""The assistant's tables: migrations with their own version table, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from tenfold.assistant import migrate, open_assistant
from tenfold.assistant.config import AssistantSettings
from tenfold.storage import make_engine

from .conftest import CORPUS


def test_migrations_create_the_tables_once_and_work_on_every_backend(any_database_url: str) -> None:
    engine = make_engine(any_database_url)
    migrate(engine)
    migrate(engine)  # idempotent
    tables = set(inspect(engine).get_table_names())
    assert {"assistant_documents", "assistant_chunks", "assistant_embeddings", "assistant_answers",
            "assistant_feedback", "alembic_version_assistant"} <= tables
    service = open_assistant(engine, settings=AssistantSettings(), embedder=None, llm=None)
    service.ingest([str(CORPUS / "en-child-benefit-rates.md")])
    answer = service.ask("Child Benefit rate for the eldest child")
    assert answer.found and service.feedback(answer.id, 1, "ok") > 0
    engine.dispose()
