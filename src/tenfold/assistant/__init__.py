"""The policy assistant: ingest handbooks and rules, retrieve with BM25 + dense vectors, answer
with verbatim, checkable citations (and, when configured, a generated answer whose quotes are
verified in code)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tenfold.assistant.answer import Answer
from tenfold.assistant.citations import Citation, CitationError, cite, locate
from tenfold.assistant.config import AssistantSettings, LLMSettings, get_assistant_settings
from tenfold.assistant.dense import Embedder, EmbedderUnavailable, load_embedder
from tenfold.assistant.generation import LLMEndpoint
from tenfold.assistant.models import Passage
from tenfold.assistant.service import AnswerNotFound, AssistantService, SourceNotFound
from tenfold.assistant.store import AssistantStore
from tenfold.storage import make_engine, member_engine, upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_assistant"
DEFAULT = object()


def migrate(engine: Engine) -> None:
    """Create or upgrade the assistant's tables."""
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def assistant_engine(settings: AssistantSettings | None = None) -> Engine:
    """The assistant's own database URL if set, else its member's database (SIB by default)."""
    settings = settings or get_assistant_settings()
    if settings.database_url:
        return make_engine(settings.database_url)
    return member_engine(settings.member)


def open_assistant(engine: Engine | None = None, *, settings: AssistantSettings | None = None,
                   embedder: Embedder | None | object = DEFAULT, llm: LLMEndpoint | None | object = DEFAULT) -> AssistantService:
    """Migrate the database and return the service, configured from the environment unless told."""
    settings = settings or get_assistant_settings()
    engine = engine or assistant_engine(settings)
    migrate(engine)
    chosen_embedder = load_embedder(settings.embedder, settings.embedder_threads) if embedder is DEFAULT else embedder
    chosen_llm = LLMSettings().endpoint() if llm is DEFAULT else llm
    return AssistantService(AssistantStore(engine), settings, embedder=chosen_embedder,  # type: ignore[arg-type]
                            llm=chosen_llm)  # type: ignore[arg-type]


__all__ = [
    "Answer", "AnswerNotFound", "AssistantService", "AssistantSettings", "AssistantStore", "Citation", "CitationError",
    "Embedder", "EmbedderUnavailable", "LLMEndpoint", "Passage", "SourceNotFound", "assistant_engine", "cite", "locate",
    "migrate", "open_assistant",
]
