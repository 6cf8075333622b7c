"""Batch signatures: messages sent in the same turn of a gateway's loop share one signature over
the root of a hash tree; each carries its hash chain and stays verifiable on its own."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from typing import Callable

from tenfold.exchange import protocol as p
from tenfold.exchange.messagelog import decode_header
from tenfold.exchange.signing import (
    BatchSigner, Seal, Verifier, batch_digest, chain_root, hash_tree, request_digest, verify, verify_message,
)
from tenfold.exchange.tables import messagelog
from tests.exchange.conftest import ECHO, SIB
from tests.exchange.country import Country
from tests.exchange.keys import Keys, provisioned


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return provisioned(Path(tmp_path_factory.mktemp("keys")))


def _digest(i: int) -> bytes:
    return request_digest(hashlib.sha512(str(i).encode()).digest())


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 32, 100])
def test_every_chain_leads_to_the_root_and_only_its_own_message_does(size: int) -> None:
    digests = [_digest(i) for i in range(size)]
    root, chains = hash_tree(digests)
    for i, (digest, chain) in enumerate(zip(digests, chains)):
        if size == 1:
            assert chain == b""
            continue
        assert chain_root(digest, chain) == root
        assert chain_root(_digest(i + 1000), chain) != root
        flipped = bytes([chain[0] ^ 0x01]) + chain[1:]  # b"L" <-> b"M", b"R" <-> b"S": not a side
        assert chain_root(digest, flipped) is None
        changed = chain[:5] + bytes([chain[5] ^ 0x80]) + chain[6:]
        assert chain_root(digest, changed) != root
    assert chain_root(digests[0], b"R" + b"x" * 10) is None


def test_a_batch_shares_one_signature_and_each_message_verifies_alone(keys) -> None:  # type: ignore[no-untyped-def]
    signer = keys.signer("SIB")
    sealer = BatchSigner(signer)

    async def sign_all() -> list[Seal]:
        return list(await asyncio.gather(*(sealer.seal(_digest(i)) for i in range(7))))

    seals = asyncio.run(sign_all())
    assert len({s.signature for s in seals}) == 1 and all(s.chain for s in seals)
    assert (sealer.batches, sealer.signed) == (1, 7)
    public = signer.certificate.public_key()
    assert isinstance(public, ed25519.Ed25519PublicKey)  # members sign with Ed25519
    for i, seal in enumerate(seals):
        assert verify_message(public, seal.signature, _digest(i), seal.chain)
        assert not verify_message(public, seal.signature, _digest(i + 1), seal.chain)
        assert not verify_message(public, seal.signature, _digest(i), b"")

    async def sign_one() -> Seal:
        return await sealer.seal(_digest(99))

    alone = asyncio.run(sign_one())
    assert alone.chain == b"" and verify(public, alone.signature, _digest(99))


def test_the_verifier_checks_a_root_once_and_never_trusts_another_signature(keys) -> None:  # type: ignore[no-untyped-def]
    signer = keys.signer("SIB")
    public = signer.certificate.public_key()
    digests = [_digest(i) for i in range(4)]
    root, chains = hash_tree(digests)
    signature = signer.sign(batch_digest(root))
    verifier = Verifier(size=2)
    assert all(verifier.verify(public, signer.serial, signature, d, c) for d, c in zip(digests, chains))
    assert len(verifier._roots) == 1
    forged = signature[:-2] + bytes([signature[-2] ^ 1, signature[-1]])
    assert not verifier.verify(public, signer.serial, forged, digests[0], chains[0])
    assert not verifier.verify(public, signer.serial, signature, _digest(9), chains[0])
    assert not verifier.verify(public, signer.serial, signature, digests[0], b"?")


def test_concurrent_requests_are_signed_in_batches_and_each_logged_request_verifies(country: Country) -> None:
    async def many() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=country.url("SIB"), timeout=30) as client:
            return list(await asyncio.gather(*(client.get(ECHO + f"/data/{i}", headers=SIB) for i in range(24))))

    before = country.gateways["SIB"].context.sealer.batches
    responses = asyncio.run(many())
    assert [r.status_code for r in responses] == [200] * 24
    assert all(p.HASH_CHAIN not in r.headers for r in responses)
    sib = country.gateways["SIB"].context
    assert sib.sealer.batches - before < 24  # some requests shared a signature
    public = sib.signer.certificate.public_key()
    country.settle_logs()
    with country.engine("SIB").connect() as connection:
        entries = [decode_header(bytes(e)) for e in connection.execute(select(messagelog.c.entry).order_by(messagelog.c.seq)).scalars()]
    requests = [e for e in entries if e["kind"] == "request" and e.get("signature")]
    chained = [e for e in requests if e.get("hash_chain")]
    assert chained
    for entry in requests:  # the log alone proves who sent what
        digest = request_digest(p.unb64(entry["request_hash"]))
        assert verify_message(public, bytes.fromhex(entry["signature"]), digest, bytes.fromhex(entry.get("hash_chain", "")))
    pop_entries = []
    with country.engine("POP").connect() as connection:
        pop_entries = [decode_header(bytes(e)) for e in connection.execute(select(messagelog.c.entry).order_by(messagelog.c.seq)).scalars()]
    assert any(e.get("hash_chain") for e in pop_entries if e["kind"] == "request")
    assert any(e.get("hash_chain") for e in pop_entries if e["kind"] == "response")


def _as_gateway(country: Country, chain_of: "Callable[[bytes, bytes], tuple[bytes, bytes]]") -> httpx.Response:
    """A request straight to POP's mutual-TLS listener, signed by SIB in a batch of two."""
    directory = country.pki.member_dir("SIB")
    context = ssl.create_default_context(cafile=str(country.pki.ca_cert_file))
    context.check_hostname = False
    context.load_cert_chain(directory / "tls.pem", directory / "tls.key")
    path = "/r1/DEMO/GOV/POP/registry/echo/data/x"
    headers = [("X-Road-Client", "DEMO/GOV/SIB/benefits"), ("X-Road-Id", "DEMO-batch"), ("X-Road-Request-Id", "req-2"),
               ("X-Tenfold-Date", datetime.now(UTC).isoformat())]
    digest = request_digest(p.request_hash(p.canonical_request("GET", path, headers), b""))
    signer = country.gateways["SIB"].context.signer
    signature, chain = chain_of(digest, signer.sign(batch_digest(hash_tree([digest, _digest(1)])[0])))
    headers += [("X-Tenfold-Signature", p.b64(signature)), ("X-Tenfold-Signer", signer.serial), ("X-Tenfold-Hash-Chain", p.b64(chain))]
    with httpx.Client(verify=context, timeout=30) as client:
        client.headers.clear()
        return client.get(country.plan.exchange_url("POP") + path, headers=headers)


