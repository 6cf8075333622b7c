"""The GovStack Digital Registries Data API over one member's registries.

Both the current camelCase paths and the older kebab-case ones (which the public GovStack
test harness still calls) are served. A client id header is required on every data call.

Handlers are coroutines that call the service inline: a registry call is a short local
transaction (well under a millisecond on SQLite), and a thread hop per request would cost
more than the call itself. The process scales out with more workers, not more threads.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Mapping

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenfold.errors import InvalidInput
from tenfold.ids import xroad
from tenfold.registries import population
from tenfold.registries.schema import RecordInvalid, UnknownRegistry
from tenfold.registries.service import AmbiguousQuery, Reader, RecordExists, RecordNotFound, RegistryService
from tenfold.web import FastJSONResponse, create_app

CLIENT_HEADERS = ("Information-Mediator-Client", "X-Road-Client", "X-GovStack-Client")
CLIENT_PATTERN = r"^[A-Za-z0-9'()+,.=?-]{1,255}(/[A-Za-z0-9'()+,.=?-]{1,255}){2,3}$"


class Content(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: dict[str, Any] = Field(description="Field values of a record, as the registry's schema defines them.")


class QueryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Content


class WriteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    write: Content


class QueryWriteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Content
    write: Content


def _header_value(headers: Mapping[str, str], name: str, limit: int = 500) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    if len(value) > limit:
        raise InvalidInput(f"the {name} header is longer than {limit} characters")
    return value


def reader_of(headers: Mapping[str, str]) -> Reader:
    """Who is reading, from the request headers (the first value of each, by name in any
    case): the caller's subsystem id is required (any of the three header names)."""
    raw = None
    for name in CLIENT_HEADERS:
        raw = _header_value(headers, name)
        if raw is not None:
            break
    if raw is None:
        raise InvalidInput("the Information-Mediator-Client header is required (INSTANCE/CLASS/MEMBER/SUBSYSTEM)")
    try:
        client = _client_id(raw)
    except InvalidInput as error:
        raise InvalidInput(f"Information-Mediator-Client: {error}") from None
    return Reader(
        client=client,
        user_id=_header_value(headers, "X-Road-UserId", 64),
        purpose=_header_value(headers, "X-Road-Purpose"),
        issue=_header_value(headers, "X-Road-Issue", 255),
        message_id=_header_value(headers, "X-Road-Id", 100),
    )


@lru_cache(maxsize=4096)
def _client_id(raw: str) -> str:
    """A client id checked and normalised (the same few clients call all the time)."""
    return str(xroad.parse_client(raw))


async def reader(request: Request) -> Reader:
    """The FastAPI dependency of every data call (see :func:`reader_of`).

    The headers are read from the request directly rather than declared as FastAPI header
    parameters (that costs more per request than the registry read); the OpenAPI document
    still lists them (see ``_document_registries``)."""
    return reader_of(request.headers)


HEADER_DOCS = [
    {"name": "Information-Mediator-Client", "in": "header", "required": True,
     "description": "INSTANCE/CLASS/MEMBER/SUBSYSTEM of the caller (X-Road-Client and X-GovStack-Client are accepted too)",
     "schema": {"type": "string", "pattern": CLIENT_PATTERN, "maxLength": 500}},
    {"name": "X-Road-Purpose", "in": "header", "required": False, "description": "Why the data is needed (shown to the person)",
     "schema": {"type": "string", "maxLength": 500}},
    {"name": "X-Road-UserId", "in": "header", "required": False, "description": "The official or citizen acting",
     "schema": {"type": "string", "maxLength": 64}},
    {"name": "X-Road-Issue", "in": "header", "required": False, "description": "The case or application",
     "schema": {"type": "string", "maxLength": 255}},
    {"name": "X-Road-Id", "in": "header", "required": False, "description": "The message id",
     "schema": {"type": "string", "maxLength": 100}},
]


