"""Tell Us Once at the agencies other than SIB: PEN stops the pension, TAX marks the tax year for
closing, VEH and LAND flag the estate; each on its own data, each logging what it did."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.storage import upgrade
from tenfold.tellusonce.service import TellUsOnce

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_tellusonce"


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_tellusonce(member_code: str, engine: Engine | None = None) -> tuple[TellUsOnce, str]:
    """The member's subscriber over its own database and registries; and the member's id."""
    from tenfold.registries import open_service
    from tenfold.settings import get_settings
    from tenfold.storage import member_engine

    settings = get_settings()
    from tenfold.topology import load

    member = load(settings.topology).member(member_code)
    engine = engine or member_engine(member.code, settings)
    registries = open_service(engine, member.id, member.registries)
    migrate(engine)
    subsystem = next(s for s in member.subsystems if s.inbox)
    return TellUsOnce(engine, registries, f"{member.id}/{subsystem.code}"), member.id


__all__ = ["MIGRATIONS", "VERSION_TABLE", "TellUsOnce", "migrate", "open_tellusonce"]
