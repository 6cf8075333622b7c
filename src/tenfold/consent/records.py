"""Consent records: an individual opts in to a data agreement (for a data consumer), withdraws
(an update with ``optIn: false`` that makes a new revision), signs, or asks to be forgotten;
data consumers and provider gateways verify; auditors read whole chains.

A record is unique per (data agreement, individual, data consumer). ``dataConsumer`` is our
extension of GovStack's ConsentRecord: the member the consent is given to. A record without one
counts for the agreement's controller only.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Callable

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.consent import store
from tenfold.consent.chain import RevisionSigner, canonical, sha256, timestamp
from tenfold.consent.errors import Conflict, InvalidConsent, NotFound
from tenfold.consent.models import SignatureIn
from tenfold.consent.objects import Config, page_bounds
from tenfold.consent.tables import consent_records, data_agreements, erasures, individuals, revisions, signatures
from tenfold.ids import scheme


def record_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "dataAgreement": row["data_agreement_id"], "dataAgreementRevision": row["data_agreement_revision_id"],
            "dataAgreementRevisionHash": row["data_agreement_revision_hash"], "individual": row["individual_id"],
            "dataConsumer": row["data_consumer"] or None, "optIn": row["opt_in"], "state": row["state"], "signature": row["signature_id"]}


_snapshot = record_view  # what a record's revision holds: the record as the API shows it


class Records:
    def __init__(self, engine: Engine, signer: RevisionSigner, config: Config, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.signer, self.config, self.clock = engine, signer, config, clock

    def _row(self, connection: Any, record_id: str, individual: str | None) -> dict[str, Any]:
        query = select(consent_records).where(consent_records.c.id == record_id)
        if individual is not None:
            query = query.where(consent_records.c.individual_id == individual)
        row = connection.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"no consent record {record_id!r} for this individual")
        return dict(row)

    def create(self, header: str | None, agreement_id: str, consumer: str | None, opt_in: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.engine.connect() as connection:  # before anything is written: no individual for a refused record
            if not self.config.agreement_row(connection, agreement_id)["active"]:
                raise InvalidConsent(f"the data agreement {agreement_id!r} is not active")
        individual = self.config.resolve(header, create=True)
        now = self.clock()
        with self.engine.begin() as connection:
            agreement = self.config.agreement_row(connection, agreement_id)
            if not agreement["active"]:
                raise InvalidConsent(f"the data agreement {agreement_id!r} is not active")
            row = {"id": str(uuid.uuid4()), "data_agreement_id": agreement_id, "data_agreement_revision_id": agreement["revision_id"],
                   "data_agreement_revision_hash": agreement["revision_hash"], "individual_id": individual,
                   "data_consumer": consumer or "", "opt_in": opt_in, "state": "unsigned", "signature_id": None}
            revision = store.append_revision(connection, self.signer, "consentRecord", row["id"], _snapshot(row), now, individual=individual)
            try:
                connection.execute(consent_records.insert().values(**row, revision_id=revision.id, created_at=now, updated_at=now))
            except IntegrityError:
                raise Conflict("a consent record for this agreement and data consumer exists already; update it instead") from None
        return record_view(row), store.revision_view(revision)

    def draft(self, header: str | None, agreement_id: str, consumer: str | None) -> dict[str, Any]:
        """A record not yet stored (no id), as GovStack's draft endpoint gives it."""
        with self.engine.connect() as connection:
            agreement = self.config.agreement_row(connection, agreement_id)
        individual = self.config.resolve(header, create=True)
        row = {"id": None, "data_agreement_id": agreement_id, "data_agreement_revision_id": agreement["revision_id"],
               "data_agreement_revision_hash": agreement["revision_hash"], "individual_id": individual,
               "data_consumer": consumer or "", "opt_in": True, "state": "unsigned", "signature_id": None}
        return record_view(row)

    def current(self, header: str | None, agreement_id: str, consumer: str | None) -> dict[str, Any]:
        individual = self.config.resolve(header, create=False)
        with self.engine.connect() as connection:
            row = connection.execute(select(consent_records).where(
                consent_records.c.individual_id == individual, consent_records.c.data_agreement_id == agreement_id,
                consent_records.c.data_consumer == (consumer or ""))).mappings().first()
        if row is None:
            raise NotFound("no consent record for this agreement")
        return record_view(row)

    def of_individual(self, header: str | None) -> list[dict[str, Any]]:
        individual = self.config.resolve(header, create=False)
        with self.engine.connect() as connection:
            rows = connection.execute(select(consent_records).where(consent_records.c.individual_id == individual)
                                      .order_by(consent_records.c.created_at, consent_records.c.id)).mappings().all()
        return [record_view(r) for r in rows]

    def update(self, header: str | None, record_id: str, opt_in: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """Give or withdraw consent: a new revision (a signed record becomes unsigned)."""
        individual = self.config.resolve(header, create=False)
        now = self.clock()
        with self.engine.begin() as connection:
            row = self._row(connection, record_id, individual)
            row.update(opt_in=opt_in, state="unsigned", signature_id=None)
            revision = store.append_revision(connection, self.signer, "consentRecord", record_id, _snapshot(row), now, individual=individual)
            connection.execute(update(consent_records).where(consent_records.c.id == record_id).values(
                opt_in=opt_in, state="unsigned", signature_id=None, revision_id=revision.id, updated_at=now))
        return record_view(row), store.revision_view(revision)

    def signature_draft(self, header: str | None, record_id: str) -> dict[str, Any]:
        individual = self.config.resolve(header, create=False)
        with self.engine.connect() as connection:
            row = self._row(connection, record_id, individual)
            revision = store.last_revision(connection, "consentRecord", record_id)
        assert revision is not None
        return {"id": None, "objectType": "revision", "objectReference": revision["id"], "verificationMethod": "JWS",
                "verificationPayload": revision["serialized_snapshot"], "verificationPayloadHash": revision["serialized_hash"],
                "timestamp": timestamp(self.clock()), "consentRecord": row["id"]}

    def sign(self, header: str | None, record_id: str, body: SignatureIn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Record the individual's signature of the record's current revision (verified here)."""
        individual = self.config.resolve(header, create=False)
        now = self.clock()
        with self.engine.begin() as connection:
            row = self._row(connection, record_id, individual)
            current = store.last_revision(connection, "consentRecord", record_id)
            assert current is not None
            if body.verificationPayloadHash != current["serialized_hash"]:
                raise InvalidConsent("the signature is not of the record's current revision (verificationPayloadHash differs)")
            _check_jws(body.signature, body.verificationJwsHeader, current["serialized_hash"])
            signature = {"id": str(uuid.uuid4()), "object_type": "revision", "object_reference": current["id"],
                         "signature": body.signature, "verification_method": body.verificationMethod,
                         "verification_payload": current["serialized_hash"], "verification_payload_hash": sha256(current["serialized_hash"]),
                         "verification_signed_by": body.verificationSignedBy, "verification_signed_as": body.verificationSignedAs,
                         "verification_jws_header": body.verificationJwsHeader, "timestamp": now}
            signature["payload"] = canonical({k: v for k, v in signature.items() if k not in ("id", "signature", "timestamp")})
            connection.execute(signatures.insert().values(**signature))
            row.update(state="signed", signature_id=signature["id"])
            revision = store.append_revision(connection, self.signer, "consentRecord", record_id, _snapshot(row), now, individual=individual)
            connection.execute(update(consent_records).where(consent_records.c.id == record_id).values(
                state="signed", signature_id=signature["id"], revision_id=revision.id, updated_at=now))
        view = {"id": signature["id"], "objectType": "revision", "objectReference": current["id"], "signature": body.signature,
                "verificationMethod": body.verificationMethod, "verificationPayloadHash": signature["verification_payload_hash"],
                "verificationSignedBy": body.verificationSignedBy, "timestamp": timestamp(now)}
        return view, record_view(row), store.revision_view(revision)

    def forget(self, header: str | None) -> int:
        """The right to be forgotten: delete the individual's records under forgettable agreements,
        with their revisions and signatures; an erasure entry says which chain went, and when."""
        individual = self.config.resolve(header, create=False)
        now = self.clock()
        with self.engine.begin() as connection:
            rows = connection.execute(select(consent_records.c.id, consent_records.c.data_agreement_id)
                                      .join(data_agreements, data_agreements.c.id == consent_records.c.data_agreement_id)
                                      .where(consent_records.c.individual_id == individual, data_agreements.c.forgettable.is_(True))).all()
            for record_id, agreement_id in rows:
                chain_ids = [r[0] for r in connection.execute(select(revisions.c.id).where(
                    revisions.c.schema_name == "consentRecord", revisions.c.object_id == record_id))]
                connection.execute(delete(signatures).where(signatures.c.object_reference.in_(chain_ids)))
                connection.execute(delete(revisions).where(revisions.c.id.in_(chain_ids)))
                connection.execute(delete(consent_records).where(consent_records.c.id == record_id))
                connection.execute(erasures.insert().values(id=str(uuid.uuid4()), schema_name="consentRecord", object_id=record_id,
                                                            data_agreement_id=agreement_id, revisions=len(chain_ids), at=now))
        return len(rows)

    # -- data consumers, gateways and auditors -----------------------------------------------
    def verification(self, agreement_id: str | None, individual_id: str | None, external_id: str | None, consumer: str | None,
                     opt_in: bool | None, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Records that answer "is there consent?": under active agreements, for the consumer
        (its own records, or records without a consumer under agreements it controls)."""
        offset, limit = page_bounds(offset, limit)
        query = (select(consent_records, data_agreements.c.data.label("agreement"))
                 .join(data_agreements, data_agreements.c.id == consent_records.c.data_agreement_id)
                 .where(data_agreements.c.active.is_(True), data_agreements.c.deleted.is_(False)))
        if agreement_id:
            query = query.where(consent_records.c.data_agreement_id == agreement_id)
        if individual_id:
            query = query.where(consent_records.c.individual_id == individual_id)
        if external_id:
            code = scheme().validate(external_id)
            query = query.join(individuals, individuals.c.id == consent_records.c.individual_id).where(
                individuals.c.external_id == code, individuals.c.external_id_type == "personal_code")
        if opt_in is not None:
            query = query.where(consent_records.c.opt_in.is_(opt_in))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(consent_records.c.id).offset(offset).limit(limit)).mappings().all()
        return [record_view(r) for r in rows if consumer is None or r["data_consumer"] == consumer
                or (r["data_consumer"] == "" and (r["agreement"].get("controller") or {}).get("id") == consumer)]

    def with_revisions(self, record_id: str, *, whole_chain: bool) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = self._row(connection, record_id, None)
            chain = store.chain(connection, "consentRecord", record_id)
        views = [store.revision_view(r) for r in chain]
        return {"consentRecord": record_view(row), **({"revisions": views} if whole_chain else {"revision": views[-1] if views else None})}

    def audit(self, agreement_id: str | None, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        offset, limit = page_bounds(offset, limit)
        query = select(consent_records).order_by(consent_records.c.created_at, consent_records.c.id).offset(offset).limit(limit)
        if agreement_id:
            query = query.where(consent_records.c.data_agreement_id == agreement_id)
        with self.engine.connect() as connection:
            return [record_view(r) for r in connection.execute(query).mappings()]


def _check_jws(value: str, header: str, digest: str) -> None:
    try:
        declared = json.loads(header)
        jwk = declared["jwk"]
        if not isinstance(jwk, dict) or any(k in jwk for k in ("d", "p", "q")):
            raise ValueError("a public JWK is needed")
        key = RSAKey.import_key(jwk) if jwk.get("kty") == "RSA" else ECKey.import_key(jwk)
        found = jws.deserialize_compact(value, key, algorithms=["ES256", "RS256", "PS256"])
    except (ValueError, KeyError, TypeError, JoseError):
        raise InvalidConsent("the signature cannot be verified with the key in verificationJwsHeader") from None
    if found.payload != digest.encode():
        raise InvalidConsent("the signature is not over the revision's hash")


def erasure_list(engine: Engine, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    offset, limit = page_bounds(offset, limit)
    with engine.connect() as connection:
        rows = connection.execute(select(erasures).order_by(erasures.c.at.desc(), erasures.c.id).offset(offset).limit(limit)).mappings()
        return [{"objectId": r["object_id"], "schemaName": r["schema_name"], "dataAgreement": r["data_agreement_id"],
                 "revisions": r["revisions"], "at": timestamp(r["at"])} for r in rows]

