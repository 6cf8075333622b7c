"""The identity provider's settings (environment prefix ``TENFOLD_IDENTITY_``)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_IDENTITY_", extra="ignore")

    member: str = Field("DEMO/GOV/IDP", description="The identity provider's member id.")
    subsystem: str = Field("identity", description="The subsystem the provider calls the exchange as.")
    issuer: str | None = Field(None, description="Public URL of the provider (https; http only on loopback).")
    gateway_url: str | None = Field(None, description="The member's own gateway (else var/runtime.json).")
    person_service: str = Field("DEMO/GOV/POP/registry/registry", description="Where residents' claims are read.")
    code_seconds: int = Field(60, ge=5, le=600, description="Lifetime of an authorization code.")
    token_seconds: int = Field(600, ge=30, le=86400, description="Lifetime of access and ID tokens.")
    session_seconds: int = Field(1800, ge=60, le=86400, description="How long a sign-in is reused for further requests.")
    transaction_seconds: int = Field(600, ge=60, le=3600, description="How long a sign-in page stays valid.")
    key_rotation_days: float = Field(90, gt=0, description="A signing key older than this is rotated at start.")
    max_failures: int = Field(5, ge=1, le=100, description="Failed sign-ins before an account is locked.")
    lockout_seconds: int = Field(900, ge=1, description="How long a locked account stays locked.")
    attempts_per_minute: int = Field(30, ge=1, description="Sign-in attempts accepted per minute from one address.")
    scrypt_n: int = Field(2**14, ge=2**10, le=2**20, description="scrypt cost of new password hashes (a power of two).")

    def issuer_url(self, fallback: str | None = None) -> str:
        url = (self.issuer or fallback or "http://127.0.0.1:7452").rstrip("/")
        check_public_url(url)
        return url

    @property
    def client_id(self) -> str:
        return f"{self.member}/{self.subsystem}"


def check_public_url(url: str) -> None:
    """https everywhere; plain http only on a loopback address (the demo on one machine)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    raise ValueError(f"{url!r}: the provider's URL must be https (plain http only on 127.0.0.1 or localhost)")


def secure_cookies(issuer: str) -> bool:
    """Cookies carry the Secure flag unless the provider runs on plain http on loopback."""
    return urlsplit(issuer).scheme == "https"


@lru_cache(maxsize=1)
def identity_settings() -> IdentitySettings:
    return IdentitySettings()
