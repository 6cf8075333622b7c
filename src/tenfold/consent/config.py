"""The Consent building block's settings (environment prefix ``TENFOLD_CONSENT_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_AGREEMENTS = Path(__file__).parent / "agreements.toml"


class ConsentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_CONSENT_", extra="ignore")

    member: str = Field("DEMO/GOV/CONSENT", description="The Consent building block's member id.")
    signing_key: Path | None = Field(None, description="PEM file of the key that signs revisions (default var/consent/<member>/revision-key.pem).")
    agreements: Path | None = Field(DEMO_AGREEMENTS, description="Policies and data agreements made at start when missing (TOML).")

    def signing_key_path(self, var_dir: Path) -> Path:
        return self.signing_key or var_dir / "consent" / self.member.split("/")[2].lower() / "revision-key.pem"


@lru_cache(maxsize=1)
def consent_settings() -> ConsentSettings:
    return ConsentSettings()
