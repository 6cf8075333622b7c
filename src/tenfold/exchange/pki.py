"""The platform's public-key infrastructure: a CA run by CENTRAL that issues every member a
signing certificate (Ed25519 keys) and every gateway a TLS certificate (ECDSA P-256), X.509,
signed by the CA with ECDSA P-256 and SHA-256.

For the embedded demo CENTRAL generates the keys itself and hands them over as files (CSR-less
issuance); a production member would send a certificate request instead. The files live under
``var/pki``; the *anchor* (the CA certificate, CENTRAL's signing certificate and where CENTRAL
is) is what a gateway needs to trust the global configuration, as X-Road's configuration anchor.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tenfold.errors import TenfoldError

CertKind = Literal["sign", "tls"]
VALIDITY_DAYS = 3650


class PkiError(TenfoldError):
    """Keys or certificates are missing or do not fit together."""


PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
SIGNING_KEY_TYPES = (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)  # what a signature may be checked with


def new_key(kind: str = "tls") -> PrivateKey:
    """Ed25519 for signing keys (every message between gateways is signed and checked: see
    :mod:`tenfold.exchange.signing` for what that saves); P-256 for the CA and TLS, which every
    TLS stack takes."""
    if kind == "sign":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(pem: bytes | str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)


def load_key(pem: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise PkiError("only ECDSA P-256 and Ed25519 keys are used on this platform")
    return key


def serial_of(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def subject_of(cert: x509.Certificate) -> str:
    """The X-Road identifier in the certificate's common name (a member or CENTRAL)."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _name(common_name: str, instance: str, unit: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Tenfold {instance}"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def create_ca(instance: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{instance} platform CA", instance, "ca")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, public_key: PublicKey,
    owner: str, instance: str, kind: CertKind, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
) -> x509.Certificate:
    """A certificate for ``owner`` (an X-Road member id, or CENTRAL's) of the given kind."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(_name(owner, instance, kind)).issuer_name(ca_cert.subject)
        .public_key(public_key).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if kind == "tls":
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        ).add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
    return builder.sign(ca_key, hashes.SHA256())


def issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
    except Exception:  # InvalidSignature, or a key type that cannot have signed it
        return False
    return True


@dataclass(frozen=True)
class Anchor:
    """What a gateway trusts out of band: the instance, CENTRAL's address and certificates."""

    instance: str
    central_id: str
    central_url: str
    ca_pem: str
    central_sign_pem: str

    def save(self, path: Path) -> None:
        _write(path, json.dumps(self.__dict__, indent=2).encode(), private=False)

    @classmethod
    def load(cls, path: Path) -> Anchor:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise PkiError(f"cannot read the configuration anchor {path}: {error}") from None


def _write(path: Path, data: bytes, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(data)
    if private:
        os.chmod(temporary, 0o600)
    temporary.replace(path)


@dataclass(frozen=True)
class MemberKeys:
    """One member's key material as its gateway loads it."""

    member_id: str
    sign_key: PrivateKey
    sign_cert: x509.Certificate
    tls_cert_file: Path
    tls_key_file: Path

    @property
    def sign_serial(self) -> str:
        return serial_of(self.sign_cert)


class PkiDirectory:
    """The files under ``var/pki``: the CA (CENTRAL only), the anchor, and per-member keys."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def anchor_file(self) -> Path:
        return self.root / "anchor.json"

    @property
    def ca_cert_file(self) -> Path:
        return self.root / "ca" / "ca.pem"

    @property
    def ca_key_file(self) -> Path:
        return self.root / "ca" / "ca.key"

    def member_dir(self, code: str) -> Path:
        return self.root / "members" / code.upper()

    def central_dir(self) -> Path:
        return self.root / "central"

    def write_pair(self, directory: Path, kind: str, key: PrivateKey, cert: x509.Certificate) -> None:
        _write(directory / f"{kind}.key", key_pem(key), private=True)
        _write(directory / f"{kind}.pem", cert_pem(cert), private=False)

    def write_ca(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        _write(self.ca_key_file, key_pem(key), private=True)
        _write(self.ca_cert_file, cert_pem(cert), private=False)

    def load_ca(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        try:
            key, cert = load_key(self.ca_key_file.read_bytes()), load_cert(self.ca_cert_file.read_bytes())
        except OSError as error:
            raise PkiError(f"the platform CA is missing under {self.root / 'ca'}: {error.strerror}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise PkiError(f"the platform CA's key under {self.root / 'ca'} is not an ECDSA P-256 key")
        return key, cert

    def has_pair(self, directory: Path, kind: str) -> bool:
        return (directory / f"{kind}.key").is_file() and (directory / f"{kind}.pem").is_file()

    def load_pair(self, directory: Path, kind: str) -> tuple[PrivateKey, x509.Certificate]:
        try:
            return load_key((directory / f"{kind}.key").read_bytes()), load_cert((directory / f"{kind}.pem").read_bytes())
        except OSError as error:
            raise PkiError(f"missing {kind} key or certificate under {directory}: {error.strerror}") from None

    def member_keys(self, member_id: str, code: str) -> MemberKeys:
        directory = self.member_dir(code)
        sign_key, sign_cert = self.load_pair(directory, "sign")
        if not self.has_pair(directory, "tls"):
            raise PkiError(f"missing the TLS key or certificate of {member_id} under {directory}")
        return MemberKeys(member_id, sign_key, sign_cert, directory / "tls.pem", directory / "tls.key")
