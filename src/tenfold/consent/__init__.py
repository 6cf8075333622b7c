"""Consent: the GovStack Consent building block (policies, data agreements, individuals, consent
records with a signed revision hash chain, withdrawal, verification, audit, the right to be
forgotten). Provider gateways ask it before releasing data whose lawful basis is consent."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.consent.chain import RevisionSigner
from tenfold.consent.config import ConsentSettings, consent_settings
from tenfold.consent.service import ConsentService
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_consent"


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_consent(engine: Engine, var_dir: Path, settings: ConsentSettings | None = None) -> ConsentService:
    """The building block over its own database (migrated, and seeded from the agreements file)."""
    settings = settings or consent_settings()
    migrate(engine)
    service = ConsentService(engine, RevisionSigner.from_file(settings.signing_key_path(var_dir)), settings.member)
    if settings.agreements is not None:
        service.seed(settings.agreements)
    return service


__all__ = ["ConsentService", "ConsentSettings", "RevisionSigner", "consent_settings", "migrate", "open_consent"]
