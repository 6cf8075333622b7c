"""Member signatures on every message between gateways (Ed25519; keys issued before it, ECDSA
P-256 over SHA-256, still sign and verify).

Ed25519 signatures are made and checked with libsodium (PyNaCl): a gateway checks one and
makes one on every hop. Measured on the 2-vCPU machine of docs/benchmarks, in a warm loop:
sign 22 us and verify 57 us, against 28 and 84 us for OpenSSL's P-256 (and 64 and 206 us for
OpenSSL's own Ed25519); on the exchange path, where caches are cold, an exchange took 0.23-0.24
ms less in two A/B comparisons (a third, at a noisy moment, showed no difference). The keys and
certificates stay X.509, issued by the platform CA with ``cryptography``.

What is signed is a digest that names its purpose, so a request signature can never pass for a
response or a checkpoint: requests sign X-Road's request hash; responses sign the request hash,
the hash of the serialised response part and the hash of the body; checkpoints sign the log's
position and head hash; CENTRAL countersigns a checkpoint with its own time.

Batch signatures (as X-Road's): the messages a gateway sends in the same turn of its event loop
are signed together. Their digests are the leaves of a hash tree; one signature covers the
tree's root, and each message carries its hash chain (the sibling hashes from its leaf up to the
root), so that every message stays verifiable on its own: recompute the root from the message's
digest and its chain, and check the signature over the root. A verifier remembers the roots it
has checked, so the other messages of a batch cost it a few hashes. A message sent alone is
signed on its own digest and carries no chain.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Callable

import nacl.exceptions
import nacl.signing
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tenfold.exchange.pki import PrivateKey, PublicKey, cert_pem, serial_of

_ALGORITHM = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class Signer:
    """A member's (or CENTRAL's) signing key with its certificate."""

    key: PrivateKey
    certificate: x509.Certificate
    serial: str = field(init=False)
    certificate_pem: str = field(init=False)
    _sign: Callable[[bytes], bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "serial", serial_of(self.certificate))
        object.__setattr__(self, "certificate_pem", cert_pem(self.certificate).decode())
        object.__setattr__(self, "_sign", _signing_function(self.key))

    def sign(self, digest: bytes) -> bytes:
        return self._sign(digest)


def _signing_function(key: PrivateKey) -> Callable[[bytes], bytes]:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        sodium = nacl.signing.SigningKey(key.private_bytes_raw())
        return lambda digest: sodium.sign(digest).signature
    return lambda digest: key.sign(digest, _ALGORITHM)


def verify(public_key: PublicKey, signature: bytes, digest: bytes) -> bool:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        try:
            _sodium_key(public_key.public_bytes_raw()).verify(digest, signature)
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            return False
        return True
    try:
        public_key.verify(signature, digest, _ALGORITHM)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@lru_cache(maxsize=1024)
def _sodium_key(raw: bytes) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(raw)


def request_digest(request_hash: bytes) -> bytes:
    return b"tenfold-request-v1\n" + request_hash


def response_digest(request_hash: bytes, canonical_response: bytes, body: bytes) -> bytes:
    return b"".join((
        b"tenfold-response-v1\n", request_hash, hashlib.sha512(canonical_response).digest(), hashlib.sha512(body).digest(),
    ))


def checkpoint_digest(member_id: str, seq: int, head: bytes, created_at: datetime) -> bytes:
    return b"tenfold-checkpoint-v1\n" + f"{member_id}\n{seq}\n{created_at.isoformat()}\n".encode() + head


def countersign_digest(checkpoint: bytes, member_signature: bytes, central_time: datetime) -> bytes:
    return b"".join((
        b"tenfold-countersign-v1\n", hashlib.sha512(checkpoint).digest(), hashlib.sha512(member_signature).digest(),
        central_time.isoformat().encode(),
    ))


def document_digest(document: bytes) -> bytes:
    return b"tenfold-globalconf-v1\n" + hashlib.sha512(document).digest()


# ------------------------------------------------------------------------ batch signatures
BATCH_LIMIT = 256  # messages under one signature at most (a chain of at most 8 steps)
_STEP = 33  # one step of a hash chain: which side the sibling is on (b"L" or b"R"), its SHA-256


def leaf_hash(digest: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + digest).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def batch_digest(root: bytes) -> bytes:
    return b"tenfold-batch-v1\n" + root


def hash_tree(digests: list[bytes]) -> tuple[bytes, list[bytes]]:
    """The root of the hash tree over these message digests, and each message's chain."""
    level = [leaf_hash(d) for d in digests]
    under = [[i] for i in range(len(digests))]  # the messages below each node of the level
    chains = [bytearray() for _ in digests]
    while len(level) > 1:
        upper, upper_under = [], []
        for j in range(0, len(level) - 1, 2):
            left, right = level[j], level[j + 1]
            for i in under[j]:
                chains[i] += b"R" + right
            for i in under[j + 1]:
                chains[i] += b"L" + left
            upper.append(_node(left, right))
            upper_under.append(under[j] + under[j + 1])
        if len(level) % 2:
            upper.append(level[-1])
            upper_under.append(under[-1])
        level, under = upper, upper_under
    return level[0], [bytes(c) for c in chains]


