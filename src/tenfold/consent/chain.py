"""Revisions and their hash chain (GovStack Consent's Revision object), pure functions.

A revision's ``serializedSnapshot`` is canonical JSON (sorted keys, no spaces) of the object's
data, its schema and id, the time, who authorised the change and the hash of the object's
previous revision (``predecessorHash``: it is inside the snapshot, so the hash covers the link).
``serializedHash`` is the SHA-256 of the snapshot (GovStack names SHA-1; SHA-1 is broken, so we
use SHA-256), and the building block signs the hash (ES256 JWS). A chain checks out when every
snapshot hashes to its hash, every link names its predecessor's hash and signature, the sequence
has no gap, every signature verifies, and the object points at the last revision.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

ALG = "ES256"
SCHEMAS = ("policy", "dataAgreement", "consentRecord")


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class RevisionSigner:
    """The building block's own key: signs revision hashes; its public JWK verifies them."""

    def __init__(self, key: ECKey):
        self.key = key
        self.kid = str(key.kid)

    @classmethod
    def from_file(cls, path: Path) -> RevisionSigner:
        """Load the key, or make one (readable by the owner only) the first time."""
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = ECKey.generate_key("P-256", private=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(fresh.as_pem(private=True))
        pem = path.read_bytes()
        probe = ECKey.import_key(pem)
        return cls(ECKey.import_key(pem, {"kid": probe.thumbprint(), "alg": ALG, "use": "sig"}))

    def sign(self, digest: str) -> str:
        return jws.serialize_compact({"alg": ALG, "kid": self.kid}, digest.encode(), self.key)

    def public_jwk(self) -> dict[str, Any]:
        return dict(self.key.as_dict(private=False), kid=self.kid)


def signature_valid(value: str, digest: str, public: ECKey) -> bool:
    try:
        found = jws.deserialize_compact(value, public, algorithms=[ALG])
    except (JoseError, ValueError, TypeError):
        return False
    return found.payload == digest.encode()


@dataclass(frozen=True)
class NewRevision:
    id: str
    schema_name: str
    object_id: str
    seq: int
    serialized_snapshot: str
    serialized_hash: str
    timestamp: datetime
    authorized_by_individual: str | None
    authorized_by_other: str | None
    predecessor_hash: str | None
    predecessor_signature: str | None
    signature: str

    def row(self) -> dict[str, Any]:
        return {**self.__dict__, "successor_id": None}


def make_revision(signer: RevisionSigner, schema_name: str, object_id: str, data: dict[str, Any], at: datetime,
                  previous: dict[str, Any] | None, *, individual: str | None = None, other: str | None = None) -> NewRevision:
    """The next revision of an object, after ``previous`` (its current last revision row, if any)."""
    predecessor_hash = previous["serialized_hash"] if previous else None
    snapshot = canonical({"objectData": data, "schemaName": schema_name, "objectId": object_id, "timestamp": timestamp(at),
                          "authorizedByIndividual": individual, "authorizedByOther": other, "predecessorHash": predecessor_hash})
    digest = sha256(snapshot)
    return NewRevision(str(uuid.uuid4()), schema_name, object_id, (previous["seq"] + 1) if previous else 1, snapshot, digest, at,
                       individual, other, predecessor_hash, previous["signature"] if previous else None, signer.sign(digest))


@dataclass(frozen=True)
class Problem:
    schema_name: str
    object_id: str
    seq: int | None
    what: str

    def __str__(self) -> str:
        where = f"{self.schema_name} {self.object_id}" + (f" revision {self.seq}" if self.seq is not None else "")
        return f"{where}: {self.what}"


def check_chain(schema_name: str, object_id: str, chain: list[dict[str, Any]], public: ECKey,
                head: str | None, current: dict[str, Any] | None) -> list[Problem]:
    """Problems with one object's revisions (rows ordered by seq); ``head`` is the revision id the
    object points at, ``current`` the fields the object row holds (checked against the last snapshot)."""
    problems: list[Problem] = []
    previous: dict[str, Any] | None = None
    for expected_seq, revision in enumerate(chain, start=1):
        problems += [Problem(schema_name, object_id, revision["seq"], what) for what in _link_problems(revision, previous, expected_seq, public)]
        previous = revision
    if not chain:
        problems.append(Problem(schema_name, object_id, None, "the object has no revisions"))
    elif head != chain[-1]["id"]:
        problems.append(Problem(schema_name, object_id, None, "the object does not point at its last revision (a revision was removed or added)"))
    elif current is not None:
        try:
            data = json.loads(chain[-1]["serialized_snapshot"])["objectData"]
        except (ValueError, KeyError, TypeError):
            data = None
        if not isinstance(data, dict) or any(data.get(k) != v for k, v in current.items()):
            problems.append(Problem(schema_name, object_id, None, "the object's fields differ from its last revision"))
    return problems


def _link_problems(revision: dict[str, Any], previous: dict[str, Any] | None, expected_seq: int, public: ECKey) -> Iterable[str]:
    if revision["seq"] != expected_seq:
        yield f"expected revision {expected_seq} here: a revision is missing"
    if sha256(revision["serialized_snapshot"]) != revision["serialized_hash"]:
        yield "the snapshot does not hash to the recorded hash (changed)"
    try:
        snapshot = json.loads(revision["serialized_snapshot"])
    except ValueError:
        snapshot = {}
    expected_hash = previous["serialized_hash"] if previous else None
    if not isinstance(snapshot, dict) or snapshot.get("predecessorHash") != expected_hash or revision["predecessor_hash"] != expected_hash:
        yield "the link to the previous revision is broken"
    if isinstance(snapshot, dict) and (snapshot.get("objectId") != revision["object_id"] or snapshot.get("schemaName") != revision["schema_name"]):
        yield "the snapshot belongs to another object"
    if revision["predecessor_signature"] != (previous["signature"] if previous else None):
        yield "the previous revision's signature is not the one recorded"
    if previous is not None and previous["successor_id"] != revision["id"]:
        yield "the previous revision does not name this one as its successor"
    if not signature_valid(revision["signature"], revision["serialized_hash"], public):
        yield "the building block's signature does not verify"


def check_tail(schema_name: str, object_id: str, chain: list[dict[str, Any]]) -> list[Problem]:
    if chain and chain[-1]["successor_id"] is not None:
        return [Problem(schema_name, object_id, chain[-1]["seq"], "the last revision names a successor that is not there")]
    return []
