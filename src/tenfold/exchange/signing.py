"""Member signatures on every message between gateways (ECDSA P-256 over SHA-256).

What is signed is a digest that names its purpose, so a request signature can never pass for a
response or a checkpoint: requests sign X-Road's request hash; responses sign the request hash,
the hash of the serialised response part and the hash of the body; checkpoints sign the log's
position and head hash; CENTRAL countersigns a checkpoint with its own time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tenfold.exchange.pki import cert_pem, serial_of

_ALGORITHM = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class Signer:
    """A member's (or CENTRAL's) signing key with its certificate."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    serial: str = field(init=False)
    certificate_pem: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "serial", serial_of(self.certificate))
        object.__setattr__(self, "certificate_pem", cert_pem(self.certificate).decode())

    def sign(self, digest: bytes) -> bytes:
        return self.key.sign(digest, _ALGORITHM)


def verify(public_key: ec.EllipticCurvePublicKey, signature: bytes, digest: bytes) -> bool:
    try:
        public_key.verify(signature, digest, _ALGORITHM)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


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