def chain_root(digest: bytes, chain: bytes) -> bytes | None:
    """The root a message's digest and chain lead to; None for a malformed chain."""
    if not chain or len(chain) % _STEP or len(chain) > _STEP * 16:
        return None
    node = leaf_hash(digest)
    for at in range(0, len(chain), _STEP):
        side, sibling = chain[at:at + 1], chain[at + 1:at + _STEP]
        if side == b"R":
            node = _node(node, sibling)
        elif side == b"L":
            node = _node(sibling, node)
        else:
            return None
    return node


def verify_message(public_key: PublicKey, signature: bytes, digest: bytes, chain: bytes = b"") -> bool:
    """A message's signature: on its own digest (no chain), or on the root its chain leads to."""
    if not chain:
        return verify(public_key, signature, digest)
    root = chain_root(digest, chain)
    return root is not None and verify(public_key, signature, batch_digest(root))


@dataclass(frozen=True)
class Seal:
    """A message's signature, and its hash chain when it was signed in a batch."""

    signature: bytes
    chain: bytes = b""


class BatchSigner:
    """Signs every digest submitted in one turn of the event loop with one signature (a lone
    one on its own digest, as before batches)."""

    def __init__(self, signer: Signer, limit: int = BATCH_LIMIT):
        self.signer = signer
        self.limit = limit
        self._pending: list[tuple[bytes, asyncio.Future[Seal]]] = []
        self.batches = 0
        self.signed = 0

    @property
    def serial(self) -> str:
        return self.signer.serial

    def seal(self, digest: bytes, now: bool = False) -> asyncio.Future[Seal]:
        """``now``: the caller's message is the only one in flight; with no batch waiting it is
        signed before this returns, without a turn of the loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Seal] = loop.create_future()
        if not self._pending:
            if now:
                self._pending.append((digest, future))
                self._flush()
                return future
            loop.call_soon(self._flush)
        self._pending.append((digest, future))
        return future

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self.limit):
            part = pending[start:start + self.limit]
            try:
                if len(part) == 1:
                    seals = [Seal(self.signer.sign(part[0][0]))]
                else:
                    root, chains = hash_tree([digest for digest, _ in part])
                    signature = self.signer.sign(batch_digest(root))
                    seals = [Seal(signature, chain) for chain in chains]
            except Exception as error:  # noqa: BLE001 - every waiting message learns of it
                for _, future in part:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.batches += 1
            self.signed += len(part)
            for (_, future), sealed in zip(part, seals):
                if not future.done():
                    future.set_result(sealed)


class Verifier:
    """Checks message signatures; remembers the batch roots it has found signed (by signer
    certificate and signature), so that the rest of a batch needs no signature check."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._roots: dict[tuple[str, bytes, bytes], None] = {}

    def verify(self, public_key: PublicKey, serial: str, signature: bytes, digest: bytes, chain: bytes = b"") -> bool:
        if not chain:
            return verify(public_key, signature, digest)
        root = chain_root(digest, chain)
        if root is None:
            return False
        seen = (serial, root, signature)
        if seen in self._roots:
            return True
        if not verify(public_key, signature, batch_digest(root)):
            return False
        if len(self._roots) >= self.size:
            del self._roots[next(iter(self._roots))]
        self._roots[seen] = None
        return True
