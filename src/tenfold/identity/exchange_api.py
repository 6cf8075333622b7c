"""The services the provider offers through the exchange (its gateway forwards them here):

- ``tellUsOnce`` (the ``identity`` subsystem's inbox): events pushed from the rooms it subscribes
  to (``POST /tell-us-once/death``), and what the provider did about a person
  (``GET /tell-us-once/actions?personId=``, for the family's timeline);
- ``ekyc``: a person's identity claims for a data consumer, e.g. a bank opening an account. The
  topology marks this service ``lawful_basis = "consent"``: the provider's gateway releases a
  request only when the person has consented (CONSENT member) under its data agreement.

Every call here carries the caller's ``X-Road-Client``, set by the provider's gateway.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tenfold.errors import InvalidInput
from tenfold.ids import scheme, xroad
from tenfold.identity import events
from tenfold.identity.errors import PersonUnavailable
from tenfold.identity.service import IdentityProvider
from tenfold.web import FastJSONResponse

EKYC_CLAIMS = ("name", "birthdate", "gender", "address", "individual_id")
Client = Header(alias="X-Road-Client", pattern=r"^[^/]+/[^/]+/[^/]+/[^/]+$", max_length=255,
                description="The calling subsystem or room, as the provider's gateway set it")


class PushedEvent(BaseModel):
    """An event item as a room's PUSH delivery sends it (GovStack IM pub/sub)."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1, max_length=64)
    eventType: str = Field(min_length=1, max_length=100)
    event: dict[str, Any]
    room: str | None = Field(None, max_length=255)


class KycRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    individualId: str = Field(min_length=1, max_length=32, description="The person's personal code")
    claims: list[Literal["name", "birthdate", "gender", "address", "individual_id"]] = Field(
        default_factory=lambda: list(EKYC_CLAIMS), max_length=5)


def exchange_router(provider: IdentityProvider) -> APIRouter:
    router = APIRouter(tags=["services through the exchange"])

    @router.post("/tell-us-once/{event_type}", summary="Receive an event pushed from a room (idempotent on the event id)")
    async def inbox(event_type: str, item: PushedEvent, client: str = Client) -> FastJSONResponse:
        xroad.parse_client(client)
        if event_type != item.eventType:
            raise InvalidInput("the path names another event type than the event")
        if item.eventType != "death":
            return FastJSONResponse({"eventId": item.id, "action": "ignored"})
        action = await run_in_threadpool(events.record_death, provider.engine, item.id, item.event, provider.clock)
        return FastJSONResponse({"eventId": item.id, "action": action})

    @router.get("/tell-us-once/actions", summary="What the identity provider did about a person, newest first")
    async def actions(personId: str = Query(min_length=1, max_length=32), offset: int = Query(0, ge=0, le=10**6),
                      limit: int = Query(50, ge=1, le=events.MAX_LIMIT), client: str = Client) -> FastJSONResponse:
        found = await run_in_threadpool(events.actions_for, provider.engine, personId, offset, limit)
        return FastJSONResponse({"personId": personId, "member": provider.settings.member, "actions": found})

    @router.post("/ekyc/v1/kyc", summary="A person's identity claims for the calling data consumer (e-KYC), signed",
                 responses={404: {"description": "no living resident with that personal code"}})
    async def kyc(body: KycRequest, request: Request, client: str = Client) -> FastJSONResponse:
        consumer = "/".join(xroad.parse_client(client).parts[:3])
        person, names = scheme().validate(body.individualId), set(body.claims)
        purpose = request.headers.get("X-Road-Purpose") or "e-KYC"
        try:
            found = await run_in_threadpool(provider.person_claims, person, names, f"e-KYC for {consumer}: {purpose}"[:400])
        except PersonUnavailable as error:
            return FastJSONResponse({"detail": str(error)}, status_code=503)
        if found is None:
            return FastJSONResponse({"detail": "no living resident with this personal code"}, status_code=404)
        now = int(provider.clock().timestamp())
        token = await run_in_threadpool(provider.sign, {
            "iss": provider.issuer, "aud": consumer, "iat": now, "exp": now + provider.settings.token_seconds,
            "sub": provider.subject(person, consumer), **found})
        return FastJSONResponse({"individualId": person, "claims": found, "kycToken": token})

    return router
