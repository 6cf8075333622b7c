"""Member signing keys: Ed25519 (made and checked with libsodium), and the ECDSA P-256 keys issued
before it still sign and verify; a signature checks out only with its own key and digest."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tenfold.exchange.pki import PkiError, create_ca, issue, key_pem, load_key, new_key
from tenfold.exchange.signing import Signer, request_digest, verify

DIGEST = request_digest(b"\x01" * 64)
OTHER = request_digest(b"\x02" * 64)


def _signer(kind: str) -> Signer:
    ca_key, ca = create_ca("DEMO")
    key = new_key(kind)
    return Signer(key, issue(ca_key, ca, key.public_key(), "DEMO/GOV/SIB", "DEMO", "sign"))


def test_signing_keys_are_ed25519_and_tls_keys_p256() -> None:
    assert isinstance(new_key("sign"), ed25519.Ed25519PrivateKey)
    assert isinstance(new_key("tls"), ec.EllipticCurvePrivateKey)


@pytest.mark.parametrize("kind", ["sign", "tls"])  # "tls" makes a P-256 key: a signer from before Ed25519
def test_a_signature_verifies_with_its_key_and_digest_only(kind: str) -> None:
    signer, stranger = _signer(kind), _signer(kind)
    signature = signer.sign(DIGEST)
    public = signer.certificate.public_key()
    assert verify(public, signature, DIGEST)
    assert not verify(public, signature, OTHER)
    assert not verify(stranger.certificate.public_key(), signature, DIGEST)
    tampered = bytes([signature[0] ^ 0x01]) + signature[1:]
    assert not verify(public, tampered, DIGEST)
    assert not verify(public, signature[:-1], DIGEST)
    assert not verify(public, b"", DIGEST)


def test_libsodium_and_openssl_agree_on_ed25519() -> None:
    signer = _signer("sign")
    assert isinstance(signer.key, ed25519.Ed25519PrivateKey)
    signer.certificate.public_key().verify(signer.sign(DIGEST), DIGEST)  # type: ignore[call-arg]  # raises if not
    assert verify(signer.certificate.public_key(), signer.key.sign(DIGEST), DIGEST)  # type: ignore[arg-type]


def test_a_key_file_round_trips_and_other_key_types_are_refused() -> None:
    key = new_key("sign")
    assert key_pem(load_key(key_pem(key))) == key_pem(key)
    with pytest.raises(PkiError, match="Ed25519"):
        load_key(key_pem(rsa.generate_private_key(65537, 2048)))  # type: ignore[arg-type]
