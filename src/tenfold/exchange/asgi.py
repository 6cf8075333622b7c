"""Call an ASGI application in-process: the gateway's own services (pub/sub, directory, data
tracker, administration) are FastAPI apps, and the aiohttp listeners hand them requests without
a network hop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote

ASGIApp = Callable[..., Any]


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


async def call(app: ASGIApp, method: str, raw_path: str, query: str, headers: list[tuple[str, str]], body: bytes,
               client: tuple[str, int] = ("127.0.0.1", 0)) -> Reply:
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": method.upper(), "scheme": "http", "path": unquote(raw_path), "raw_path": raw_path.encode(),
        "root_path": "", "query_string": query.encode(), "client": client, "server": ("127.0.0.1", 0),
        "headers": [(k.lower().encode("latin-1"), v.encode("utf-8", "surrogateescape")) for k, v in headers], "state": {},
    }
    sent = False
    status = 500
    out_headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.extend((k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Reply(status, out_headers, b"".join(chunks))
