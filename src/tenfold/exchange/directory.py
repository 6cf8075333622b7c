"""Service metadata (X-Road PR-MREST, GovStack IM directory) and the data tracker's findUsage,
answered by the provider's gateway for one of its member's subsystems.

``listMethods`` lists the subsystem's services with the endpoints their OpenAPI documents
declare; ``allowedMethods`` keeps the services and endpoints the calling client's rights allow,
so it is always a subset of ``listMethods``; ``getOpenAPI`` returns a service's document.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query

from tenfold.exchange import tracker
from tenfold.exchange.context import GatewayContext
from tenfold.exchange.globalconf import ServiceEntry
from tenfold.exchange.rights import Right
from tenfold.ids import xroad
from tenfold.topology import GATEWAY_APP

SUBSYSTEM = "/r1/{instanceId}/{memberClass}/{memberCode}/{applicationCode}"
OPENAPI_TTL = 60.0
_METHODS = ("get", "post", "put", "patch", "delete")

FIND_USAGE_OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "findUsage: who used a person's data", "version": "1.0"},
    "paths": {"/": {"get": {
        "summary": "Uses of a person's data at this member, newest first",
        "parameters": [
            {"name": "personId", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 32}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
        ],
        "responses": {"200": {"description": "usage records"}, "400": {"description": "bad person id or paging"}},
    }}},
}


_PART = {"min_length": 1, "max_length": 255}


def _subsystem(
    instanceId: str = Path(..., **_PART), memberClass: str = Path(..., **_PART),
    memberCode: str = Path(..., **_PART), applicationCode: str = Path(..., **_PART),
) -> str:
    return str(xroad.XRoadId(instanceId, memberClass, memberCode, applicationCode))


def _services(context: GatewayContext, subsystem: str, service_code: str | None) -> list[ServiceEntry]:
    conf = context.conf
    if conf is None:
        return []
    return [e for e in conf.services.values()
            if f"{e.member.id}/{e.subsystem.code}" == subsystem and service_code in (None, e.service.code)]


async def openapi_of(context: GatewayContext, entry: ServiceEntry) -> dict[str, Any] | None:
    """The service's OpenAPI document from its application (cached for a minute)."""
    if entry.service.app == GATEWAY_APP:
        return FIND_USAGE_OPENAPI
    cached = context.openapi_cache.get(entry.id)
    if cached and time.monotonic() - cached[0] < OPENAPI_TTL:
        return cached[1]
    base = context.app_urls.get(entry.service.app)
    document = None
    if base and context.app_session is not None:
        try:
            async with context.app_session.get(base + entry.service.openapi, timeout=aiohttp.ClientTimeout(total=5)) as response:
                if response.status == 200:
                    document = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            document = None
    context.openapi_cache[entry.id] = (time.monotonic(), document)
    return document if isinstance(document, dict) else None


def endpoints(document: dict[str, Any] | None, base_path: str) -> list[dict[str, str]]:
    if not document:
        return []
    prefix = "" if base_path == "/" else base_path.rstrip("/")
    found = []
    for path, operations in sorted((document.get("paths") or {}).items()):
        if not isinstance(operations, dict):
            continue
        service_path = path[len(prefix):] if prefix and path.startswith(prefix) else path
        for method in _METHODS:
            if method in operations:
                found.append({"method": method.upper(), "path": service_path or "/"})
    return found


def _details(entry: ServiceEntry, found: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "objectType": "SERVICE", "serviceType": "REST", "instanceId": entry.member.xroad_id.instance,
        "memberClass": entry.member.xroad_id.member_class, "memberCode": entry.member.code,
        "applicationCode": entry.subsystem.code, "serviceCode": entry.service.code, "endpointList": {"member": found},
    }


def _allowed(rights: list[Right], found: list[dict[str, str]]) -> list[dict[str, str]]:
    return [e for e in found if any(r.allows(e["method"], e["path"]) for r in rights)]


def directory_router(context: GatewayContext) -> APIRouter:
    router = APIRouter(tags=["directory"])
    client_header = Header(..., alias="X-Road-Client", max_length=500, description="INSTANCE/CLASS/MEMBER/SUBSYSTEM of the caller")

    @router.get(SUBSYSTEM + "/listMethods", summary="The subsystem's REST services and their endpoints")
    async def list_methods(subsystem: str = Depends(_subsystem), serviceId: str | None = Query(None, max_length=255), client: str = client_header) -> dict[str, Any]:
        xroad.parse_client(client)
        listed = []
        for entry in _services(context, subsystem, serviceId):
            listed.append(_details(entry, endpoints(await openapi_of(context, entry), entry.service.base_path)))
        return {"member": listed}

    @router.get(SUBSYSTEM + "/allowedMethods", summary="The services and endpoints the caller may use")
    async def allowed_methods(subsystem: str = Depends(_subsystem), serviceId: str | None = Query(None, max_length=255), client: str = client_header) -> dict[str, Any]:
        caller = str(xroad.parse_client(client))
        listed = []
        for entry in _services(context, subsystem, serviceId):
            rights = context.rights.for_client(entry.id, caller)
            if rights:
                found = endpoints(await openapi_of(context, entry), entry.service.base_path)
                listed.append(_details(entry, _allowed(rights, found)))
        return {"member": listed}

    @router.get(SUBSYSTEM + "/getOpenAPI", summary="The OpenAPI document of one of the subsystem's services")
    async def get_openapi(subsystem: str = Depends(_subsystem), serviceCode: str = Query(..., min_length=1, max_length=255), client: str = client_header) -> Any:
        xroad.parse_client(client)
        found = _services(context, subsystem, serviceCode)
        if not found:
            raise HTTPException(404, f"no service {serviceCode!r} in {subsystem}")
        document = await openapi_of(context, found[0])
        if document is None:
            raise HTTPException(404, f"service {serviceCode!r} publishes no OpenAPI document")
        return document

    @router.get(SUBSYSTEM + "/findUsage", summary="Who used a person's data here, newest first (data tracker)")
    async def find_usage(
        subsystem: str = Depends(_subsystem), personId: str = Query(..., min_length=1, max_length=32), offset: int = Query(0, ge=0, le=10_000_000),
        limit: int = Query(100, ge=1, le=tracker.MAX_LIMIT), client: str = client_header,
    ) -> dict[str, Any]:
        xroad.parse_client(client)
        await context.log_settled()
        return {"usage": await asyncio.to_thread(tracker.find_usage, context.engine, personId, offset, limit)}

    return router
