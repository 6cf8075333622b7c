"""Gathering facts through the exchange: persons, households, births, relations (POP), incomes
and known accounts (TAX), parcels (LAND), vehicles (VEH). Every answer keeps the X-Road message
id it came in, so a decision can say where each of its inputs came from (invariant 4).

A person the register does not know is :class:`PersonUnknown` (named by the field that pointed at
them); an exchange that does not answer is ``ExchangeUnavailable`` (the event is retried).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from tenfold.errors import TenfoldError
from tenfold.lifeevents.xroad import Answer, ExchangeClient, ExchangeUnavailable

POP = "DEMO/GOV/POP/registry/registry"
TAX = "DEMO/GOV/TAX/registry/registry"
LAND = "DEMO/GOV/LAND/registry/registry"
VEH = "DEMO/GOV/VEH/registry/registry"
PAGE = 1000


class ConsentRefused(TenfoldError):
    """The provider's gateway refused: the service's law needs the person's consent, and there is
    none (or it was withdrawn). The fact stays unknown."""

    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(kind)


class PersonUnknown(TenfoldError):
    """The population register has no person with the code an event or request named."""

    def __init__(self, field_name: str):
        self.field = field_name
        super().__init__(f"the population register has no person for {field_name}")


@dataclass
class Ledger:
    """The facts gathered for one decision, each with the message it came in."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, what: str, about: str | None, answer: Answer, service: str) -> str:
        self.entries.append({"fact": what, "about": about, "service": service, "message_id": answer.message_id})
        return answer.message_id

    def own(self, what: str, about: str | None, reference: str) -> str:
        """A fact from SIB's own data (an enrolment, an offer): its reference is the source."""
        self.entries.append({"fact": what, "about": about, "service": "DEMO/GOV/SIB (own data)", "message_id": reference})
        return reference


class Gatherer:
    """The fact-gathering calls one journey makes, all with one purpose and one case."""

    def __init__(self, client: ExchangeClient, purpose: str, issue: str, headers: dict[str, str] | None = None):
        self.client, self.purpose, self.issue, self.headers = client, purpose, issue, headers
        self.ledger = Ledger()

    async def _call(self, method: str, service: str, path: str, accept: tuple[int, ...] = (404,), **kwargs: Any) -> Answer:
        answer = await self.client.call(method, service, path, purpose=self.purpose, issue=self.issue, headers=self.headers, **kwargs)
        kind = answer.body.get("type") if isinstance(answer.body, dict) else None
        if answer.status == 403 and isinstance(kind, str) and kind.endswith(("ConsentRequired", "ConsentWithdrawn")):
            raise ConsentRefused(kind)
        if answer.status >= 400 and answer.status not in accept:
            detail = answer.body.get("type") if isinstance(answer.body, dict) else None
            raise ExchangeUnavailable(f"{method} {service}{path.split('?')[0]}: {answer.status} {detail or ''}".strip())
        return answer

    async def person(self, person_id: str, field_name: str) -> dict[str, Any]:
        answer = await self._call("POST", POP, "/data/persons/1.0/read", accept=(400, 404),
                                  body={"query": {"content": {"ID": person_id}}})
        if answer.status in (400, 404):
            raise PersonUnknown(field_name)
        self.ledger.add("person", person_id, answer, POP)
        return dict(answer.body["content"])

    async def listing(self, service: str, registry: str, what: str, about: str | None, **query: Any) -> list[dict[str, Any]]:
        return (await self.listed(service, registry, what, about, **query))[0]

    async def listed(self, service: str, registry: str, what: str, about: str | None, **query: Any) -> tuple[list[dict[str, Any]], str]:
        """Every matching record (page by page) and the message id of the first page."""
        params = {f"query.{k}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items()}
        results: list[dict[str, Any]] = []
        page, first = 1, ""
        while True:
            answer = await self._call("GET", service, f"/data/{registry}/1.0", params={**params, "pageSize": PAGE, "page": page})
            if answer.status == 404:
                return results, first
            first = first or self.ledger.add(what, about, answer, service)
            results.extend(answer.body["results"])
            if not answer.body.get("next"):
                return results, first
            page += 1

    async def household(self, household_id: str) -> list[dict[str, Any]]:
        return await self.listing(POP, "persons", "household", None, householdId=household_id)

    async def births_of_mother(self, mother: str) -> list[dict[str, Any]]:
        return await self.listing(POP, "births", "births", mother, motherId=mother)

    async def relations(self, person: str) -> list[dict[str, Any]]:
        found = await asyncio.gather(self.listing(POP, "relations", "relations", person, fromPersonId=person),
                                     self.listing(POP, "relations", "relations", person, toPersonId=person))
        return [*found[0], *found[1]]

    async def accounts(self, person: str) -> list[dict[str, Any]]:
        return await self.listing(TAX, "accounts", "known accounts", person, personId=person)

    async def incomes(self, person: str, year: int) -> list[dict[str, Any]]:
        return await self.listing(TAX, "incomes", "incomes", person, personId=person, year=year)

    async def parcels(self, person: str) -> list[dict[str, Any]]:
        return await self.listing(LAND, "parcels", "land parcels", person, ownerId=person)

    async def vehicles(self, person: str) -> list[dict[str, Any]]:
        return await self.listing(VEH, "vehicles", "vehicles", person, ownerId=person)


def account_options(accounts: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Known accounts of the possible recipients, the one each person marked primary first."""
    options = []
    for person, found in accounts.items():
        for account in sorted(found, key=lambda a: (not a.get("primary"), a.get("since") or "", a["iban"])):
            options.append({"person": person, "iban": account["iban"], "primary": bool(account.get("primary"))})
    return options


def prefilled_iban(options: list[dict[str, Any]], recipient: str) -> str | None:
    own = [o for o in options if o["person"] == recipient]
    return own[0]["iban"] if own else None
