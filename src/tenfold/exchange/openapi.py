"""The OpenAPI document of a gateway's member-facing listener: the X-Road REST service path,
the GovStack IM directory and pub/sub paths (answered by the provider's gateway), the IM
configuration API for rights, and the gateway's own status endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tenfold.exchange.admin import AllowedApplication, ServiceRights

X_ROAD_HEADERS = [
    ("X-Road-Client", True, "INSTANCE/CLASS/MEMBER/SUBSYSTEM of the calling subsystem (or X-GovStack-Client, Information-Mediator-Client)"),
    ("X-Road-Id", False, "Message id; the gateway makes one when absent"),
    ("X-Road-UserId", False, "The official or citizen acting, e.g. EE38001010000"),
    ("X-Road-Issue", False, "The case or document the call is for"),
    ("X-Road-Purpose", False, "Why the data is needed (shown in the data tracker)"),
    ("X-Road-Represented-Party", False, "[CLASS/]CODE of the party the client acts for"),
]
ERROR_SCHEMA = {
    "type": "object", "required": ["type", "message", "detail"],
    "properties": {"type": {"type": "string", "example": "Server.ServerProxy.AccessDenied"},
                   "message": {"type": "string"}, "detail": {"type": "string", "description": "correlation id"}},
}


def _parameters(names: list[str]) -> list[dict[str, Any]]:
    path = [{"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 255}} for n in names]
    headers = [{"name": n, "in": "header", "required": r, "description": d, "schema": {"type": "string", "maxLength": 500}}
               for n, r, d in X_ROAD_HEADERS]
    return path + headers


def _service_path() -> dict[str, Any]:
    responses = {
        "200": {"description": "The provider application's response, with X-Road-Client, X-Road-Service, X-Road-Id, "
                               "X-Road-Request-Id and X-Road-Request-Hash"},
        "400": {"description": "Malformed request (Client.*)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/XRoadError"}}}},
        "403": {"description": "Unknown client or access denied", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/XRoadError"}}}},
        "404": {"description": "Unknown provider or service", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/XRoadError"}}}},
    }
    operation = lambda method: {  # noqa: E731 - one description, five methods
        "summary": f"{method} a provider's service through the exchange (X-Road message protocol for REST)",
        "operationId": f"service{method.title()}", "tags": ["exchange"], "responses": responses,
        **({"requestBody": {"content": {"application/json": {"schema": {}}}}} if method in ("POST", "PUT", "PATCH") else {}),
    }
    item: dict[str, Any] = {m.lower(): operation(m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}
    item["parameters"] = _parameters(["instanceId", "memberClass", "memberCode", "subsystemCode", "serviceCode", "servicePath"])
    return item


def gateway_document(admin: FastAPI, im: FastAPI, member_id: str) -> dict[str, Any]:
    document = admin.openapi()
    im_document = im.openapi()
    paths = {k: v for k, v in document.get("paths", {}).items()}
    paths.update({k: v for k, v in im_document.get("paths", {}).items() if k.startswith("/r1/")})
    paths["/r1/{instanceId}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}/{servicePath}"] = _service_path()
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(im_document.get("components", {}).get("schemas", {}))
    components["XRoadError"] = ERROR_SCHEMA
    components["AllowedApplication"] = AllowedApplication.model_json_schema(ref_template="#/components/schemas/{model}")
    service_rights = ServiceRights.model_json_schema(ref_template="#/components/schemas/{model}")
    service_rights.pop("$defs", None)
    components["ServiceRights"] = service_rights
    components["ServiceAccessRights"] = {"type": "array", "items": {"$ref": "#/components/schemas/ServiceRights"}}
    document["paths"] = paths
    document["info"] = {"title": f"Tenfold exchange gateway of {member_id}", "version": "1.0.0",
                        "description": "X-Road REST protocol (r1) and GovStack Information Mediator APIs."}
    return document


def document_for(member_id: str) -> dict[str, Any]:
    """The document without a running gateway (for tooling): the apps only read their context
    when they answer a request, and the title needs the member's id."""
    from types import SimpleNamespace

    from tenfold.exchange.admin import admin_app
    from tenfold.exchange.gateway import im_app

    stand_in: Any = SimpleNamespace(member_id=member_id)
    return gateway_document(admin_app(stand_in, lambda: None), im_app(stand_in), member_id)