def test_a_batch_signed_request_is_served_and_a_forged_chain_refused(country: Country) -> None:
    served = _as_gateway(country, lambda digest, signature: (signature, hash_tree([digest, _digest(1)])[1][0]))
    assert served.status_code == 200, served.text
    for forged in (b"R" + bytes(32), b"L" + hashlib.sha256(b"x").digest(), b"nonsense"):
        refused = _as_gateway(country, lambda digest, signature: (signature, forged))  # noqa: B023
        assert refused.status_code == 403
        assert refused.headers["X-Road-Error"] == "Server.ServerProxy.InvalidSignatureValue"


def test_a_message_alone_is_signed_at_once_and_one_among_others_joins_their_batch(keys) -> None:  # type: ignore[no-untyped-def]
    sealer = BatchSigner(keys.signer("SIB"))

    async def scenario() -> None:
        alone = sealer.seal(_digest(1), now=True)
        assert alone.done() and alone.result().chain == b""  # signed before seal returned
        first = sealer.seal(_digest(2))
        second = sealer.seal(_digest(3), now=True)  # a batch is waiting: it joins it
        assert not second.done()
        sealed = await asyncio.gather(first, second)
        assert sealed[0].signature == sealed[1].signature and sealed[0].chain and sealed[1].chain

    asyncio.run(scenario())
    assert (sealer.batches, sealer.signed) == (2, 3)
