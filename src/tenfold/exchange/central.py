"""CENTRAL, the platform operator: the CA and member registry, the signed global configuration,
certificate revocation, and the countersigning of log checkpoints. It is not on the message
path: gateways fetch its configuration and keep working on a valid copy while it is away.

``provision`` makes the CA, CENTRAL's signing key and every member's signing and TLS keys
(CSR-less, for the embedded country), registers them with the gateways' addresses, and writes
the anchor that gateways trust. A member's private keys may be removed from CENTRAL's host once
they are on the member's; the certificates stay (a pair whose certificate is gone is issued anew).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, insert, select, update

from tenfold.errors import InvalidInput
from tenfold.exchange import rights
from tenfold.exchange.globalconf import CertificateEntry, build_document, sign_document
from tenfold.exchange.pki import Anchor, PkiDirectory, create_ca, issue, issued_by, load_cert, new_key, serial_of, subject_of
from tenfold.exchange.ports import PortPlan
from tenfold.exchange.signing import Signer, checkpoint_digest, countersign_digest, verify
from tenfold.exchange.store import migrate
from tenfold.exchange.tables import central_certificates, central_checkpoints, central_members
from tenfold.topology import Topology, event_schema
from tenfold.web import create_app


def _register(engine: Engine, owner: str, kind: str, pem: bytes) -> None:
    serial = serial_of(load_cert(pem))
    with engine.begin() as connection:
        if connection.execute(select(central_certificates.c.serial).where(central_certificates.c.serial == serial)).first() is None:
            connection.execute(insert(central_certificates).values(
                serial=serial, owner=owner, kind=kind, pem=pem.decode(), issued_at=datetime.now(UTC)))


def _ensure_pair(pki: PkiDirectory, directory: Path, kind: str, owner: str, instance: str, hosts: tuple[str, ...]) -> None:
    """Issue a key and certificate unless the certificate is there. Its private key may be gone:
    once handed to the member's host it need not stay on CENTRAL's (remove both files to issue anew)."""
    if (directory / f"{kind}.pem").is_file():
        return
    ca_key, ca_cert = pki.load_ca()
    key = new_key(kind)
    pki.write_pair(directory, kind, key, issue(ca_key, ca_cert, key.public_key(), owner, instance, kind, hosts))


def provision(pki: PkiDirectory, engine: Engine, topology: Topology, plan: PortPlan) -> Anchor:
    """Everything CENTRAL must have before the country starts (idempotent)."""
    migrate(engine)
    if not pki.ca_cert_file.is_file():
        pki.write_ca(*create_ca(topology.instance))
    hosts = tuple(dict.fromkeys(("127.0.0.1", "localhost", plan.host)))
    central = topology.central.member
    _ensure_pair(pki, pki.central_dir(), "sign", central, topology.instance, hosts)
    _register(engine, central, "sign", (pki.central_dir() / "sign.pem").read_bytes())
    for member in topology.members:
        directory = pki.member_dir(member.code)
        for kind in ("sign", "tls"):
            _ensure_pair(pki, directory, kind, member.id, topology.instance, hosts)
            _register(engine, member.id, kind, (directory / f"{kind}.pem").read_bytes())
        _set_address(engine, member.id, plan.exchange_url(member))
    anchor = Anchor(topology.instance, central, plan.central_url, pki.ca_cert_file.read_text(),
                    (pki.central_dir() / "sign.pem").read_text())
    anchor.save(pki.anchor_file)
    return anchor


def _set_address(engine: Engine, member_id: str, url: str) -> None:
    with engine.begin() as connection:
        found = connection.execute(select(central_members.c.gateway_url).where(central_members.c.member_id == member_id)).first()
        if found is None:
            connection.execute(insert(central_members).values(member_id=member_id, gateway_url=url, registered_at=datetime.now(UTC)))
        elif found[0] != url:
            connection.execute(update(central_members).where(central_members.c.member_id == member_id).values(gateway_url=url))


def _certificates(engine: Engine) -> tuple[list[CertificateEntry], list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(central_certificates).order_by(central_certificates.c.issued_at)).mappings().all()
    valid = [CertificateEntry(r["serial"], r["owner"], r["kind"], r["pem"]) for r in rows if r["revoked_at"] is None]
    return valid, [r["serial"] for r in rows if r["revoked_at"] is not None]


class Revocation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=5, max_length=255, description="INSTANCE/CLASS/MEMBER")
    kind: Literal["sign", "tls"] | None = Field(None, description="Only this kind of certificate (both when absent)")
    serial: str | None = Field(None, max_length=64, description="Only this certificate")


class CheckpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str = Field(max_length=255)
    seq: int = Field(ge=1)
    head: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime
    signature: str = Field(pattern=r"^[0-9a-f]{16,400}$")
    signer_pem: str = Field(max_length=10000)


class Central:
    """CENTRAL's state and use cases (one transaction each)."""

    def __init__(self, engine: Engine, topology: Topology, topology_path: Path, signer: Signer, ca_pem: str, url: str, expiry_seconds: int):
        self.engine, self.topology, self.topology_path = engine, topology, topology_path
        self.signer, self.ca = signer, load_cert(ca_pem)
        self.url, self.expiry_seconds = url, expiry_seconds
        self.schemas = {f"{m.id}/{r.code}/{e.code}": event_schema(topology_path, e.schema_file)
                        for m in topology.members for r in m.rooms for e in r.event_types}

    def globalconf(self) -> bytes:
        certificates, revoked = _certificates(self.engine)
        with self.engine.connect() as connection:
            gateways = {r.member_id: r.gateway_url for r in connection.execute(select(central_members))}
        document = build_document(
            self.topology, serial=time.time_ns() // 1000, created_at=datetime.now(UTC), expiry_seconds=self.expiry_seconds,
            central_url=self.url, gateways=gateways, certificates=certificates, revoked=revoked, event_schemas=self.schemas)
        return sign_document(document, self.signer)

    def revoke(self, revocation: Revocation) -> list[str]:
        query = select(central_certificates.c.serial).where(
            central_certificates.c.owner == revocation.member, central_certificates.c.revoked_at.is_(None))
        if revocation.kind:
            query = query.where(central_certificates.c.kind == revocation.kind)
        if revocation.serial:
            query = query.where(central_certificates.c.serial == revocation.serial)
        with self.engine.begin() as connection:
            serials = list(connection.execute(query).scalars())
            if not serials:
                raise InvalidInput(f"no valid certificate of {revocation.member} matches")
            connection.execute(update(central_certificates).where(central_certificates.c.serial.in_(serials)).values(revoked_at=datetime.now(UTC)))
        return serials

    def countersign(self, checkpoint: CheckpointIn) -> dict[str, str]:
        signer = load_cert(checkpoint.signer_pem)
        serial = serial_of(signer)
        with self.engine.connect() as connection:
            row = connection.execute(select(central_certificates).where(central_certificates.c.serial == serial)).mappings().first()
        if row is None or row["owner"] != checkpoint.member_id or row["kind"] != "sign" or row["revoked_at"] is not None:
            raise InvalidInput(f"certificate {serial} is not a valid signing certificate of {checkpoint.member_id}")
        if not issued_by(signer, self.ca) or subject_of(signer) != checkpoint.member_id:
            raise InvalidInput("the signing certificate is not issued by the platform CA")
        digest = checkpoint_digest(checkpoint.member_id, checkpoint.seq, bytes.fromhex(checkpoint.head), checkpoint.created_at)
        member_signature = bytes.fromhex(checkpoint.signature)
        if not verify(signer.public_key(), member_signature, digest):  # type: ignore[arg-type]
            raise InvalidInput("the checkpoint's signature does not verify")
        central_time = datetime.now(UTC)
        signature = self.signer.sign(countersign_digest(digest, member_signature, central_time))
        with self.engine.begin() as connection:
            if connection.execute(select(central_checkpoints.c.id).where(
                    central_checkpoints.c.member_id == checkpoint.member_id, central_checkpoints.c.seq == checkpoint.seq)).first() is None:
                connection.execute(insert(central_checkpoints).values(
                    member_id=checkpoint.member_id, seq=checkpoint.seq, head=bytes.fromhex(checkpoint.head),
                    created_at=checkpoint.created_at, central_time=central_time))
        return {"central_time": central_time.isoformat(), "signature": signature.hex()}


