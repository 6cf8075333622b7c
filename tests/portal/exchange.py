"""The exchange as the portal sees it, in one process, for the portal's tests.

Calls to SIB's benefits service go to SIB's real application (in process, over its own fresh
database); the population register, the consent service and the data trackers are small
stand-ins. What a provider gateway does that the portal relies on is kept, with the exchange's
own code: access rights from the demo topology (deny by default), and a data-tracker entry for
every call that names a person where the topology says it may (``person_refs``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import orjson

from tenfold.exchange.rights import Right, build_table
from tenfold.exchange.tracker import PersonFinder
from tenfold.ids import isikukood
from tenfold.lifeevents import LifeSettings, births, offers, open_lifeevents
from tenfold.lifeevents.api import create_lifeevents_app
from tenfold.lifeevents.records import raise_exception
from tenfold.lifeevents.service import LifeEvents
from tenfold.portal.xroad import Acting, Answer
from tenfold.rules import Month
from tenfold.settings import DEMO_TOPOLOGY
from tenfold.storage import make_engine
from tenfold.topology import load

from tests.databases import database_url

SIB_SERVICE = "DEMO/GOV/SIB/benefits/benefits"
SISTER = isikukood.generate(date(2021, 5, 6), "F", 45)
IBAN = "EE382200221020145685"
NAMES = {"Mari": "Tamm", "Jaan": "Tamm", "Liis": "Tamm"}


@dataclass
class Sib:
    """SIB's benefits application over its own database; the exchange it would call is unreachable."""

    life: LifeEvents
    app: Any

    @classmethod
    def open(cls, directory: Path) -> Sib:
        directory.mkdir(parents=True, exist_ok=True)
        life = open_lifeevents(make_engine(database_url(directory, 'sib')),
                               LifeSettings(worker=False, mail_dir=directory / "mail"), gateway_url="http://127.0.0.1:9")
        life.clock.set(date(2026, 1, 12))
        return cls(life, create_lifeevents_app(life, worker=False))

    def make_offer(self, mother: str, father: str, baby: str, iban: str | None = IBAN) -> str:
        """A birth offer as SIB's journey stores it (the family's real decision, items and notification)."""
        document = {"id": "H-" + baby, "members": [
            {"id": mother, "role": "parent", "birthdate": "1992-03-04"}, {"id": father, "role": "parent", "birthdate": "1990-07-08"},
            _child(SISTER, "2021-05-06", mother), _child(baby, "2026-01-10", mother)]}
        evaluation = births.decide(document, Month(2026, 1))
        with self.life.engine.begin() as connection:
            ids = offers.store_decisions(connection, "birth", baby, evaluation, [{"fact": "birth event", "service": "DEMO/GOV/POP",
                                                                                  "message_id": "DEMO-1", "about": baby}], None)
            decision = next(d for d in evaluation.decisions if d.program == "family_benefits")
            draft = offers.Draft(journey="birth", subject=baby, program="family_benefits", addressee=mother, recipient=mother,
                                 recipient_options=[mother, father], iban_options=[{"person": mother, "iban": iban, "primary": True}] if iban else [],
                                 iban=iban, deadline=date(2026, 7, 9), contact=None, facts=[])
            draft.items = offers.items_of(decision, offers.covered(connection, [mother, father, SISTER, baby]))
            return self.life.journeys.store_offer(connection, draft, ids["family_benefits"], "birth_offer")

    def decision_of(self, offer_id: str) -> str:
        with self.life.engine.connect() as connection:
            return str(offers.one(connection, offer_id).decision_id)

    def open_case(self, subject: str, decision_id: str | None, reason_code: str = "needs_caseworker") -> int:
        with self.life.engine.begin() as connection:
            return raise_exception(connection, "birth", reason_code, {"program": "family_benefits", "reasons": "test"},
                                   subject=subject, decision_id=decision_id)


def _child(person: str, born: str, recipient: str) -> dict[str, Any]:
    fact = {"value": None, "source": "test"}
    return {"id": person, "role": "child", "birthdate": born, "recipient": {"value": recipient, "source": births.PROPOSED_SOURCE},
            "father_known": {**fact, "value": True}, "multiple_birth_size": {**fact, "value": 1}}


