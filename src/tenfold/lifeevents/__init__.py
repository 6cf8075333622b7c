"""Life events at SIB: event intake (idempotent), the birth and death journeys, offers and their
state machine, confirmations, payment instructions to the treasury, notifications, the
exception queue, social assistance by personal code, the nightly sweep and a death's family
timeline. It uses programs, rules and the exchange (as a client); facts and payment
instructions travel through the exchange, never by reading another member's tables."""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.lifeevents.config import LifeSettings, life_settings
from tenfold.lifeevents.service import LifeEvents
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_lifeevents"


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def open_lifeevents(engine: Engine | None = None, settings: LifeSettings | None = None, gateway_url: str | None = None) -> LifeEvents:
    """SIB's life-events service over its own database (migrated first) and its own gateway."""
    from tenfold.lifeevents.xroad import ExchangeClient, default_gateway_url
    from tenfold.storage import member_engine

    settings = settings or life_settings()
    engine = engine or member_engine(settings.member.split("/")[2])
    migrate(engine)
    url = gateway_url or settings.gateway_url or default_gateway_url(settings.member)
    return LifeEvents(engine, settings, ExchangeClient(url, settings.client, settings.exchange_timeout_seconds))


__all__ = ["MIGRATIONS", "VERSION_TABLE", "LifeEvents", "LifeSettings", "life_settings", "migrate", "open_lifeevents"]
