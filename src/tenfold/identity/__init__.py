"""Identity: an OpenID Connect provider for the country's residents (code flow with PKCE,
private_key_jwt, signed userinfo, pairwise subjects, e-KYC claims from the population register)
and ``tenfold.identity.client``, the relying-party library other members use."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.identity.config import IdentitySettings, identity_settings
from tenfold.identity.people import ExchangePersons, PersonDirectory, StaticPersons
from tenfold.identity.service import IdentityProvider
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_identity"


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_provider(engine: Engine, issuer: str, people: PersonDirectory, settings: IdentitySettings | None = None) -> IdentityProvider:
    """The provider over its own database (migrated first; a signing key is made if needed)."""
    settings = settings or identity_settings()
    migrate(engine)
    return IdentityProvider(engine, settings, settings.issuer_url(issuer), people)


__all__ = ["ExchangePersons", "IdentityProvider", "IdentitySettings", "PersonDirectory", "StaticPersons", "identity_settings",
           "migrate", "open_provider"]
