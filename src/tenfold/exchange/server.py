"""A small HTTP/1.1 server for the gateway's two listeners: requests parsed by httptools, each
answered in one write (the counterpart of :mod:`tenfold.exchange.http`).

It exists because a general server costs several times more CPU per request than the gateway's
own work on a hop (measured on this machine: ~40 us per request for aiohttp's low-level server
against ~12 us here). It does what the gateway needs and no more: a request's handler starts
when its headers are in and reads the body itself, within a limit (a larger body is refused
before it is read and then drained, so the client still gets the answer); requests on one
connection are answered in order; kept-alive connections idle for longer than a limit are
closed; bad requests get a 400 and the connection closes. Handlers answer with a status,
headers and a body; the server adds ``Content-Length``, ``Date`` and, when the connection ends,
``Connection: close``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Awaitable, Callable

import httptools

from tenfold.waiting import within

log = logging.getLogger("tenfold.exchange.server")
_LOGGED_SEGMENTS = 6  # /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE: what follows may name a person


def where(request: Request) -> str:
    """The method and the start of the path, for a log line: the service, never the rest of the
    path (a personal code in it, or in the query, must not reach a log)."""
    parts = request.raw_path[:1000].split("/")
    path = "/".join(parts[:_LOGGED_SEGMENTS + 1]) + ("/…" if len(parts) > _LOGGED_SEGMENTS + 1 else "")
    return f"{request.method} {path}"


def _fault(what: str, request: Request, error: BaseException) -> None:
    """A fault of ours: the kind of error and where in the code, not its message (it may quote the data)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s %s: %s\n%s", what, where(request), type(error).__name__, frames.rstrip())

Headers = list[tuple[str, str]]
MAX_HEAD_BYTES = 64 * 1024  # request line and headers together
MAX_FIELD_BYTES = 8190  # one header line or the request target, as aiohttp has it
KEEP_ALIVE_SECONDS = 75.0
DRAIN_BYTES = 64 * 1024 * 1024  # a refused body is read and dropped up to this much, then the connection closes
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_NO_BODY = frozenset({204, 304})


class BodyTooLarge(Exception):
    """The request body is larger than the handler accepts."""


class ClientGone(ConnectionError):
    """The client closed the connection before sending the whole body."""


@dataclass(slots=True)
class Response:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""


