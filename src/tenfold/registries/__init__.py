"""Schema-defined registries behind the GovStack Digital Registries Data API."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.registries.schema import Catalogue, RecordInvalid, RegistrySchema, UnknownRegistry, catalogue
from tenfold.registries.service import AmbiguousQuery, Page, Reader, RecordExists, RecordNotFound, RegistryService
from tenfold.storage import migrate as migrate_storage
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_registries"


def migrate(engine: Engine) -> None:
    """Create or upgrade the registry tables and the outbox they write events to."""
    migrate_storage(engine)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_service(engine: Engine, member_id: str, registries: list[str], definitions: Catalogue | None = None) -> RegistryService:
    """Migrate the member's database, make sure its indexes exist, and return the service."""
    from tenfold.registries import store

    definitions = definitions or catalogue()
    migrate(engine)
    service = RegistryService(engine, member_id, registries, definitions)
    store.ensure_indexes(engine, service.schemas())
    return service


__all__ = [
    "AmbiguousQuery", "Catalogue", "Page", "Reader", "RecordExists", "RecordInvalid", "RecordNotFound",
    "RegistrySchema", "RegistryService", "UnknownRegistry", "catalogue", "migrate", "open_service",
]
