"""Simulated banks (BANK1, BANK2): faithful simulators of a real bank's corporate payment channel
speaking ISO 20022 (pain.001 in; pain.002, camt.054, camt.053 and pacs.004 out), over the
exchange or an SFTP-style folder pair, each over the bank member's own database."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.banks.config import BankSettings, Faults, bank_settings, identity
from tenfold.banks.simulator import Arrival, BankSimulator
from tenfold.storage import migrate as migrate_storage
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_banks"


def migrate(engine: Engine) -> None:
    """Create or upgrade the bank's tables (its customer-accounts registry is the registries' own)."""
    from tenfold.registries import migrate as migrate_registries

    migrate_storage(engine)
    migrate_registries(engine)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_bank(code: str, engine: Engine | None = None, settings: BankSettings | None = None) -> BankSimulator:
    """The simulated bank ``code`` (BANK1...) over its own database, migrated first."""
    from tenfold.storage import member_engine

    engine = engine or member_engine(code)
    migrate(engine)
    return BankSimulator(engine, code, settings)


__all__ = ["Arrival", "BankSettings", "BankSimulator", "Faults", "bank_settings", "identity", "migrate", "open_bank"]
