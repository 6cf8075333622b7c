"""The portal's settings (environment prefix ``TENFOLD_PORTAL_``).

Addresses default to the port plan of the topology (what ``tenfold serve`` runs): the portal's
own gateway, its own public URL and the identity provider's. A deployment sets them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenfold.settings import get_settings

SOURCE_ROOT = Path(__file__).resolve().parents[3]


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_PORTAL_", extra="ignore")

    member: str = Field("DEMO/GOV/PORTAL", description="The portal's X-Road member id.")
    client: str = Field("DEMO/GOV/PORTAL/portal", description="The subsystem residents' self-service calls other members as.")
    staff_client: str = Field("DEMO/GOV/PORTAL/staff", description="The subsystem caseworkers and operators call other members as.")
    assistant_url: str | None = Field(None, description="SIB's policy assistant for caseworkers; default: from the port plan.")
    gateway_url: str | None = Field(None, description="The portal's own gateway; default: from the port plan.")
    public_url: str | None = Field(None, description="Where browsers reach the portal (https; http only on loopback).")
    issuer: str | None = Field(None, description="The identity provider's URL; default: from the port plan.")
    oidc_client_file: Path | None = Field(None, description="The portal's OIDC client (id and private key); default var/portal/oidc-client.json.")
    assets_dir: Path = Field(SOURCE_ROOT / "node_modules", description="npm packages (USWDS, htmx) served under /static.")
    runtime_file: Path | None = Field(None, description="tenfold serve's runtime.json (the operator's view of the gateways).")
    timezone: str = Field("Europe/Tallinn", description="Times are shown in this zone.")
    session_idle_seconds: int = Field(1800, ge=60, le=86400, description="A session ends after this long without a request.")
    session_max_seconds: int = Field(8 * 3600, ge=300, le=7 * 86400, description="A session ends this long after sign-in, whatever happens.")
    staff_idle_seconds: int = Field(900, ge=60, le=86400, description="A staff session ends after this long without a request.")
    login_per_minute: int = Field(10, ge=1, le=10_000, description="Sign-in attempts per minute from one address.")
    confirm_per_minute: int = Field(20, ge=1, le=10_000, description="Confirmations per minute in one session.")
    four_eyes_cents: int = Field(100_000, ge=0, description="A caseworker's decision above this amount needs a second caseworker.")
    staff_max_failures: int = Field(5, ge=1, le=100, description="Failed staff sign-ins before the account is locked.")
    staff_lockout_seconds: int = Field(900, ge=1, description="How long a locked staff account stays locked.")
    exchange_timeout_seconds: float = Field(15.0, gt=0, description="How long one call through the exchange may take.")
    scrypt_n: int = Field(2**14, ge=2**10, le=2**20, description="scrypt cost of staff password hashes (a power of two).")

    def client_file(self) -> Path:
        return self.oidc_client_file or get_settings().var_dir.resolve() / "portal" / "oidc-client.json"

    def runtime(self) -> Path:
        return self.runtime_file or get_settings().var_dir.resolve() / "runtime.json"


@lru_cache(maxsize=1)
def portal_settings() -> PortalSettings:
    return PortalSettings()