def _page_link(request: Request, page: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(page)
    return str(request.url.replace_query_params(**params).path) + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def registry_router(service: RegistryService) -> APIRouter:
    router = APIRouter()

    @router.get("/databases", summary="Registries kept here and their versions")
    async def databases() -> dict[str, Any]:
        return {
            "member": service.member_id,
            "databases": [
                {"name": s.registry, "version": s.version, "title": s.title, "description": s.description,
                 "primaryKey": s.primary_key, "schema": s.json_schema}
                for s in service.schemas()
            ],
        }

    def personal_data_usage(
        user_id: str | None, user_id_legacy: str | None, database_id: str | None, database_id_legacy: str | None,
        offset: int, limit: int,
    ) -> list[dict[str, Any]]:
        person = user_id or user_id_legacy
        if not person:
            raise InvalidInput("userId is required")
        registry = database_id or database_id_legacy
        entries = service.usage(person, registry, offset, limit)
        return [
            {
                "ID": str(e["id"]),
                "ReaderID": e["user_id"],
                "ReaderInstitutionID": "/".join(e["client"].split("/")[:3]),
                "ReaderApplicationName": e["client"],
                "SearchDateTime": e["read_at"].isoformat().replace("+00:00", "Z"),
                "Purpose": e["purpose"],
                "Operation": e["operation"],
                "MessageID": e["message_id"],
                "Refrences": [{"ReferenceID": e["record_id"], "Registry": e["registry"]}],
            }
            for e in entries
        ]

    async def my_personal_data_usage(
        _reader: Reader = Depends(reader),
        user_id: str | None = Query(None, alias="userId", max_length=64, description="The person's personal code"),
        user_id_legacy: str | None = Query(None, alias="userID", max_length=64, include_in_schema=False),
        database_id: str | None = Query(None, alias="databaseId", max_length=64, description="A registry name; all when absent"),
        database_id_legacy: str | None = Query(None, alias="DatabaseID", max_length=64, include_in_schema=False),
        offset: int = Query(0, ge=0, le=10_000_000),
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        return personal_data_usage(user_id, user_id_legacy, database_id, database_id_legacy, offset, limit)

    router.get("/data/myPersonalDataUsage", summary="Who read a person's data")(my_personal_data_usage)
    # The spelling (and the userID/DatabaseID parameters) the public GovStack harness still uses.
    router.get("/data/MyPersonalDataUsage/1.0", include_in_schema=False)(my_personal_data_usage)

    @router.get("/data/{registry}/{version}", summary="List or search records")
    async def list_records(
        request: Request,
        registry: str,
        version: str,
        who: Reader = Depends(reader),
        search: str | None = Query(None, max_length=200, description="Text to look for (substring, case-insensitive)"),
        filter: str | None = Query(None, max_length=64, description="The one field to search in"),
        ordering: str | None = Query(None, max_length=70, description="ascending, descending, a field, or -field"),
        page: int = Query(1, ge=1, le=1_000_000),
        page_size: int | None = Query(None, alias="pageSize", ge=1, le=1000),
        page_size_legacy: int | None = Query(None, alias="page_size", ge=1, le=1000),
    ) -> FastJSONResponse:
        filters = {}
        for key, value in request.query_params.multi_items():
            if key.startswith("query."):
                name = key.removeprefix("query.")
                if name in filters:
                    raise RecordInvalid([{"loc": ["query", key], "msg": "given more than once", "type": "duplicate"}])
                filters[name] = value
        result = service.list(
            who, registry, version, filters=filters, search=search, search_field=filter, ordering=ordering,
            page=page, page_size=page_size or page_size_legacy or 20,
        )
        return FastJSONResponse({
            "count": result.count,
            "next": _page_link(request, page + 1) if result.has_next else None,
            "previous": _page_link(request, page - 1) if page > 1 else None,
            "results": result.results,
        })

    @router.post("/data/{registry}/{version}/create", summary="Create a record")
    async def create(registry: str, version: str, body: WriteBody, who: Reader = Depends(reader)) -> FastJSONResponse:
        return FastJSONResponse({"content": service.create(who, registry, version, body.write.content)})

    @router.post("/data/{registry}/{version}/read", summary="Read one record", responses={404: {"description": "no record found"}})
    async def read(registry: str, version: str, body: QueryBody, who: Reader = Depends(reader)) -> FastJSONResponse:
        return read_reply(service, who, registry, version, body.query.content)

    @router.post("/data/{registry}/{version}/exists", summary="Whether a record exists")
    async def exists(registry: str, version: str, body: QueryBody, who: Reader = Depends(reader)) -> FastJSONResponse:
        return exists_reply(service, who, registry, version, body.query.content)

    @router.put("/data/{registry}/{version}/update", summary="Update one record")
    async def update(registry: str, version: str, body: QueryWriteBody, who: Reader = Depends(reader)) -> FastJSONResponse:
        return FastJSONResponse({"content": service.update(who, registry, version, body.query.content, body.write.content)})

    async def update_entries(registry: str, version: str, body: QueryWriteBody, who: Reader = Depends(reader)) -> dict[str, Any]:
        return {"updated": service.update_entries(who, registry, version, body.query.content, body.write.content)}

    router.put("/data/{registry}/{version}/updateEntries", summary="Update every matching record")(update_entries)
    router.put("/data/{registry}/{version}/update-entries", include_in_schema=False)(update_entries)

    async def update_or_create(registry: str, version: str, body: QueryWriteBody, response: Response, who: Reader = Depends(reader)) -> dict[str, Any]:
        record, created = service.update_or_create(who, registry, version, body.query.content, body.write.content)
        return {"content": record, "created": created}

    router.post("/data/{registry}/{version}/updateOrCreate", summary="Update the matching record or create one")(update_or_create)
    router.post("/data/{registry}/{version}/update-or-create", include_in_schema=False)(update_or_create)

    @router.delete("/data/{registry}/{version}/{record_id}/delete", status_code=204, summary="Delete a record")
    async def delete(registry: str, version: str, record_id: str, who: Reader = Depends(reader)) -> Response:
        service.delete(who, registry, version, record_id)
        return Response(status_code=204)

    async def read_value(registry: str, version: str, record_id: str, field_ext: str, who: Reader = Depends(reader)) -> Response:
        name, dot, ext = field_ext.rpartition(".")
        if not dot or not name:
            raise RecordInvalid([{"loc": ["path", "field"], "msg": "expected {field}.{ext}, e.g. firstName.json", "type": "value_error"}])
        if ext not in ("json", "txt"):
            raise RecordInvalid([{"loc": ["path", "ext"], "msg": f"unsupported extension {ext!r}; use json or txt", "type": "value_error"}])
        value = service.read_value(who, registry, version, record_id, name)
        if ext == "txt":
            return PlainTextResponse("" if value is None else str(value))
        return FastJSONResponse({"value": value})

    router.get("/data/{registry}/{version}/{record_id}/readValue/{field_ext}", summary="Read one field of a record")(read_value)
    router.get("/data/{registry}/{version}/{record_id}/read-value/{field_ext}", include_in_schema=False)(read_value)
    return router


def read_reply(service: RegistryService, who: Reader, registry: str, version: str, content: dict[str, Any]) -> FastJSONResponse:
    return FastJSONResponse({"content": service.read(who, registry, version, content)})


def exists_reply(service: RegistryService, who: Reader, registry: str, version: str, content: dict[str, Any]) -> FastJSONResponse:
    found = service.exists(who, registry, version, content)
    return FastJSONResponse({"answer": {"status": found, "message": "Object found from database" if found else "Object not found from database"}})


ERRORS = {RecordInvalid: 400, UnknownRegistry: 404, RecordNotFound: 404, RecordExists: 409, AmbiguousQuery: 409}


def create_registry_app(service: RegistryService) -> FastAPI:
    app = create_app(
        f"Digital registries of {service.member_id}",
        description="GovStack Digital Registries Data API. Every data call needs the Information-Mediator-Client header.",
        errors=ERRORS,
    )
    router = registry_router(service)
    app.include_router(router)
    if population.keeps_population(service):
        app.include_router(population.population_router(service, reader))
    app.state.service = service
    # Innermost of the middlewares: requests still pass the body limit and are measured.
    app.user_middleware.append(Middleware(FastReads, service=service, fastapi=app, routes=router.routes))
    _document_registries(app, service)
    return app


def _document_registries(app: FastAPI, service: RegistryService) -> None:
    """List the registries and versions this member keeps as enums of the path parameters,
    so the OpenAPI document says what can actually be called here."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        versions = sorted({s.version for s in service.schemas()})
        for path, path_item in document.get("paths", {}).items():
            for operation in path_item.values():
                if path.startswith(("/data/", "/population/")):
                    operation["parameters"] = [*HEADER_DOCS, *operation.get("parameters", [])]
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") != "path":
                        continue
                    if parameter["name"] == "registry":
                        parameter["schema"] = {"type": "string", "enum": list(service.registries)}
                    elif parameter["name"] == "version":
                        parameter["schema"] = {"type": "string", "enum": versions}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class _FirstHeaders(dict[str, str]):
    """Request headers by lower-cased name, the first value of each (as Starlette's ``get``)."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, name.lower(), default)


_REPLIES = {"read": read_reply, "exists": exists_reply}


class FastReads:
    """A lean path for the hottest calls, ``POST /data/{registry}/{version}/read`` and
    ``.../exists``: FastAPI's routing, dependency solving and body model cost more per call
    than the registry read itself. Only parsing and dispatch happen here; the reply, the
    reader and the service are the ones the routes use, and errors are answered by the app's
    own exception handlers. Whatever is not the plain case (another content type, a body that
    is not ``{"query": {"content": {...}}}``, a missing or bad client header, an oversized
    body) goes on to FastAPI unchanged, which answers it as always."""

    def __init__(self, app: ASGIApp, service: RegistryService, fastapi: FastAPI, routes: list[Any]):
        self.app = app
        self.service = service
        self.fastapi = fastapi
        self.routes: dict[str, Any] = {}  # the routes FastAPI would match (the metrics name them)
        for route in routes:
            for operation in _REPLIES:
                if getattr(route, "path", None) == f"/data/{{registry}}/{{version}}/{operation}" and "POST" in getattr(route, "methods", ()):
                    self.routes[operation] = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        parts = scope["path"].split("/")
        if len(parts) != 5 or parts[1] != "data" or parts[4] not in self.routes or not parts[2] or not parts[3]:
            await self.app(scope, receive, send)
            return
        headers = _FirstHeaders()
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            if key not in headers:
                headers[key] = value.decode("latin-1")
        messages: list[Message] = []
        body = await _whole_body(receive, messages)
        content = None
        if body is not None and headers.get("content-type", "").lower() == "application/json":
            content = _query_content(body)
        who = None
        if content is not None:
            try:
                who = reader_of(headers)
            except InvalidInput:
                who = None
        if who is None:  # not the plain case: FastAPI reads the same messages again
            await self.app(scope, _replay(messages, receive), send)
            return
        operation = parts[4]
        scope["route"] = self.routes[operation]
        scope["path_params"] = {"registry": parts[2], "version": parts[3]}
        try:
            response: Any = _REPLIES[operation](self.service, who, parts[2], parts[3], content)
        except Exception as error:
            handler = self._handler(error)
            if handler is None:
                raise
            response = await handler(Request(scope, receive), error)
        await response(scope, receive, send)

    def _handler(self, error: Exception) -> Any:
        handlers = self.fastapi.exception_handlers
        for kind in type(error).__mro__:
            if kind in handlers and kind is not Exception:
                return handlers[kind]
        return None


async def _whole_body(receive: Receive, messages: list[Message]) -> bytes | None:
    """The request body, or None when the client went away (e.g. the body limit stopped it)."""
    chunks = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def _query_content(body: bytes) -> dict[str, Any] | None:
    """``content`` of a body that is exactly ``{"query": {"content": {...}}}`` (decoded as
    Starlette decodes JSON), else None."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if type(document) is not dict or len(document) != 1:
        return None
    query = document.get("query")
    if type(query) is not dict or len(query) != 1:
        return None
    content = query.get("content")
    return content if type(content) is dict else None
