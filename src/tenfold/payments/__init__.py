"""Payments (the treasury, TRE): account mapper, double-entry ledger, disbursement batches,
ISO 20022 bank files, reconciliation and emergency transfers."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.payments.config import BankDirectory, PaymentsSettings, load_directory, payments_settings
from tenfold.payments.service import PaymentsService
from tenfold.storage import migrate as migrate_storage
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_payments"


def migrate(engine: Engine) -> None:
    """Create or upgrade the treasury's tables (and the outbox its callbacks go through)."""
    migrate_storage(engine)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_payments(engine: Engine | None = None, directory: BankDirectory | None = None,
                  settings: PaymentsSettings | None = None) -> PaymentsService:
    """The treasury's service over its own database (migrated first)."""
    from tenfold.storage import member_engine

    settings = settings or payments_settings()
    engine = engine or member_engine(settings.member.split("/")[2])
    migrate(engine)
    return PaymentsService(engine, directory or load_directory(settings.banks_file), settings)


__all__ = ["MIGRATIONS", "VERSION_TABLE", "BankDirectory", "PaymentsService", "PaymentsSettings", "load_directory", "migrate",
           "open_payments", "payments_settings"]
