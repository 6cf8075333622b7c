"""What every Tenfold HTTP service shares: /healthz, /metrics, body limits, and bad input
mapped to 4xx in one place (FastAPI's ``{"detail": ...}`` shape).

Each service publishes its OpenAPI document at ``/openapi.json``; FastAPI's ``/docs`` and
``/redoc`` pages are left out, because they load their scripts from a CDN (on the identity
provider's or the portal's origin, a script from elsewhere could drive the resident's session)."""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest
from sqlalchemy.exc import StatementError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenfold.errors import InvalidInput
from tenfold.storage.database import UnstorableValue

MAX_BODY_BYTES = 1024 * 1024

ErrorMapping = dict[type[Exception], int]


class BodyLimit:
    """Refuse request bodies above a limit with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, {"detail": "Content-Length is not a number"})
                    return
                if declared > self.limit:
                    await _send_json(send, 413, {"detail": f"the request body is larger than {self.limit} bytes"})
                    return
        received = 0
        too_large = False

        async def limited() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited, tracking_send)
        if too_large and not started:
            await _send_json(send, 413, {"detail": f"the request body is larger than {self.limit} bytes"})


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    import orjson

    payload = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


class Measure:
    """Count requests and time them per route template (a plain ASGI middleware: Starlette's
    BaseHTTPMiddleware costs more per request than a registry read)."""

    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram):
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], route, str(status)).inc()
            self.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


class FastJSONResponse(JSONResponse):
    """JSON rendered by orjson. Returning one from a handler also skips FastAPI's generic
    encoder, which on a hot path costs more than the work behind it."""

    def render(self, content: Any) -> bytes:
        import orjson

        return orjson.dumps(content)


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    result = []
    for item in error.errors():
        entry = {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "")}
        result.append(entry)
    return result


def create_app(
    title: str,
    *,
    description: str = "",
    version: str = "1.0.0",
    errors: ErrorMapping | None = None,
    body_limit: int = MAX_BODY_BYTES,
) -> FastAPI:
    """A FastAPI app with Tenfold's common behaviour; ``errors`` maps domain errors to statuses."""
    # FastAPI's own OpenTelemetry hooks stay off: Tenfold measures with Prometheus and carries
    # W3C traceparent itself, and with them on FastAPI asks OpenTelemetry for its providers on
    # every request (5 % of a registry read's CPU, measured).
    app = FastAPI(title=title, description=description, version=version, docs_url=None, redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)   # process_resident_memory_bytes, CPU seconds, open files
    requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram(
        "http_request_duration_seconds", "HTTP request duration", ["method", "route"], registry=registry,
        buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )
    app.state.metrics = registry

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_errors(error)}, status_code=400)

    mapping: ErrorMapping = {InvalidInput: 400, **(errors or {})}
    for kind, status in mapping.items():
        app.add_exception_handler(kind, _handler(status))
    app.add_exception_handler(StatementError, _unstorable)
    app.add_middleware(BodyLimit, limit=body_limit)
    app.add_middleware(Measure, requests=requests, latency=latency)
    return app


async def _unstorable(request: Request, error: Exception) -> JSONResponse:
    """A value of the request that the database cannot keep (see ``UnstorableValue``) is the
    client's error; any other database fault stays a server error."""
    cause = getattr(error, "orig", None)
    if isinstance(cause, UnstorableValue):
        return await _handler(400)(request, cause)
    raise error


def _handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_request: Request, error: Exception) -> JSONResponse:
        detail = getattr(error, "errors", None) or str(error)
        return JSONResponse({"detail": detail}, status_code=status)

    return handle
