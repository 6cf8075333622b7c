"""The signed global configuration: what every gateway knows about the instance.

CENTRAL builds a JSON document (the topology's members with their subsystems, services, access
rights and rooms, each gateway's address, every valid certificate, the revoked serials) with a
creation time and an expiry, and signs it. A gateway downloads it every few seconds, verifies
the signature against its anchor, and refuses to work on one that has expired (X-Road's
``OutdatedGlobalConf``; its default lifetime is 600 s). A revoked certificate simply stops being
listed, so revocation takes effect at each gateway's next refresh.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import aiohttp
import orjson
from yarl import URL
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tenfold.errors import TenfoldError
from tenfold.exchange.pki import SIGNING_KEY_TYPES, Anchor, PublicKey, issued_by, load_cert, subject_of
from tenfold.exchange.signing import Signer, document_digest, verify
from tenfold.topology import Member, Room, Service, Subsystem, Topology

log = logging.getLogger("tenfold.exchange.globalconf")


class ConfigurationError(TenfoldError):
    """A global configuration that is malformed, wrongly signed or from another instance."""


@dataclass(frozen=True)
class CertificateEntry:
    serial: str
    owner: str
    kind: str
    pem: str


def build_document(
    topology: Topology, *, serial: int, created_at: datetime, expiry_seconds: int, central_url: str,
    gateways: dict[str, str], certificates: list[CertificateEntry], revoked: list[str],
    event_schemas: dict[str, Any] | None = None,
) -> bytes:
    """The configuration CENTRAL signs, as canonical JSON bytes."""
    members = []
    for member in topology.members:
        entry = member.model_dump(mode="json", by_alias=True, exclude_none=True)
        entry["gateway"] = gateways.get(member.id)
        entry["certificates"] = [c.__dict__ for c in certificates if c.owner == member.id]
        members.append(entry)
    document = {
        "format": "tenfold-globalconf-1",
        "instance": topology.instance,
        "serial": serial,
        "created_at": created_at.isoformat(),
        "expires_at": (created_at + timedelta(seconds=expiry_seconds)).isoformat(),
        "central": {**topology.central.model_dump(mode="json", by_alias=True), "url": central_url},
        "members": members,
        "revoked": sorted(revoked),
        "event_schemas": event_schemas or {},
    }
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def sign_document(document: bytes, signer: Signer) -> bytes:
    """The envelope CENTRAL serves: the document as text, its signature and the signer's serial."""
    return orjson.dumps({
        "document": document.decode(), "signature": signer.sign(document_digest(document)).hex(), "signer": signer.serial,
    })


@dataclass
class ServiceEntry:
    member: Member
    subsystem: Subsystem
    service: Service

    @property
    def id(self) -> str:
        return f"{self.member.id}/{self.subsystem.code}/{self.service.code}"


@dataclass
class GlobalConf:
    """A verified configuration with the lookups a gateway needs on every request."""

    instance: str
    serial: int
    created_at: datetime
    expires_at: datetime
    central_url: str
    topology: Topology
    gateways: dict[str, str]
    revoked: frozenset[str]
    envelope: bytes
    event_schemas: dict[str, Any] = field(default_factory=dict)
    sign_keys: dict[tuple[str, str], PublicKey] = field(default_factory=dict)
    tls_owners: dict[bytes, str] = field(default_factory=dict)
    services: dict[str, ServiceEntry] = field(default_factory=dict)
    rooms: dict[str, tuple[Member, Room]] = field(default_factory=dict)
    subsystems: dict[str, tuple[Member, Subsystem]] = field(default_factory=dict)
    member_certificates: dict[str, list[CertificateEntry]] = field(default_factory=dict)
    _addresses: dict[str, tuple[str, int]] = field(default_factory=dict, repr=False, compare=False)

    def expired(self, now: datetime | None = None) -> bool:
        if now is None:  # every request asks: a float comparison is enough
            return time.time() >= self.expires_at.timestamp()
        return now >= self.expires_at

    def member(self, member_id: str) -> Member | None:
        for member in self.topology.members:
            if member.id == member_id:
                return member
        return None

    def is_client(self, client_id: str) -> bool:
        """A member, one of its subsystems, or one of its rooms (rooms push events)."""
        return client_id in self.subsystems or client_id in self.rooms or self.member(client_id) is not None

    def signing_key(self, member_id: str, serial: str) -> PublicKey | None:
        return self.sign_keys.get((member_id, serial))

    def gateway_address(self, member_id: str) -> tuple[str, int] | None:
        url = self.gateways.get(member_id)
        if url is None:
            return None
        found = self._addresses.get(url)
        if found is None:
            parsed = URL(url)
            found = self._addresses[url] = (parsed.host or "", parsed.port or 443)
        return found

    def gateway_owner(self, host: str, port: int) -> str | None:
        """The member whose gateway listens at this address."""
        for member_id in self.gateways:
            if self.gateway_address(member_id) == (host, port):
                return member_id
        return None


