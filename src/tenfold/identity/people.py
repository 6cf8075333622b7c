"""Residents' data, read from the population register through the exchange.

The provider holds no personal data but credentials: a resident's name, birth date, address and
contacts are read from POP when a relying party is to receive them, through the provider's own
gateway (``X-Road-Client: DEMO/GOV/IDP/identity``), so every read is signed, logged and shown to
the resident in POP's data tracker with its purpose.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Callable, Protocol

from tenfold.identity.errors import PersonUnavailable


class PersonDirectory(Protocol):
    def person(self, person_id: str, purpose: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The person's register record and their address record (None when not found)."""


class ExchangePersons:
    """Reads POP's persons and addresses registries through the member's own gateway."""

    def __init__(self, gateway: Callable[[], str], client: str, service: str, timeout: float = 10.0):
        self.gateway, self.client, self.service, self.timeout = gateway, client, service, timeout

    def _read(self, registry: str, record_id: str, purpose: str) -> dict[str, Any] | None:
        url = f"{self.gateway()}/r1/{self.service}/data/{registry}/1.0/read"
        body = json.dumps({"query": {"content": {"ID": record_id}}}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Road-Client": self.client,
            "X-Road-Purpose": purpose.encode("ascii", "replace").decode()})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - our gateway
                return dict(json.loads(response.read())["content"])
        except urllib.error.HTTPError as error:
            if error.code == 404 and not error.headers.get("X-Road-Error"):
                return None
            raise PersonUnavailable(f"the population register answered {error.code} ({error.headers.get('X-Road-Error') or 'application error'})") from None
        except (OSError, ValueError, KeyError) as error:
            raise PersonUnavailable(f"the population register could not be reached: {type(error).__name__}") from None

    def person(self, person_id: str, purpose: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        person = self._read("persons", person_id, purpose)
        if person is None:
            return None, None
        address = self._read("addresses", person["addressId"], purpose) if person.get("addressId") else None
        return person, address


class StaticPersons:
    """A directory held in memory (tests and tools that run without a country)."""

    def __init__(self, people: dict[str, tuple[dict[str, Any], dict[str, Any] | None]]):
        self.people = people
        self.reads: list[tuple[str, str]] = []

    def person(self, person_id: str, purpose: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        self.reads.append((person_id, purpose))
        return self.people.get(person_id, (None, None))
