"""Wiring: one :class:`Portal` holds the portal's parts (its database, sessions, the exchange
client, the sign-in, the staff directory, the pages). Tests build one with other adapters (a fake
exchange, a temporary database) instead of patching."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from tenfold.ids import scheme
from tenfold.portal.config import PortalSettings
from tenfold.portal.rendering import Clock, Pages
from tenfold.portal.security import RateLimit
from tenfold.portal.sessions import Sessions
from tenfold.portal.signin import CitizenSignIn
from tenfold.portal.staff import StaffDirectory
from tenfold.portal.xroad import Exchange
from tenfold.topology import Topology


@dataclass
class Portal:
    settings: PortalSettings
    engine: Engine
    exchange: Exchange
    staff_exchange: Exchange
    topology: Topology
    public_url: str
    issuer: str
    sessions: Sessions = field(init=False)
    staff: StaffDirectory = field(init=False)
    signin: CitizenSignIn = field(init=False)
    pages: Pages = field(init=False)
    login_limit: RateLimit = field(init=False)
    confirm_limit: RateLimit = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.public_url = self.public_url.rstrip("/")
        self.sessions = Sessions(self.engine, s.session_idle_seconds, s.session_max_seconds, s.staff_idle_seconds)
        self.staff = StaffDirectory(self.engine, s.scrypt_n, s.staff_max_failures, s.staff_lockout_seconds)
        self.signin = CitizenSignIn(s.client_file(), self.public_url, self.issuer)
        self.pages = Pages(Clock(s.timezone), {m.id: m.name.model_dump(by_alias=True) for m in self.topology.members})
        self.login_limit = RateLimit(s.login_per_minute)
        self.confirm_limit = RateLimit(s.confirm_per_minute)

    @property
    def assets(self) -> Path:
        return self.settings.assets_dir


def user_id(personal_code: str) -> str:
    """``X-Road-UserId`` of a resident: the personal code with its country prefix (EE38503049507)."""
    return scheme().country_prefix + scheme().validate(personal_code)