@dataclass
class Call:
    client: str
    method: str
    service: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class InProcessExchange:
    sib: Sib
    calls: list[Call] = field(default_factory=list)
    tracker: dict[str, list[dict[str, Any]]] = field(default_factory=dict)   # member id -> entries
    consents: list[dict[str, Any]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)                              # services that do not answer
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        topology = load(DEMO_TOPOLOGY)
        self.services = {f"{m.id}/{s.code}/{v.code}": v for m in topology.members for s in m.subsystems for v in s.services}
        declared = [(sid, Right.of(r.client, r.methods, r.paths)) for sid, v in self.services.items() for r in v.rights]
        self.rights = build_table(declared, [])

    def as_client(self, client: str) -> ClientSide:
        return ClientSide(self, client)

    def calls_to(self, service: str, path_start: str = "") -> list[Call]:
        return [c for c in self.calls if c.service == service and c.path.startswith(path_start)]

    async def handle(self, client: str, method: str, service: str, path: str, acting: Acting, params: dict[str, Any] | None,
                     body: Any, headers: dict[str, str]) -> Answer:
        from tenfold.portal.xroad import ExchangeUnavailable

        if service in self.down:
            raise ExchangeUnavailable(f"{method} {service}: 502 Server.ServerProxy.ServiceFailed")
        query = {k: str(v) for k, v in (params or {}).items()}
        sent = {**headers, "X-Road-Client": client, "X-Road-Purpose": acting.purpose}
        sent.update({k: v for k, v in (("X-Road-UserId", acting.user), ("X-Road-Represented-Party", acting.person),
                                       ("X-Road-Issue", acting.issue)) if v})
        self.calls.append(Call(client, method, service, path, query, sent, body))
        declared = self.services.get(service)
        if declared is None:
            return Answer(404, {"type": "Server.ServerProxy.UnknownService"})
        if service.endswith("/findUsage"):
            return self._find_usage(service, query)
        if not self.rights.allows(service, client, method, path or "/"):
            return Answer(403, {"type": "Server.ServerProxy.AccessDenied"})
        message_id = f"MSG-{next(self._ids)}"
        raw = orjson.dumps(body) if body is not None else b""
        persons = PersonFinder.of(declared.person_refs).persons(path, urlencode(query), raw, acting.person)
        member = "/".join(service.split("/")[:3])
        for person in persons:
            self.tracker.setdefault(member, []).append({
                "logtime": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "receiver": "/".join(client.split("/")[:3]),
                "client": client, "service": service, "purpose": acting.purpose, "userId": acting.user, "issue": acting.issue,
                "messageId": message_id, "lawfulBasis": declared.lawful_basis, "person": person})
        answer = await self._provider(method, service, path, query, sent, raw)
        if answer.status >= 500:  # as the portal's gateway client does
            raise ExchangeUnavailable(f"{method} {service}: {answer.status}")
        return Answer(answer.status, answer.body, message_id)

    async def _provider(self, method: str, service: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes) -> Answer:
        if service == SIB_SERVICE:
            transport = httpx.ASGITransport(app=self.sib.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sib") as http:
                response = await http.request(method, path, params=query, content=raw or None,
                                              headers={**headers, **({"Content-Type": "application/json"} if raw else {})})
            return Answer(response.status_code, response.json() if response.content else None)
        if service == "DEMO/GOV/POP/registry/registry" and path.endswith("/read"):
            return Answer(200, {"content": {"firstName": "Jaan", "lastName": "Tamm"}})
        if service == "DEMO/GOV/TRE/payments/payments" and path == "/status":
            return Answer(200, {"instructions": {"settled": {"count": 3, "cents": 96000}, "returned": {"count": 1, "cents": 8000}}})
        if service == "DEMO/GOV/CONSENT/consent/consent":
            return self._consent(method, path, headers, raw)
        return Answer(404, {"detail": "no stand-in for this call"})

    def _find_usage(self, service: str, query: dict[str, str]) -> Answer:
        member = "/".join(service.split("/")[:3])
        found = [e for e in self.tracker.get(member, []) if e["person"] == query.get("personId")]
        return Answer(200, {"usage": [{k: v for k, v in e.items() if k != "person"} for e in reversed(found)]})

    def _consent(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        person = headers.get("X-ConsentBB-IndividualId")
        if path == "/service/verification/data-agreements/":
            return Answer(200, {"dataAgreements": [{"id": "ekyc-bank-customer", "purpose": "Know your customer",
                                                    "attributes": [{"name": "name"}, {"name": "address"}]}]})
        if path.startswith("/service/data-agreement/"):
            return Answer(200, {"dataAgreement": {"id": "ekyc-bank-customer", "purpose": "Know your customer"}})
        mine = [r for r in self.consents if r["individual"] == person]
        if method == "GET":
            return Answer(200, {"consentRecords": mine}) if mine else Answer(404, {"detail": "no consent recorded"})
        if method == "POST":
            made = {"id": f"CR-{len(self.consents) + 1}", "dataAgreement": orjson.loads(raw)["consentRecord"]["dataAgreement"],
                    "individual": person, "optIn": True, "dataConsumer": None}
            self.consents.append(made)
            return Answer(201, {"consentRecord": made})
        record = next((r for r in mine if path.rstrip("/").endswith(r["id"])), None)
        if record is None:
            return Answer(404, {"detail": "no such consent record"})
        record["optIn"] = orjson.loads(raw)["optIn"]
        return Answer(200, {"consentRecord": record})


@dataclass
class ClientSide:
    """One subsystem of the portal calling its gateway."""

    exchange: InProcessExchange
    client: str

    async def call(self, method: str, service: str, path: str, acting: Acting, *, params: dict[str, Any] | None = None,
                   body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        if "?" in path:
            path, _sep, tail = path.partition("?")
            params = {**dict(parse_qsl(tail)), **(params or {})}
        return await self.exchange.handle(self.client, method, service, path, acting, params, body, headers or {})

    async def close(self) -> None:
        return None
