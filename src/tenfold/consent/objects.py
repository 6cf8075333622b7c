"""Policies, data agreements and individuals (the Consent API's ``config`` side).

Every create, update and delete of a policy or data agreement writes a revision. A data
agreement names the controller that offers it, the policy that governs it, its purpose and
lawful basis, and whether its consent records may be forgotten (deleted on request).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Callable

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.consent import store
from tenfold.consent.chain import RevisionSigner
from tenfold.consent.errors import Conflict, InvalidConsent, NotFound
from tenfold.consent.models import DataAgreementIn, IndividualIn, PolicyIn
from tenfold.consent.tables import data_agreements, individuals, policies
from tenfold.errors import InvalidInput
from tenfold.ids import scheme

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_PAGE = 500


def page_bounds(offset: int, limit: int) -> tuple[int, int]:
    if not 0 <= offset <= 10**7 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"offset must be 0 or more and limit between 1 and {MAX_PAGE}")
    return offset, limit


def individual_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "externalId": row["external_id"], "externalIdType": row["external_id_type"],
            "identityProviderId": row["identity_provider_id"]}


class Config:
    def __init__(self, engine: Engine, signer: RevisionSigner, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.signer, self.clock = engine, signer, clock

    # -- policies ---------------------------------------------------------------------------
    def create_policy(self, body: PolicyIn, by: str) -> tuple[dict[str, Any], dict[str, Any]]:
        policy_id = body.id or str(uuid.uuid4())
        data = body.model_dump(exclude={"id"})
        now = self.clock()
        try:
            with self.engine.begin() as connection:
                revision = store.append_revision(connection, self.signer, "policy", policy_id, {"id": policy_id, **data}, now, other=by)
                connection.execute(policies.insert().values(id=policy_id, data=data, revision_id=revision.id, deleted=False, updated_at=now))
        except IntegrityError:
            raise Conflict(f"a policy {policy_id!r} exists already") from None
        return {"id": policy_id, **data}, store.revision_view(revision)

    def _policy_row(self, connection: Connection, policy_id: str) -> dict[str, Any]:
        row = connection.execute(select(policies).where(policies.c.id == policy_id, policies.c.deleted.is_(False))).mappings().first()
        if row is None:
            raise NotFound(f"no policy {policy_id!r}")
        return dict(row)

    def get_policy(self, policy_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.engine.connect() as connection:
            row = self._policy_row(connection, policy_id)
            revision = store.last_revision(connection, "policy", policy_id)
        assert revision is not None
        return {"id": policy_id, **row["data"]}, store.revision_view(revision)

    def update_policy(self, policy_id: str, body: PolicyIn, by: str) -> tuple[dict[str, Any], dict[str, Any]]:
        data, now = body.model_dump(exclude={"id"}), self.clock()
        with self.engine.begin() as connection:
            self._policy_row(connection, policy_id)
            revision = store.append_revision(connection, self.signer, "policy", policy_id, {"id": policy_id, **data}, now, other=by)
            connection.execute(update(policies).where(policies.c.id == policy_id).values(data=data, revision_id=revision.id, updated_at=now))
        return {"id": policy_id, **data}, store.revision_view(revision)

    def delete_policy(self, policy_id: str, by: str) -> dict[str, Any]:
        now = self.clock()
        with self.engine.begin() as connection:
            row = self._policy_row(connection, policy_id)
            in_use = [r.id for r in connection.execute(select(data_agreements.c.id, data_agreements.c.data).where(
                data_agreements.c.deleted.is_(False), data_agreements.c.active.is_(True))) if r.data.get("policy") == policy_id]
            if in_use:
                raise Conflict(f"the policy governs active data agreements: {', '.join(in_use)}")
            revision = store.append_revision(connection, self.signer, "policy", policy_id,
                                             {"id": policy_id, **row["data"], "deleted": True}, now, other=by)
            connection.execute(update(policies).where(policies.c.id == policy_id).values(deleted=True, revision_id=revision.id, updated_at=now))
        return store.revision_view(revision)

    def policy_revisions(self, policy_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self.engine.connect() as connection:
            row = self._policy_row(connection, policy_id)
            chain = store.chain(connection, "policy", policy_id)
        return {"id": policy_id, **row["data"]}, [store.revision_view(r) for r in chain]

    def list_policies(self, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        offset, limit = page_bounds(offset, limit)
        with self.engine.connect() as connection:
            rows = connection.execute(select(policies).where(policies.c.deleted.is_(False)).order_by(policies.c.id).offset(offset).limit(limit))
            return [{"id": r.id, **r.data} for r in rows]

    # -- data agreements --------------------------------------------------------------------
    def create_agreement(self, body: DataAgreementIn, by: str) -> tuple[dict[str, Any], dict[str, Any]]:
        agreement_id = body.id or str(uuid.uuid4())
        data, now = body.model_dump(exclude={"id"}, mode="json"), self.clock()
        try:
            with self.engine.begin() as connection:
                self._policy_row(connection, body.policy)
                revision = store.append_revision(connection, self.signer, "dataAgreement", agreement_id, {"id": agreement_id, **data}, now, other=by)
                connection.execute(data_agreements.insert().values(
                    id=agreement_id, data=data, active=body.active, forgettable=body.forgettable, revision_id=revision.id,
                    revision_hash=revision.serialized_hash, deleted=False, updated_at=now))
        except IntegrityError:
            raise Conflict(f"a data agreement {agreement_id!r} exists already") from None
        except NotFound as error:
            raise InvalidConsent(str(error)) from None
        return {"id": agreement_id, **data}, store.revision_view(revision)

    def agreement_row(self, connection: Connection, agreement_id: str, *, deleted: bool = False) -> dict[str, Any]:
        query = select(data_agreements).where(data_agreements.c.id == agreement_id)
        if not deleted:
            query = query.where(data_agreements.c.deleted.is_(False))
        row = connection.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"no data agreement {agreement_id!r}")
        return dict(row)

    def get_agreement(self, agreement_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.engine.connect() as connection:
            row = self.agreement_row(connection, agreement_id)
            revision = store.last_revision(connection, "dataAgreement", agreement_id)
        assert revision is not None
        return {"id": agreement_id, **row["data"]}, store.revision_view(revision)

    def update_agreement(self, agreement_id: str, body: DataAgreementIn, by: str) -> tuple[dict[str, Any], dict[str, Any]]:
        data, now = body.model_dump(exclude={"id"}, mode="json"), self.clock()
        with self.engine.begin() as connection:
            self.agreement_row(connection, agreement_id)
            try:
                self._policy_row(connection, body.policy)
            except NotFound as error:
                raise InvalidConsent(str(error)) from None
            revision = store.append_revision(connection, self.signer, "dataAgreement", agreement_id, {"id": agreement_id, **data}, now, other=by)
            connection.execute(update(data_agreements).where(data_agreements.c.id == agreement_id).values(
                data=data, active=body.active, forgettable=body.forgettable, revision_id=revision.id,
                revision_hash=revision.serialized_hash, updated_at=now))
        return {"id": agreement_id, **data}, store.revision_view(revision)

    def delete_agreement(self, agreement_id: str, by: str) -> dict[str, Any]:
        now = self.clock()
        with self.engine.begin() as connection:
            row = self.agreement_row(connection, agreement_id)
            data = {"id": agreement_id, **row["data"], "active": False, "deleted": True}
            revision = store.append_revision(connection, self.signer, "dataAgreement", agreement_id, data, now, other=by)
            connection.execute(update(data_agreements).where(data_agreements.c.id == agreement_id).values(
                deleted=True, active=False, revision_id=revision.id, revision_hash=revision.serialized_hash, updated_at=now))
        return store.revision_view(revision)

    def agreement_revisions(self, agreement_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self.engine.connect() as connection:
            row = self.agreement_row(connection, agreement_id, deleted=True)
            chain = store.chain(connection, "dataAgreement", agreement_id)
        return {"id": agreement_id, **row["data"], "deleted": row["deleted"]}, [store.revision_view(r) for r in chain]

    def list_agreements(self, offset: int = 0, limit: int = 100, *, active_only: bool = False) -> list[dict[str, Any]]:
        offset, limit = page_bounds(offset, limit)
        query = select(data_agreements).where(data_agreements.c.deleted.is_(False))
        if active_only:
            query = query.where(data_agreements.c.active.is_(True))
        with self.engine.connect() as connection:
            return [{"id": r.id, **r.data} for r in connection.execute(query.order_by(data_agreements.c.id).offset(offset).limit(limit))]

    # -- individuals ------------------------------------------------------------------------
    def create_individual(self, body: IndividualIn) -> dict[str, Any]:
        external = scheme().validate(body.externalId) if body.externalIdType == "personal_code" else body.externalId
        return individual_view(self._find_or_create(external, body.externalIdType, body.identityProviderId))

    def _find_or_create(self, external: str, kind: str, provider: str | None) -> dict[str, Any]:
        """One transaction of its own; two requests making the same individual at once get one row."""
        query = select(individuals).where(individuals.c.external_id == external, individuals.c.external_id_type == kind)
        for _attempt in (1, 2):
            with self.engine.begin() as connection:
                row = connection.execute(query).mappings().first()
                if row is not None:
                    return dict(row)
                values = {"id": str(uuid.uuid4()), "external_id": external, "external_id_type": kind,
                          "identity_provider_id": provider, "created_at": self.clock()}
                try:
                    connection.execute(individuals.insert().values(**values))
                    return values
                except IntegrityError:
                    pass  # made meanwhile by another request: read it again
        raise Conflict("the individual could not be recorded; try again")

    def get_individual(self, individual_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(individuals).where(individuals.c.id == individual_id)).mappings().first()
        if row is None:
            raise NotFound(f"no individual {individual_id!r}")
        return individual_view(row)

    def list_individuals(self, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        offset, limit = page_bounds(offset, limit)
        with self.engine.connect() as connection:
            rows = connection.execute(select(individuals).order_by(individuals.c.created_at, individuals.c.id).offset(offset).limit(limit))
            return [individual_view(r) for r in rows.mappings()]

    def count_individuals(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(individuals)).scalar_one())

    def resolve(self, header: str | None, *, create: bool) -> str:
        """The individual an ``X-ConsentBB-IndividualId`` header names: the building block's id,
        or a personal code (then found, or made when ``create``)."""
        if not header:
            raise InvalidInput("the X-ConsentBB-IndividualId header is required")
        value = header.strip()
        with self.engine.connect() as connection:
            if UUID.match(value):
                if connection.execute(select(individuals.c.id).where(individuals.c.id == value)).first() is None:
                    raise NotFound("no such individual")
                return value
            code = scheme().validate(value)
            row = connection.execute(select(individuals.c.id).where(individuals.c.external_id == code,
                                                                    individuals.c.external_id_type == "personal_code")).first()
        if row is not None:
            return str(row[0])
        if not create:
            raise NotFound("no consent has been recorded for this individual")
        return str(self._find_or_create(code, "personal_code", None)["id"])
