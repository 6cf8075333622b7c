"""eSignet's client management API: register (POST) and update (PUT) a relying party.

Requests and answers have eSignet's envelope (``{"requestTime", "request": {...}}`` in,
``{"responseTime", "response": {...}, "errors": [...]}`` out). The API is for operators: it
needs ``Authorization: Bearer <token>`` with the token ``tenfold identity client-mgmt-token``
issued. A client registered with ``publicKey`` authenticates with ``private_key_jwt``; without
one it is given a secret for ``client_secret_basic``, returned once in ``clientSecret``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tenfold.identity.clients import ACR_VALUES, CLIENT_ID, management_token_valid
from tenfold.identity.claims import CLAIMS
from tenfold.identity.errors import ClientExists, InvalidClientMetadata, UnknownClient
from tenfold.identity.service import IdentityProvider
from tenfold.web import FastJSONResponse

Claim = Literal["name", "birthdate", "gender", "address", "individual_id", "phone_number", "email"]
assert set(Claim.__args__) == set(CLAIMS)  # type: ignore[attr-defined]


class ClientDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clientName: str = Field(min_length=1, max_length=200)
    redirectUris: list[str] = Field(min_length=1, max_length=10, description="Exact redirect URIs (https, or http on loopback)")
    publicKey: dict[str, Any] | None = Field(None, description="The client's public JWK (or a JWKS) for private_key_jwt")
    userClaims: list[Claim] | None = Field(None, description="Claims the client may ask for (default: all)")
    authContextRefs: list[Literal["urn:tenfold:acr:password-totp"]] | None = None
    logoUri: str | None = Field(None, max_length=500)
    relyingPartyId: str | None = Field(None, max_length=100)
    grantTypes: list[Literal["authorization_code"]] | None = None
    clientAuthMethods: list[Literal["private_key_jwt", "client_secret_basic"]] | None = Field(None, max_length=1)


class NewClient(ClientDetails):
    clientId: str | None = Field(None, pattern=CLIENT_ID.pattern, description="Chosen by the provider when left out")


class ClientUpdate(ClientDetails):
    status: Literal["ACTIVE", "INACTIVE"] = "ACTIVE"


class CreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requestTime: str | None = Field(None, max_length=40)
    request: NewClient


class UpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requestTime: str | None = Field(None, max_length=40)
    request: ClientUpdate


def _envelope(response: dict[str, Any] | None, errors: list[dict[str, str]] | None = None, status: int = 200) -> FastJSONResponse:
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return FastJSONResponse({"responseTime": now, "response": response, "errors": errors or []}, status_code=status)


def _error(code: str, message: str, status: int) -> FastJSONResponse:
    return _envelope(None, [{"errorCode": code, "errorMessage": message}], status)


def _method_matches(details: ClientDetails) -> str | None:
    wanted = (details.clientAuthMethods or [None])[0]
    if wanted == "private_key_jwt" and not details.publicKey:
        return "private_key_jwt needs publicKey"
    if wanted == "client_secret_basic" and details.publicKey:
        return "a client with publicKey authenticates with private_key_jwt"
    return None


def client_management_router(provider: IdentityProvider) -> APIRouter:
    router = APIRouter(prefix="/client-mgmt", tags=["client management"])
    responses: dict[int | str, dict[str, Any]] = {401: {"description": "no or wrong bearer token"}, 400: {"description": "invalid metadata"}}

    def authorised(authorization: str | None) -> bool:
        scheme_, _space, token = (authorization or "").partition(" ")
        return scheme_.lower() == "bearer" and management_token_valid(provider.engine, token.strip())

    @router.post("/oidc-client", summary="Register a relying party", responses={**responses, 409: {"description": "client id taken"}})
    async def create(body: CreateRequest, authorization: str | None = Header(None, max_length=200)) -> FastJSONResponse:
        if not await run_in_threadpool(authorised, authorization):
            return _error("unauthorized", "a valid client-management bearer token is required", 401)
        details = body.request
        if problem := _method_matches(details):
            return _error("invalid_client_auth", problem, 400)
        try:
            registration = await run_in_threadpool(
                provider.clients.register, details.clientName, details.redirectUris, jwks=details.publicKey, client_id=details.clientId,
                claims=details.userClaims, acr_values=details.authContextRefs, logo_uri=details.logoUri)
        except ClientExists as error:
            return _error("duplicate_client_id", str(error), 409)
        except InvalidClientMetadata as error:
            return _error("invalid_input", str(error), 400)
        answer: dict[str, Any] = {"clientId": registration.client.client_id, "status": "ACTIVE", "issuer": provider.issuer}
        if registration.client_secret:
            answer["clientSecret"] = registration.client_secret
        return _envelope(answer)

    @router.put("/oidc-client/{client_id}", summary="Update a relying party", responses={**responses, 404: {"description": "no such client"}})
    async def change(body: UpdateRequest, client_id: str = Path(pattern=CLIENT_ID.pattern),
                     authorization: str | None = Header(None, max_length=200)) -> FastJSONResponse:
        if not await run_in_threadpool(authorised, authorization):
            return _error("unauthorized", "a valid client-management bearer token is required", 401)
        details = body.request
        try:
            client = await run_in_threadpool(
                provider.clients.update, client_id, details.clientName, details.redirectUris, jwks=details.publicKey,
                claims=details.userClaims, acr_values=details.authContextRefs, logo_uri=details.logoUri, status=details.status.lower())
        except UnknownClient as error:
            return _error("invalid_client_id", str(error), 404)
        except InvalidClientMetadata as error:
            return _error("invalid_input", str(error), 400)
        return _envelope({"clientId": client.client_id, "status": client.status.upper()})

    return router


__all__ = ["ACR_VALUES", "client_management_router"]
