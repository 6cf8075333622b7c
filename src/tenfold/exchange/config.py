"""The exchange's own settings (environment prefix ``TENFOLD_EXCHANGE_``).

Defaults follow X-Road where X-Road has one (configuration expiry 600 s comes from the topology;
checkpoints stand in for its batched time-stamping); everything is overridable per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ExchangeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_EXCHANGE_", extra="ignore")

    base_port: int = Field(7400, ge=1024, le=60000, description="CENTRAL listens here; members at base + 10 * (index + 1) + offset.")
    host: str = Field("127.0.0.1", description="Where gateways listen for other gateways (mTLS).")
    conf_refresh_seconds: float = Field(60.0, gt=0, description="How often a gateway downloads the global configuration.")
    conf_expiry_seconds: int | None = Field(None, ge=1, description="Overrides the topology's configuration expiry (tests).")
    log_payloads: Literal["full", "hash"] = Field("full", description="Store message bodies in the log, or only their hash.")
    checkpoint_entries: int = Field(1000, ge=1, description="Sign a log checkpoint after this many entries...")
    checkpoint_seconds: float = Field(60.0, gt=0, description="...or after this many seconds with new entries.")
    push_max_attempts: int = Field(15, ge=1, description="PUSH deliveries are dead-lettered after this many failed tries.")
    push_backoff_seconds: float = Field(1.0, gt=0, description="First retry delay; doubles after every failure.")
    push_backoff_max_seconds: float = Field(300.0, gt=0, description="Longest retry delay.")
    poll_seconds: float = Field(0.25, gt=0, description="How often the publisher and the push worker look for work.")
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Larger request bodies are refused with 413.")
    upstream_timeout_seconds: float = Field(30.0, gt=0, description="How long to wait for a provider application.")
    clock_skew_seconds: int = Field(300, ge=1, description="How far a signed message's date may be from ours.")


@lru_cache(maxsize=1)
def exchange_settings() -> ExchangeSettings:
    return ExchangeSettings()