class Request:
    """One request as received: the target as sent (still percent-encoded), headers in order
    (values decoded as UTF-8, undecodable bytes kept as surrogate escapes), the body on demand."""

    __slots__ = ("method", "raw_path", "query", "headers", "transport", "peer_certificate", "content_length", "keep_alive",
                 "_chunks", "_size", "_complete", "_waiter", "_cap", "_gone")

    def __init__(self, method: str, raw_path: str, query: str, headers: Headers, transport: asyncio.Transport,
                 content_length: int | None, keep_alive: bool, cap: int, peer_certificate: bytes | None = None):
        self.method = method
        self.raw_path = raw_path
        self.query = query
        self.headers = headers
        self.transport = transport
        self.peer_certificate = peer_certificate  # the TLS client's certificate (DER), the same object per connection
        self.content_length = content_length
        self.keep_alive = keep_alive
        self._chunks: list[bytes] = []
        self._size = 0
        self._complete = False
        self._waiter: asyncio.Future[None] | None = None
        self._cap = cap
        self._gone = False

    @property
    def raw_path_qs(self) -> str:
        return self.raw_path + ("?" + self.query if self.query else "")

    async def read(self, limit: int) -> bytes:
        """The whole body; :class:`BodyTooLarge` when it is (or is declared) larger than ``limit``."""
        if self.content_length is not None and self.content_length > limit:
            raise BodyTooLarge()
        while not self._complete:
            if self._size > limit:
                raise BodyTooLarge()
            if self._gone:
                raise ClientGone("the client closed the connection during the request body")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        if self._size > limit:
            raise BodyTooLarge()
        body = b"".join(self._chunks)
        self._chunks = [body]
        return body

    def _feed(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self._cap:
            self._chunks.append(chunk)
        else:
            self._chunks = []  # over any limit: the handler refuses it; nothing is kept
        self._wake()

    def _finish(self) -> None:
        self._complete = True
        self._wake()

    def _lose(self) -> None:
        self._gone = True
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


Handler = Callable[[Request], Awaitable[Response]]


def _date() -> str:
    now = int(time.time())
    if now != _date_cache[0]:
        _date_cache[0], _date_cache[1] = now, formatdate(now, usegmt=True)
    return _date_cache[1]


_date_cache: list = [0, ""]  # type: ignore[type-arg]


class _Connection(asyncio.Protocol):
    def __init__(self, server: HttpServer):
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.peer: bytes | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_bytes = 0
        self.receiving: Request | None = None  # the request whose body is being received
        self.queue: deque[Request] = deque()
        self.busy = False
        self.closing = False
        self.draining = False
        self.last_request = False  # the client asked to switch protocols: answer, then close
        self.last = time.monotonic()

    # ------------------------------------------------------------------ connection
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections.add(self)
        ssl_object = transport.get_extra_info("ssl_object")
        self.peer = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server.connections.discard(self)
        if self.receiving is not None:
            self.receiving._lose()
        for request in self.queue:
            request._lose()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # no protocol switching here: answer what was asked, then close
            self.last_request = True
            if self.receiving is not None:
                self.receiving._finish()
                self.receiving = None
            if not self.busy and not self.queue:
                self.closing_after()
        except httptools.HttpParserError as error:
            refused = error.__context__  # raised in a callback of ours
            if isinstance(refused, _Refused):
                self._bad(refused.status, refused.reason)
            else:
                self._bad(400, f"malformed request: {error}")

    # ------------------------------------------------------------------ parser callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_bytes += len(url)
        if len(self.url) > MAX_FIELD_BYTES:
            raise _Refused(414, "the request target is too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) > MAX_FIELD_BYTES or len(value) > MAX_FIELD_BYTES:
            raise _Refused(431, "a request header is too long")
        self.head_bytes += len(name) + len(value) + 4
        if self.head_bytes > MAX_HEAD_BYTES:
            raise _Refused(431, "the request headers are too large")
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.transport is not None
        parser = self.parser
        try:
            url = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            raise _Refused(400, "malformed request target") from None
        headers = [(n.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape")) for n, v in self.headers]
        length = None
        expect = False
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    raise _Refused(400, "Content-Length is not a number") from None
            elif lowered == b"expect" and value.lower() == b"100-continue":
                expect = True
        request = Request(parser.get_method().decode("ascii", "replace"), (url.path or b"/").decode("utf-8", "surrogateescape"),
                          (url.query or b"").decode("utf-8", "surrogateescape"), headers, self.transport, length,
                          parser.should_keep_alive(), self.server.max_body, self.peer)
        self.receiving = request
        if expect and (length is None or length <= self.server.max_body):
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.queue.append(request)
        self._next()

    def on_body(self, body: bytes) -> None:
        if self.receiving is not None:
            self.receiving._feed(body)
            if self.receiving._size > DRAIN_BYTES:
                raise _Refused(413, "the request body is too large")

    def on_message_complete(self) -> None:
        if self.receiving is not None:
            self.receiving._finish()
            self.receiving = None

    # ------------------------------------------------------------------ answering
    def _next(self) -> None:
        if self.busy or not self.queue or self.closing or self.draining:
            return
        self.busy = True
        asyncio.get_running_loop().create_task(self._answer(self.queue.popleft()))

    async def _answer(self, request: Request) -> None:
        try:
            response = await self.server.handler(request)
        except ClientGone:
            self.busy = False
            return
        except Exception as error:  # noqa: BLE001 - a fault of ours: the client gets a 500, the log the trace
            _fault("unhandled error answering", request, error)
            response = Response(500, [("Content-Type", "text/plain; charset=utf-8")], b"500 Internal Server Error")
        if self.closing or self.transport is None:
            self.busy = False
            return
        # A body left unread (refused, or not wanted) ends the connection once it is drained.
        keep_alive = request.keep_alive and request._complete and not self.server.closing and not self.last_request
        try:
            data = _serialise(request.method, response, keep_alive)
        except (ValueError, UnicodeEncodeError) as error:
            _fault("unserialisable response to", request, error)
            data = _serialise(request.method, Response(500, [("Content-Type", "text/plain; charset=utf-8")], b"500 Internal Server Error"), keep_alive)
        self.transport.write(data)
        self.busy = False
        self.last = time.monotonic()
        if not keep_alive:
            self.closing_after(request)
            return
        self._next()

    def closing_after(self, request: Request | None = None) -> None:
        """Close once the current request is answered (and a refused body drained)."""
        if request is not None and not request._complete and request._size <= DRAIN_BYTES:
            self.draining = True  # keep reading what the client still sends, then close
            asyncio.get_running_loop().create_task(self._drain_then_close(request))
            return
        self.closing = True
        if self.transport is not None and not self.busy:
            self.transport.close()

    async def _drain_then_close(self, request: Request) -> None:
        try:
            while not request._complete and not request._gone:
                request._chunks = []
                request._waiter = asyncio.get_running_loop().create_future()
                await within(10, request._waiter)
        except TimeoutError:
            pass
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def _bad(self, status: int, reason: str) -> None:
        self.closing = True
        if self.transport is None:
            return
        if not self.busy:
            body = reason.encode()
            self.transport.write(_serialise("GET", Response(status, [("Content-Type", "text/plain; charset=utf-8")], body), False))
        self.transport.close()


class _Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _serialise(method: str, response: Response, keep_alive: bool) -> bytes:
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\nDate: {_date()}\r\n"]
    typed = False
    for name, value in response.headers:
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name:
            raise ValueError("a response header may not contain a line break")
        if not typed and name.lower() == "content-type":
            typed = True
        lines.append(f"{name}: {value}\r\n")
    body = response.body
    if status in _NO_BODY or status < 200:
        body = b""
    else:
        if body and not typed:
            lines.append("Content-Type: application/octet-stream\r\n")
        lines.append(f"Content-Length: {len(body)}\r\n")
    if not keep_alive:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("utf-8", "surrogateescape")
    return head if method == "HEAD" else head + body


class HttpServer:
    """One listener: ``await HttpServer(handler).start(host, port, tls)``; ``await close()``."""

    def __init__(self, handler: Handler, max_body: int, keep_alive_seconds: float = KEEP_ALIVE_SECONDS):
        self.handler = handler
        self.max_body = max_body
        self.keep_alive_seconds = keep_alive_seconds
        self.connections: set[_Connection] = set()
        self.closing = False
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), host, port, ssl=tls, backlog=1024, reuse_address=True)
        self._sweeper = loop.create_task(self._sweep(), name="http-keepalive")

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(self.keep_alive_seconds, 15.0))
            idle = time.monotonic() - self.keep_alive_seconds
            for connection in list(self.connections):
                if not connection.busy and not connection.queue and connection.receiving is None and connection.last < idle:
                    connection.closing = True
                    if connection.transport is not None:
                        connection.transport.close()

    async def close(self, grace: float = 10.0) -> None:
        """Stop listening; let requests in progress finish (up to ``grace`` seconds); close."""
        self.closing = True
        if self._server is not None:
            self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        deadline = time.monotonic() + grace
        while any(c.busy for c in self.connections) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            connection.closing = True
            if connection.transport is not None:
                connection.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