def central_app(central: Central) -> FastAPI:
    app = create_app("CENTRAL: platform operator", description="Signed global configuration, member registry, revocation, checkpoint countersigning.")

    @app.get("/globalconf", summary="The signed global configuration")
    def globalconf() -> Response:
        return Response(central.globalconf(), media_type="application/json")

    @app.get("/api/v1/members", summary="The member registry with certificates")
    def members() -> list[dict[str, Any]]:
        with central.engine.connect() as connection:
            gateways = {r.member_id: r.gateway_url for r in connection.execute(select(central_members))}
            certs = connection.execute(select(central_certificates)).mappings().all()
        return [{"id": m.id, "gateway": gateways.get(m.id), "certificates": [
            {"serial": c["serial"], "kind": c["kind"], "revoked": c["revoked_at"] is not None} for c in certs if c["owner"] == m.id]}
            for m in central.topology.members]

    @app.post("/api/v1/revocations", summary="Revoke a member's certificates (effective at the gateways' next refresh)")
    async def revoke(request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            # A browser on this host may send a cross-site form or text/plain post without asking first; not JSON.
            raise HTTPException(415, "send the revocation as application/json")
        raw = await request.body()
        actor = request.headers.get("X-Road-UserId") or "operator@loopback"
        try:
            revocation = Revocation.model_validate_json(raw or b"{}")
            serials = central.revoke(revocation)
        except (InvalidInput, ValueError) as error:
            rights.audit(central.engine, actor, "certificates.revoke", raw[:2000].decode(errors="replace"), str(error)[:500])
            raise HTTPException(400, str(error)[:500]) from None
        rights.audit(central.engine, actor, "certificates.revoke", revocation.model_dump())
        return {"revoked": serials}

    @app.post("/api/v1/checkpoints", summary="Countersign a gateway's log checkpoint")
    def countersign(checkpoint: CheckpointIn) -> dict[str, str]:
        return central.countersign(checkpoint)

    return app

