"""The member-facing administration API of a gateway (loopback only): the GovStack IM
configuration API for access rights, status, the instance's clients, monitoring records.

Every change of rights is written to the admin audit log with its outcome, also when the
request was malformed or refused.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any, Callable, Literal

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tenfold.errors import InvalidInput
from tenfold.exchange import monitoring, rights, tracker
from tenfold.exchange.context import GatewayContext
from tenfold.ids import xroad
from tenfold.web import create_app

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
_RIGHTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ServiceAccessRights"}}}}}


class AllowedApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instanceId: str | None = Field(None, max_length=255)
    memberClass: str = Field(min_length=1, max_length=255)
    memberCode: str = Field(min_length=1, max_length=255)
    applicationId: str = Field(min_length=1, max_length=255, description="The client subsystem (or room)")
    methods: list[Method] = Field(default_factory=list, max_length=5, description="Tenfold: only these methods")
    paths: list[str] = Field(default_factory=list, max_length=50, description="Tenfold: only these path patterns (* and **)")


class ServiceRights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instanceId: str | None = Field(None, max_length=255)
    memberClass: str = Field(min_length=1, max_length=255)
    memberCode: str = Field(min_length=1, max_length=255)
    applicationId: str = Field(min_length=1, max_length=255, description="The provider subsystem")
    serviceId: str = Field(min_length=1, max_length=255, description="The service code")
    rights: list[AllowedApplication] = Field(max_length=500)


_ADAPTER = TypeAdapter(list[ServiceRights])


class Refused(InvalidInput):
    """A rights change that names a service or client that does not exist here."""


def _service_id(context: GatewayContext, entry: ServiceRights) -> str:
    service = str(xroad.XRoadId(entry.instanceId or context.instance, entry.memberClass, entry.memberCode, entry.applicationId, entry.serviceId))
    conf = context.conf
    if not context.owns(service) or conf is None or service not in conf.services:
        raise Refused(f"{service} is not a service of {context.member_id}")
    return service


def _client_id(context: GatewayContext, app: AllowedApplication) -> str:
    client = str(xroad.XRoadId(app.instanceId or context.instance, app.memberClass, app.memberCode, app.applicationId))
    conf = context.conf
    if conf is None or (client not in conf.subsystems and client not in conf.rooms):
        raise Refused(f"no subsystem or room {client} in the global configuration")
    return client


def _as_entries(table: rights.RightsTable) -> list[dict[str, Any]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for service, right in table.entries():
        client = right.client.split("/")
        grouped.setdefault(service, []).append({
            "instanceId": client[0], "memberClass": client[1], "memberCode": client[2], "applicationId": client[3],
            "methods": sorted(right.methods), "paths": list(right.paths)})
    result = []
    for service, allowed in grouped.items():
        parts = service.split("/")
        result.append({"instanceId": parts[0], "memberClass": parts[1], "memberCode": parts[2], "applicationId": parts[3],
                       "serviceId": parts[4], "rights": allowed})
    return result


def admin_app(context: GatewayContext, rebuild: Callable[[], None]) -> FastAPI:
    app = create_app(f"Gateway of {context.member_id}", description="Tenfold exchange gateway: IM configuration API (rights), status, directory.")

    def actor(request: Request) -> str:
        return request.headers.get("X-Road-UserId") or "operator@loopback"

    async def change(request: Request, action: str, apply: Callable[[list[ServiceRights]], None]) -> dict[str, Any]:
        raw = await request.body()
        payload: Any = raw[:10000].decode(errors="replace")
        try:
            entries = _ADAPTER.validate_json(raw or b"[]")
            payload = [e.model_dump() for e in entries]
            apply(entries)
        except ValidationError as error:
            rights.audit(context.engine, actor(request), action, payload, f"invalid body: {error.errors()[0]['msg']}")
            raise InvalidInput(f"invalid ServiceAccessRights: {error.errors()[0]['loc']}: {error.errors()[0]['msg']}") from None
        except InvalidInput as error:
            rights.audit(context.engine, actor(request), action, payload, str(error))
            raise
        rights.audit(context.engine, actor(request), action, payload)
        rebuild()
        return {"status": "ok"}

    def allow(entries: list[ServiceRights]) -> None:
        planned = [(_service_id(context, e), rights.Right.of(_client_id(context, a), a.methods, a.paths)) for e in entries for a in e.rights]
        for service, right in planned:
            rights.allow(context.engine, service, right)

    def deny(entries: list[ServiceRights]) -> None:
        planned = [(_service_id(context, e), _client_id(context, a)) for e in entries for a in e.rights]
        for service, client in planned:
            rights.deny(context.engine, service, client)

    @app.patch("/api/v1/rights/allow", summary="Allow access to services", openapi_extra=_RIGHTS_BODY, tags=["rights"])
    async def set_allowed(request: Request) -> dict[str, Any]:
        return await change(request, "rights.allow", allow)

    @app.patch("/api/v1/rights/deny", summary="Deny access to services", openapi_extra=_RIGHTS_BODY, tags=["rights"])
    async def set_denied(request: Request) -> dict[str, Any]:
        return await change(request, "rights.deny", deny)

    @app.get("/api/v1/rights/allow", summary="Configured access rights (allow list)", tags=["rights"])
    def get_allowed(
        memberClass: str | None = Query(None, max_length=255), memberCode: str | None = Query(None, max_length=255),
        applicationId: str | None = Query(None, max_length=255), serviceId: str | None = Query(None, max_length=255),
        pageSize: int = Query(100, ge=1, le=1000), nextPageToken: str | None = Query(None, max_length=32),
    ) -> dict[str, Any]:
        wanted = {"memberClass": memberClass, "memberCode": memberCode, "applicationId": applicationId, "serviceId": serviceId}
        entries = [e for e in _as_entries(context.rights) if all(v is None or e[k] == v for k, v in wanted.items())]
        start = _page_start(nextPageToken)
        page = entries[start:start + pageSize]
        token = base64.urlsafe_b64encode(str(start + pageSize).encode()).decode() if start + pageSize < len(entries) else None
        return {"allowList": page, "nextPageToken": token}

    @app.get("/api/v1/status", summary="Gateway status", tags=["status"])
    def status() -> dict[str, Any]:
        conf = context.conf
        log = context.messagelog
        return {
            "member": context.member_id,
            "globalconf": None if conf is None else {"serial": conf.serial, "expiresAt": conf.expires_at.isoformat(), "valid": not conf.expired()},
            "lastRefreshError": context.confs.last_error,
            "messagelog": {"entries": log.committed if log else None, "transactions": log.batches if log else None,
                           "waitedForLock": log.busy if log else None},
            "signatures": {"messages": context.sealer.signed, "signatures": context.sealer.batches},
        }

    @app.get("/listClients", summary="Members and subsystems of the instance (GovStack IM directory)", tags=["directory"])
    def list_clients(instanceId: str | None = Query(None, max_length=255)) -> dict[str, Any]:
        conf = context.conf
        if conf is None or (instanceId and instanceId != conf.instance):
            return {"member": []}
        listed = []
        for member in conf.topology.members:
            ident = member.xroad_id
            base = {"instanceId": ident.instance, "memberClass": ident.member_class, "memberCode": ident.member_code}
            listed.append({"name": member.name.en, "id": {"objectType": "MEMBER", **base}})
            listed += [{"name": member.name.en, "id": {"objectType": "SUBSYSTEM", **base, "applicationCode": s.code}} for s in member.subsystems]
        return {"member": listed}

    @app.get("/api/v1/opmon", summary="Operational monitoring records, newest first", tags=["monitoring"])
    async def opmon(limit: int = Query(100, ge=1, le=1000), client: str | None = Query(None, max_length=255)) -> list[dict[str, Any]]:
        await context.log_settled()
        return await asyncio.to_thread(monitoring.recent, context.engine, limit, client)

    @app.get("/api/v1/tracker/volumes", summary="Data-tracker entries by day, client and service (counts, no person)", tags=["monitoring"])
    async def tracker_volumes(days: int = Query(30, ge=1, le=3660)) -> dict[str, Any]:
        await context.log_settled()
        return {"member": context.member_id, "volumes": await asyncio.to_thread(tracker.volumes, context.engine, days)}

    return app


def _page_start(token: str | None) -> int:
    if not token:
        return 0
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("nextPageToken is not one this gateway gave out") from None
    if start < 0:
        raise InvalidInput("nextPageToken is not one this gateway gave out")
    return start
