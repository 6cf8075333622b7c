"""SIB's life-events settings (environment prefix ``TENFOLD_LIFE_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenfold.settings import get_settings


class LifeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_LIFE_", extra="ignore")

    member: str = Field("DEMO/GOV/SIB", description="SIB's X-Road member id.")
    client: str = Field("DEMO/GOV/SIB/benefits", description="The subsystem SIB calls other members as.")
    room: str = Field("DEMO/GOV/POP/vital-events", description="The room births and deaths come from.")
    staff_clients: list[str] = Field(["DEMO/GOV/PORTAL/staff"], description="Subsystems whose users are officials, not residents acting for themselves.")
    gateway_url: str | None = Field(None, description="SIB's own gateway; default: from the port plan of the topology.")
    worker: bool = Field(True, description="Run the worker (intake, journeys, payments, notifications) inside the application.")
    concurrency: int = Field(8, ge=1, le=64, description="Events handled at once.")
    poll_seconds: float = Field(0.5, gt=0, description="How often the worker looks for due work when nothing woke it.")
    max_attempts: int = Field(8, ge=1, le=100, description="An event is put in the exception queue after this many failed tries.")
    backoff_seconds: float = Field(0.5, gt=0, description="First retry delay of an event; doubles after every failure.")
    backoff_max_seconds: float = Field(60.0, gt=0, description="Longest retry delay.")
    lease_seconds: float = Field(60.0, gt=0, description="An event claimed by a worker that died is taken again after this.")
    exchange_timeout_seconds: float = Field(20.0, gt=0, description="How long one call through the exchange may take.")
    mail_dir: Path | None = Field(None, description="The e-mail file sink (default var/mail/sib).")
    opencrvs_secret: str | None = Field(None, description="Shared secret of OpenCRVS-style webhooks (HMAC-SHA256); none: refused.")
    offer_deadline_days: int = Field(90, ge=1, description="How long a funeral-grant offer stands.")
    instruction_lead_days: int = Field(5, ge=0, le=27, description="Monthly instructions go to the treasury this many days before the run.")
    budget_cents: int = Field(10**12, ge=0, description="Yearly allocation SIB asks the treasury for, per program (demo).")

    def mail_directory(self) -> Path:
        return self.mail_dir or get_settings().var_dir.resolve() / "mail" / "sib"


@lru_cache(maxsize=1)
def life_settings() -> LifeSettings:
    return LifeSettings()
