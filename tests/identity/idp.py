"""An identity provider in a real HTTP server (uvicorn on a free loopback port, in a thread),
over its own SQLite or PostgreSQL database, with residents held in memory in place of POP."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Callable

import uvicorn

from tenfold.identity import IdentitySettings, StaticPersons, open_provider
from tenfold.identity.accounts import Credentials
from tenfold.identity.api import create_identity_app
from tenfold.identity.client import new_client_key
from tenfold.identity.service import IdentityProvider
from tenfold.ids import isikukood
from tenfold.storage import make_engine

REDIRECT = "http://127.0.0.1:9/callback"
_serials = itertools.count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_person_id() -> str:
    serial = next(_serials)
    return isikukood.generate(date(1980, 1, 1) + timedelta(days=serial % 9000), "F" if serial % 2 else "M", serial % 1000)


def person_record(code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    person = {"ID": code, "firstName": "Mari", "lastName": "Tamm", "birthDate": "1990-05-17", "sex": "F", "status": "alive",
              "addressId": "A-1", "householdId": "H-1", "email": "mari@example.test", "phone": "+3725551234"}
    address = {"ID": "A-1", "street": "Pikk", "house": "3", "apartment": "7", "settlement": "Tallinn", "municipality": "Tallinn",
               "county": "Harju", "postalCode": "10123"}
    return person, address


@dataclass
class Clock:
    """The provider's clock; tests move it forward instead of sleeping."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Idp:
    url: str
    provider: IdentityProvider
    people: StaticPersons
    clock: Clock
    server: uvicorn.Server
    thread: threading.Thread
    clients: dict[str, Any] = field(default_factory=dict)

    def resident(self) -> Credentials:
        """A new resident in the register, with an account."""
        code = new_person_id()
        self.people.people[code] = person_record(code)
        return self.provider.accounts.enrol(code)

    def key_client(self, claims: list[str] | None = None, kind: str = "RSA") -> tuple[str, dict[str, Any]]:
        private, public = new_client_key(kind)
        registration = self.provider.clients.register("Test portal", [REDIRECT], jwks={"keys": [public]}, claims=claims)
        return registration.client.client_id, private

    def secret_client(self) -> tuple[str, str]:
        registration = self.provider.clients.register("Test bank", [REDIRECT])
        assert registration.client_secret
        return registration.client.client_id, registration.client_secret

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.provider.engine.dispose()


def start_idp(database_url: str, settings: IdentitySettings | None = None, on_app: Callable[[Any], None] | None = None) -> Idp:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    people, clock = StaticPersons({}), Clock()
    settings = settings or IdentitySettings(scrypt_n=2**12, attempts_per_minute=1000)
    engine = make_engine(database_url)
    provider = open_provider(engine, url, people, settings)
    provider.clock = clock
    provider.keys.clock = clock
    app = create_identity_app(provider)
    if on_app:
        on_app(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the provider did not start"
    return Idp(url, provider, people, clock, server, thread)


def jwks_json(idp: Idp) -> str:
    return json.dumps(idp.provider.keys.jwks())
