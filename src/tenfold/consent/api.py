"""The GovStack Consent API (1.1, data-agreement naming) of the CONSENT member.

It is reached through the exchange: the provider gateway sets ``X-Road-Client`` (who is
calling; recorded as ``authorizedByOther`` on configuration changes) and the topology's access
rights decide who may call which path. The individual is named by ``X-ConsentBB-IndividualId``
(the building block's individual id, or a personal code). Extensions, all optional: a record's
``dataConsumer``; ``seq`` and the building block's ``signature`` on revisions; ``/audit/erasures/``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Header, Path, Query
from starlette.concurrency import run_in_threadpool

from tenfold.consent.errors import Conflict, NotFound
from tenfold.consent.models import ID, MEMBER, CreateConsentRecord, ConsentRecordUpdate, DataAgreementIn, IndividualIn, PolicyIn, SignatureIn
from tenfold.consent.records import erasure_list
from tenfold.consent.service import ConsentService
from tenfold.web import FastJSONResponse, create_app

CLIENT = r"^[A-Za-z0-9'()+,.=?-]{1,64}(/[A-Za-z0-9'()+,.=?-]{1,64}){3}$"
Client = Header(alias="X-Road-Client", pattern=CLIENT, max_length=255, description="The caller, as the provider gateway set it")
Individual = Header(alias="X-ConsentBB-IndividualId", min_length=1, max_length=64, description="Individual id or personal code")


def ObjectId() -> Any:  # noqa: N802 - a fresh Path() per parameter: FastAPI must not share one between names
    return Path(pattern=ID, max_length=64)


def Offset() -> Any:  # noqa: N802
    return Query(0, ge=0, le=10**7)


def Limit() -> Any:  # noqa: N802
    return Query(100, ge=1, le=500)


def _json(content: Any, status: int = 200) -> FastJSONResponse:
    return FastJSONResponse(content, status_code=status)


def _page(name: str, items: list[dict[str, Any]], offset: int, limit: int) -> FastJSONResponse:
    return _json({name: items, "pagination": {"offset": offset, "limit": limit, "count": len(items)}})


def config_router(service: ConsentService) -> APIRouter:
    router, config = APIRouter(prefix="/config", tags=["config"]), service.config

    @router.post("/policy/", summary="Create a policy")
    async def create_policy(body: PolicyIn, client: str = Client) -> FastJSONResponse:
        policy, revision = await run_in_threadpool(config.create_policy, body, client)
        return _json({"policy": policy, "revision": revision}, 201)

    @router.get("/policy/{policyId}/", summary="A policy and its latest revision")
    async def read_policy(policyId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        policy, revision = await run_in_threadpool(config.get_policy, policyId)
        return _json({"policy": policy, "revision": revision})

    @router.put("/policy/{policyId}/", summary="Update a policy (a new revision)")
    async def update_policy(body: PolicyIn, policyId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        policy, revision = await run_in_threadpool(config.update_policy, policyId, body, client)
        return _json({"policy": policy, "revision": revision})

    @router.delete("/policy/{policyId}/", summary="Delete a policy no active data agreement uses")
    async def delete_policy(policyId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        return _json({"revision": await run_in_threadpool(config.delete_policy, policyId, client)})

    @router.get("/policy/{policyId}/revisions/", summary="A policy's revisions, oldest first")
    async def policy_revisions(policyId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        policy, chain = await run_in_threadpool(config.policy_revisions, policyId)
        return _json({"policy": policy, "revisions": chain})

    @router.get("/policies/", summary="Policies")
    async def list_policies(offset: int = Offset(), limit: int = Limit(), client: str = Client) -> FastJSONResponse:
        return _page("policies", await run_in_threadpool(config.list_policies, offset, limit), offset, limit)

    @router.post("/data-agreement/", summary="Create a data agreement")
    async def create_agreement(body: DataAgreementIn, client: str = Client) -> FastJSONResponse:
        agreement, revision = await run_in_threadpool(config.create_agreement, body, client)
        return _json({"dataAgreement": agreement, "revision": revision}, 201)

    @router.get("/data-agreement/{dataAgreementId}/", summary="A data agreement and its latest revision")
    async def read_agreement(dataAgreementId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        agreement, revision = await run_in_threadpool(config.get_agreement, dataAgreementId)
        return _json({"dataAgreement": agreement, "revision": revision})

    @router.put("/data-agreement/{dataAgreementId}/", summary="Update a data agreement (a new revision)")
    async def update_agreement(body: DataAgreementIn, dataAgreementId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        agreement, revision = await run_in_threadpool(config.update_agreement, dataAgreementId, body, client)
        return _json({"dataAgreement": agreement, "revision": revision})

    @router.delete("/data-agreement/{dataAgreementId}/", summary="Delete (deactivate) a data agreement")
    async def delete_agreement(dataAgreementId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        return _json({"revision": await run_in_threadpool(config.delete_agreement, dataAgreementId, client)})

    @router.get("/data-agreement/{dataAgreementId}/revisions/", summary="A data agreement's revisions, oldest first")
    async def agreement_revisions(dataAgreementId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        agreement, chain = await run_in_threadpool(config.agreement_revisions, dataAgreementId)
        return _json({"dataAgreement": agreement, "revisions": chain})

    @router.get("/data-agreements/", summary="Data agreements")
    async def list_agreements(offset: int = Offset(), limit: int = Limit(), client: str = Client) -> FastJSONResponse:
        return _page("dataAgreements", await run_in_threadpool(config.list_agreements, offset, limit), offset, limit)

    @router.post("/individual/", summary="Create (or find) an individual")
    async def create_individual(body: IndividualIn, client: str = Client) -> FastJSONResponse:
        return _json({"individual": await run_in_threadpool(config.create_individual, body)}, 201)

    @router.get("/individual/{individualId}/", summary="An individual")
    async def read_individual(individualId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        return _json({"individual": await run_in_threadpool(config.get_individual, individualId)})

    @router.get("/individuals/", summary="Individuals")
    async def list_individuals(offset: int = Offset(), limit: int = Limit(), client: str = Client) -> FastJSONResponse:
        return _page("individuals", await run_in_threadpool(config.list_individuals, offset, limit), offset, limit)

    return router


def service_router(service: ConsentService) -> APIRouter:
    router, records, config = APIRouter(prefix="/service", tags=["service"]), service.records, service.config
    Consumer = Query(None, pattern=MEMBER, max_length=200, alias="dataConsumer", description="The member the consent is for")
    RECORD = "/individual/record/consent-record"

    @router.get("/data-agreement/{dataAgreementId}/", summary="A data agreement (as individuals see it)")
    async def agreement(dataAgreementId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        found, revision = await run_in_threadpool(config.get_agreement, dataAgreementId)
        return _json({"dataAgreement": found, "revision": revision})

    @router.get("/policy/{policyId}/", summary="A policy (as individuals see it)")
    async def policy(policyId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        found, revision = await run_in_threadpool(config.get_policy, policyId)
        return _json({"policy": found, "revision": revision})

    @router.post("/individual/record/data-agreement/{dataAgreementId}/", summary="Opt in to a data agreement (a new consent record)")
    async def opt_in(dataAgreementId: str = ObjectId(), consumer: str | None = Consumer, individual: str = Individual,
                     client: str = Client) -> FastJSONResponse:
        record, revision = await run_in_threadpool(records.create, individual, dataAgreementId, consumer)
        return _json({"consentRecord": record, "revision": revision}, 201)

    @router.get("/individual/record/data-agreement/{dataAgreementId}/", summary="The individual's consent record for an agreement")
    async def current(dataAgreementId: str = ObjectId(), consumer: str | None = Consumer, individual: str = Individual,
                      client: str = Client) -> FastJSONResponse:
        return _json({"consentRecord": await run_in_threadpool(records.current, individual, dataAgreementId, consumer)})

    @router.post(RECORD + "/draft/", summary="A draft consent record (not stored) for an agreement")
    async def draft(dataAgreementId: str = Query(pattern=ID, max_length=64), consumer: str | None = Consumer,
                    individual: str = Individual, client: str = Client) -> FastJSONResponse:
        return _json({"consentRecord": await run_in_threadpool(records.draft, individual, dataAgreementId, consumer)})

    @router.post(RECORD + "/", summary="Create a consent record (optionally signed at once)")
    async def create(body: CreateConsentRecord, individual: str = Individual, client: str = Client) -> FastJSONResponse:
        made = body.consentRecord
        record, revision = await run_in_threadpool(records.create, individual, made.dataAgreement, made.dataConsumer, made.optIn)
        answer: dict[str, Any] = {"consentRecord": record, "revision": revision}
        if body.signature is not None:
            answer["signature"], answer["consentRecord"], answer["revision"] = await run_in_threadpool(
                records.sign, individual, record["id"], body.signature)
        return _json(answer, 201)

    @router.get(RECORD + "/", summary="The individual's consent records")
    async def mine(individual: str = Individual, client: str = Client) -> FastJSONResponse:
        return _json({"consentRecords": await run_in_threadpool(records.of_individual, individual)})

    @router.put(RECORD + "/{consentRecordId}/", summary="Give or withdraw consent (optIn); a new revision")
    async def change(body: ConsentRecordUpdate, consentRecordId: str = ObjectId(), individual: str = Individual,
                     client: str = Client) -> FastJSONResponse:
        record, revision = await run_in_threadpool(records.update, individual, consentRecordId, body.optIn)
        return _json({"consentRecord": record, "revision": revision})

    @router.post(RECORD + "/{consentRecordId}/signature/", summary="What to sign: the record's current revision")
    async def signature_draft(consentRecordId: str = ObjectId(), individual: str = Individual, client: str = Client) -> FastJSONResponse:
        return _json({"signature": await run_in_threadpool(records.signature_draft, individual, consentRecordId)})

    @router.put(RECORD + "/{consentRecordId}/signature/", summary="Sign the record's current revision (JWS, verified)")
    async def sign(body: SignatureIn, consentRecordId: str = ObjectId(), individual: str = Individual, client: str = Client) -> FastJSONResponse:
        signature, record, revision = await run_in_threadpool(records.sign, individual, consentRecordId, body)
        return _json({"signature": signature, "consentRecord": record, "revision": revision})

    @router.delete("/individual/record/", summary="Right to be forgotten: delete records under forgettable agreements")
    async def forget(individual: str = Individual, client: str = Client) -> FastJSONResponse:
        return _json({"deleted": await run_in_threadpool(records.forget, individual)})

    @router.get("/verification/consent-records/", summary="For data consumers: is there consent?")
    async def verification(dataAgreementId: str | None = Query(None, pattern=ID, max_length=64),
                           individualId: str | None = Query(None, pattern=ID, max_length=64),
                           individualExternalId: str | None = Query(None, min_length=1, max_length=32),
                           consumer: str | None = Consumer, optIn: bool | None = None, offset: int = Offset(), limit: int = Limit(),
                           client: str = Client) -> FastJSONResponse:
        found = await run_in_threadpool(records.verification, dataAgreementId, individualId, individualExternalId, consumer, optIn, offset, limit)
        return _page("consentRecords", found, offset, limit)

    @router.get("/verification/consent-record/{consentRecordId}/", summary="For data consumers: one consent record")
    async def verification_record(consentRecordId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        return _json(await run_in_threadpool(records.with_revisions, consentRecordId, whole_chain=False))

    @router.get("/verification/data-agreements/", summary="For data consumers: the active data agreements")
    async def verification_agreements(offset: int = Offset(), limit: int = Limit(), client: str = Client) -> FastJSONResponse:
        return _page("dataAgreements", await run_in_threadpool(service.config.list_agreements, offset, limit, active_only=True), offset, limit)

    return router


def audit_router(service: ConsentService) -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get("/consent-records/", summary="Consent records")
    async def records(dataAgreementId: str | None = Query(None, pattern=ID, max_length=64), offset: int = Offset(), limit: int = Limit(),
                      client: str = Client) -> FastJSONResponse:
        return _page("consentRecords", await run_in_threadpool(service.records.audit, dataAgreementId, offset, limit), offset, limit)

    @router.get("/consent-record/{consentRecordId}/", summary="A consent record with its whole revision chain")
    async def record(consentRecordId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        return _json(await run_in_threadpool(service.records.with_revisions, consentRecordId, whole_chain=True))

    @router.get("/data-agreements/", summary="Data agreements")
    async def agreements(offset: int = Offset(), limit: int = Limit(), client: str = Client) -> FastJSONResponse:
        return _page("dataAgreements", await run_in_threadpool(service.config.list_agreements, offset, limit), offset, limit)

    @router.get("/data-agreement/{dataAgreementId}/", summary="A data agreement with its whole revision chain")
    async def agreement(dataAgreementId: str = ObjectId(), client: str = Client) -> FastJSONResponse:
        found, chain = await run_in_threadpool(service.config.agreement_revisions, dataAgreementId)
        return _json({"dataAgreement": found, "revisions": chain})

    @router.get("/erasures/", summary="Consent records erased at their individual's request (which chain, when; no person)")
    async def erased(offset: int = Offset(), limit: int = Limit(), client: str = Client) -> FastJSONResponse:
        return _page("erasures", await run_in_threadpool(erasure_list, service.engine, offset, limit), offset, limit)

    return router


def create_consent_app(service: ConsentService) -> FastAPI:
    app = create_app("Consent building block (GovStack Consent API)", version="1.1.0",
                     description="Policies, data agreements, individuals, consent records with a signed revision hash chain.",
                     errors={NotFound: 404, Conflict: 409})
    app.include_router(config_router(service))
    app.include_router(service_router(service))
    app.include_router(audit_router(service))

    @app.get("/.well-known/jwks.json", summary="The public key that verifies revision signatures", tags=["audit"])
    async def jwks() -> FastJSONResponse:
        return _json({"keys": [service.signer.public_jwk()]})

    return app
