"""The portal: server-rendered pages for residents (what the state prepared for them, offers
confirmed in one click, payments, who used their data, consents, messages, a death's timeline,
social assistance), caseworkers (the exception queue, explanations, decisions with reasons and a
second pair of eyes) and operators (the journeys' figures), and a public open-data page.

It is the PORTAL member: it reads and acts through its own gateway like any other member, with
the person acting (``X-Road-UserId``) and a purpose on every call, and it imports no other
building block's tables; residents sign in with the identity provider (``identity.client``).
"""

from pathlib import Path

from sqlalchemy import Engine

from tenfold.portal.bootstrap import Portal, user_id
from tenfold.portal.config import PortalSettings, portal_settings
from tenfold.storage import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_portal"


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def default_urls(settings: PortalSettings) -> tuple[str, str, str]:
    """(the portal's gateway, its public URL, the identity provider) from the settings, else the port plan."""
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan
    from tenfold.settings import get_settings
    from tenfold.topology import load

    topology = load(get_settings().topology)
    plan = PortPlan.of(topology, exchange_settings().base_port)
    member = topology.member(settings.member)
    gateway = settings.gateway_url or plan.local_url(member)
    public = settings.public_url or plan.app_url(member, "portal") or "http://127.0.0.1:8080"
    issuer = settings.issuer or plan.app_url(topology.member("IDP"), "identity") or "http://127.0.0.1:7452"
    return gateway, public, issuer


def open_portal(engine: Engine | None = None, settings: PortalSettings | None = None) -> Portal:
    """The portal over its own database (migrated first) and its own gateway."""
    from tenfold.portal.xroad import GatewayClient
    from tenfold.settings import get_settings
    from tenfold.storage import member_engine
    from tenfold.topology import load

    settings = settings or portal_settings()
    engine = engine or member_engine(settings.member.split("/")[2])
    migrate(engine)
    gateway, public, issuer = default_urls(settings)
    exchange = GatewayClient(gateway, settings.client, settings.exchange_timeout_seconds)
    staff_exchange = GatewayClient(gateway, settings.staff_client, settings.exchange_timeout_seconds)
    return Portal(settings, engine, exchange, staff_exchange, load(get_settings().topology), public, issuer)


__all__ = ["MIGRATIONS", "VERSION_TABLE", "Portal", "PortalSettings", "migrate", "open_portal", "portal_settings", "user_id"]