def _index(conf: GlobalConf, raw_members: list[dict[str, Any]], ca: x509.Certificate) -> None:
    for raw, member in zip(raw_members, conf.topology.members):
        entries = [CertificateEntry(**c) for c in raw.get("certificates", [])]
        conf.member_certificates[member.id] = entries
        for entry in entries:
            if entry.serial in conf.revoked:
                continue
            cert = load_cert(entry.pem)
            if not issued_by(cert, ca) or subject_of(cert) != member.id:
                raise ConfigurationError(f"certificate {entry.serial} of {member.id} is not issued to it by the platform CA")
            if entry.kind == "sign":
                public_key = cert.public_key()
                if isinstance(public_key, SIGNING_KEY_TYPES):
                    conf.sign_keys[(member.id, entry.serial)] = public_key
            elif entry.kind == "tls":
                conf.tls_owners[cert.public_bytes(Encoding.DER)] = member.id
        for subsystem in member.subsystems:
            conf.subsystems[f"{member.id}/{subsystem.code}"] = (member, subsystem)
            for service in subsystem.services:
                entry_ = ServiceEntry(member, subsystem, service)
                conf.services[entry_.id] = entry_
        for room in member.rooms:
            conf.rooms[f"{member.id}/{room.code}"] = (member, room)


def verify_envelope(envelope: bytes, anchor: Anchor) -> GlobalConf:
    """Check CENTRAL's signature and the instance, then index the document."""
    try:
        outer = orjson.loads(envelope)
        document = outer["document"].encode()
        signature = bytes.fromhex(outer["signature"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigurationError(f"the global configuration is malformed: {error}") from None
    central_cert = load_cert(anchor.central_sign_pem)
    public_key = central_cert.public_key()
    if not isinstance(public_key, SIGNING_KEY_TYPES) or not verify(public_key, signature, document_digest(document)):
        raise ConfigurationError("the global configuration's signature does not verify against the anchor")
    try:
        raw = orjson.loads(document)
        topology = Topology.model_validate({
            "instance": raw["instance"],
            "central": {k: v for k, v in raw["central"].items() if k != "url"},
            "members": [{k: v for k, v in m.items() if k not in ("gateway", "certificates")} for m in raw["members"]],
        })
        conf = GlobalConf(
            instance=raw["instance"], serial=int(raw["serial"]),
            created_at=datetime.fromisoformat(raw["created_at"]), expires_at=datetime.fromisoformat(raw["expires_at"]),
            central_url=raw["central"]["url"], topology=topology,
            gateways={m["id"]: m["gateway"] for m in raw["members"] if m.get("gateway")},
            revoked=frozenset(raw.get("revoked", [])), envelope=envelope, event_schemas=raw.get("event_schemas", {}),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"the global configuration is malformed: {error}") from None
    if conf.instance != anchor.instance:
        raise ConfigurationError(f"the global configuration is for instance {conf.instance}, not {anchor.instance}")
    _index(conf, raw["members"], load_cert(anchor.ca_pem))
    return conf


class ConfClient:
    """Keeps a gateway's copy of the global configuration fresh (and on disk for restarts)."""

    def __init__(self, anchor: Anchor, cache_file: Path, refresh_seconds: float):
        self.anchor = anchor
        self.cache_file = cache_file
        self.refresh_seconds = refresh_seconds
        self.current: GlobalConf | None = None
        self.listeners: list[Callable[[GlobalConf, GlobalConf | None], None]] = []
        self.last_error: str | None = None

    def load_cached(self) -> None:
        try:
            envelope = self.cache_file.read_bytes()
        except OSError:
            return
        try:
            self._accept(verify_envelope(envelope, self.anchor))
        except ConfigurationError as error:
            log.warning("ignoring the cached global configuration: %s", error)

    def _accept(self, conf: GlobalConf) -> None:
        if self.current is not None and conf.serial < self.current.serial:
            return
        previous = self.current
        self.current = conf
        if previous is None or conf.envelope != previous.envelope:
            for listener in self.listeners:
                listener(conf, previous)

    async def refresh(self, session: aiohttp.ClientSession) -> None:
        """One download. Never raises: the refresh loop must outlive any one bad answer or
        failing listener, or the gateway would serve until expiry and then refuse for good."""
        try:
            await self._refresh(session)
        except Exception as error:  # noqa: BLE001 - recorded and logged; the next round tries again
            self.last_error = f"{type(error).__name__}: {error}"
            log.exception("global configuration refresh failed unexpectedly")

    async def _refresh(self, session: aiohttp.ClientSession) -> None:
        try:
            async with session.get(self.anchor.central_url + "/globalconf", timeout=aiohttp.ClientTimeout(total=10)) as response:
                if response.status != 200:
                    raise ConfigurationError(f"CENTRAL answered {response.status}")
                envelope = await response.read()
            conf = verify_envelope(envelope, self.anchor)
        except (aiohttp.ClientError, asyncio.TimeoutError, ConfigurationError, OSError) as error:
            self.last_error = str(error) or type(error).__name__
            log.warning("global configuration refresh failed: %s", self.last_error)
            return
        self.last_error = None
        if self.current is None or conf.envelope != self.current.envelope:
            await asyncio.to_thread(_write_atomically, self.cache_file, envelope)
        self._accept(conf)

    async def run(self, session: aiohttp.ClientSession) -> None:
        while True:
            await self.refresh(session)
            await asyncio.sleep(self.refresh_seconds)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
