"""The X-Road message protocol for REST (PR-REST 1.0), as the gateways speak it.

- Service addresses: ``/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}[/path][?query]``,
  each identifier part percent-encoded on its own.
- The client names itself in ``X-Road-Client`` (``X-GovStack-Client`` and
  ``Information-Mediator-Client`` are accepted too, as GovStack uses them).
- The request hash is X-Road's: the request part is serialised as ``VERB CRLF path?query CRLF``
  followed by one ``Name:value CRLF`` per header (transport headers left out, the fresh
  ``X-Road-Request-Id`` added); the hash is SHA-512 of it, or, with a body,
  SHA-512(SHA-512(request part) || SHA-512(body)), sent base64-encoded in ``X-Road-Request-Hash``.
- Faults of the exchange itself carry ``X-Road-Error: <type>`` and ``{type, message, detail}``.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
import os
import re
import uuid
from dataclasses import dataclass
from typing import Iterable, Sequence

import orjson

from tenfold.errors import InvalidInput
from tenfold.ids import xroad
from tenfold.ids.xroad import XRoadId

PROTOCOL_PREFIX = "/r1/"
MAX_URI_LENGTH = 2000

CLIENT = "X-Road-Client"
CLIENT_HEADERS = ("X-Road-Client", "X-GovStack-Client", "Information-Mediator-Client")
MESSAGE_ID = "X-Road-Id"
USER_ID = "X-Road-UserId"
ISSUE = "X-Road-Issue"
PURPOSE = "X-Road-Purpose"
REPRESENTED_PARTY = "X-Road-Represented-Party"
SERVICE = "X-Road-Service"
REQUEST_ID = "X-Road-Request-Id"
REQUEST_HASH = "X-Road-Request-Hash"
ERROR = "X-Road-Error"
TRACEPARENT = "traceparent"
# Between gateways only: the member signature of the message and when it was made.
SIGNATURE = "X-Tenfold-Signature"
SIGNER = "X-Tenfold-Signer"
DATE = "X-Tenfold-Date"
HASH_CHAIN = "X-Tenfold-Hash-Chain"  # a batch signature's hash chain (see signing)

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "proxy-connection",
})
# Headers that never go into a message hash and are never passed on (X-Road's skipped set).
SKIPPED = HOP_BY_HOP | {"host", "user-agent", "server", "content-length", "expect"}
_NOT_FORWARDED = SKIPPED | {
    REQUEST_ID.lower(), REQUEST_HASH.lower(), SIGNATURE.lower(), SIGNER.lower(), DATE.lower(), HASH_CHAIN.lower(), "date",
    "x-govstack-client", "information-mediator-client", TRACEPARENT,
}
_RESPONSE_SET_BY_GATEWAY = frozenset(h.lower() for h in (CLIENT, SERVICE, MESSAGE_ID, REQUEST_ID, REQUEST_HASH))

_HEADER_LIMITS = {MESSAGE_ID: 255, USER_ID: 64, ISSUE: 255, PURPOSE: 500, REPRESENTED_PARTY: 255}
# Printable, and valid UTF-8: bytes that are not arrive as lone surrogates, which are refused.
_PRINTABLE = re.compile(r"^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
CRLF = b"\r\n"

Headers = list[tuple[str, str]]


@dataclass
class ExchangeError(Exception):
    """A fault raised inside the exchange: an X-Road error type, an HTTP status, a message."""

    type: str
    message: str
    status: int = 500

    def __post_init__(self) -> None:
        super().__init__(f"{self.type}: {self.message}")
        self.detail = str(uuid.uuid4())

    def body(self) -> bytes:
        return orjson.dumps({"type": self.type, "message": self.message, "detail": self.detail})


def client_error(kind: str, message: str, status: int = 400) -> ExchangeError:
    return ExchangeError(f"Client.{kind}", message, status)


def consumer_error(kind: str, message: str, status: int = 500) -> ExchangeError:
    return ExchangeError(f"Server.ClientProxy.{kind}", message, status)


def provider_error(kind: str, message: str, status: int = 500) -> ExchangeError:
    return ExchangeError(f"Server.ServerProxy.{kind}", message, status)


@dataclass(frozen=True)
class ServiceAddress:
    """A parsed ``/r1/...`` path: the service id and the service path (still percent-encoded)."""

    service: XRoadId
    path: str
    query: str

    @property
    def path_and_query(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


def parse_address(raw_path: str, query: str = "") -> ServiceAddress:
    """Split ``/r1/I/C/M/S/SERVICE/rest`` into the service id and ``/rest``."""
    if len(raw_path) + len(query) > MAX_URI_LENGTH:
        raise client_error("BadRequest", f"the request URI is longer than {MAX_URI_LENGTH} characters", 414)
    if not raw_path.startswith(PROTOCOL_PREFIX):
        raise client_error("BadRequest", "the path must start with /r1/ (X-Road message protocol for REST, version 1)", 404)
    parts = raw_path[len(PROTOCOL_PREFIX):].split("/", 5)
    if len(parts) < 5 or not all(parts[:5]):
        raise client_error(
            "BadRequest", "the path must name a service: /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}[/path]", 404
        )
    try:
        service = _service_id("/".join(parts[:5]))
    except InvalidInput as error:
        raise client_error("BadRequest", f"malformed service identifier: {error}") from None
    rest = "/" + parts[5] if len(parts) == 6 else ""
    return ServiceAddress(service, rest, query)


def client_header(index: dict[str, str]) -> str | None:
    """The caller's id: X-Road-Client (the last one, as X-Road has it), else a GovStack header."""
    for name in ("x-road-client", "x-govstack-client", "information-mediator-client"):
        if name in index:
            return index[name]
    return None


def parse_client(raw: str | None) -> XRoadId:
    if raw is None or not raw.strip():
        raise client_error("InvalidClientIdentifier", "the X-Road-Client header is required: INSTANCE/CLASS/MEMBER/SUBSYSTEM")
    try:
        return _client_id(raw)
    except InvalidInput as error:
        raise client_error("InvalidClientIdentifier", f"X-Road-Client: {error}") from None


# Identifiers repeat on every request: parsing and encoding them once each is enough.
@lru_cache(maxsize=4096)
def _service_id(text: str) -> XRoadId:
    return xroad.parse(text, parts=(5,))


@lru_cache(maxsize=4096)
def _client_id(text: str) -> XRoadId:
    return xroad.parse_client(text)


@lru_cache(maxsize=4096)
def encoded(identifier: XRoadId) -> str:
    return identifier.encoded()


_LIMITS = {k.lower(): (k, v) for k, v in _HEADER_LIMITS.items()}


def check_headers(index: dict[str, str]) -> None:
    """Refuse over-long or unprintable values of the optional X-Road headers (the ones that
    count: the last of each, the only one passed on)."""
    for name, (label, limit) in _LIMITS.items():
        value = index.get(name)
        if value is None:
            continue
        if len(value) > limit:
            raise client_error("BadRequest", f"the {label} header is longer than {limit} characters")
        if not _PRINTABLE.match(value):
            raise client_error("BadRequest", f"the {label} header contains control characters or is not valid UTF-8")
        if label == REPRESENTED_PARTY:
            parts = value.split("/")
            if len(parts) > 2 or not all(parts):
                raise client_error("BadRequest", "X-Road-Represented-Party must be [CLASS/]CODE")


def index(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header values by lower-cased name (the last one wins, as X-Road has it)."""
    return {key.lower(): value for key, value in headers}


def header(headers: Iterable[tuple[str, str]] | dict[str, str], name: str) -> str | None:
    """The last value of a header (case-insensitive); give an :func:`index` when asking often."""
    if isinstance(headers, dict):
        return headers.get(name.lower())
    result = None
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            result = value
    return result


def forwardable(headers: Iterable[tuple[str, str]], index: dict[str, str]) -> Headers:
    """The client's headers that travel on: no hop-by-hop, transport or gateway-only headers,
    and of each X-Road header only the last one (the one that counts)."""
    result = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _NOT_FORWARDED or (lowered.startswith("x-road-") and index[lowered] is not value):
            continue
        result.append((name, value))
    return result


def response_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    """A provider application's response headers as passed back (the gateway sets X-Road-*)."""
    return [(k, v) for k, v in headers if k.lower() not in _NOT_FORWARDED and k.lower() not in _RESPONSE_SET_BY_GATEWAY]


_NOT_HASHED = SKIPPED | {REQUEST_HASH.lower(), SIGNATURE.lower(), SIGNER.lower(), HASH_CHAIN.lower()}


def canonical_request(method: str, path_and_query: str, headers: Sequence[tuple[str, str]]) -> bytes:
    """X-Road's serialised request part (``X-Road-Request-Id`` must already be among the headers)."""
    text = "".join(f"{name}:{value}\r\n" for name, value in headers if name.lower() not in _NOT_HASHED)
    return f"{method}\r\n{path_and_query}\r\n{text}".encode("utf-8", "surrogateescape")


def request_hash(canonical: bytes, body: bytes) -> bytes:
    digest = hashlib.sha512(canonical).digest()
    if not body:
        return digest
    return hashlib.sha512(digest + hashlib.sha512(body).digest()).digest()


_NOT_SIGNED = SKIPPED | {"date", SIGNATURE.lower(), SIGNER.lower(), HASH_CHAIN.lower()}


def canonical_response(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    """The response part a provider gateway signs. Header names are lower-cased: HTTP servers
    and clients may change their case on the way (aiohttp writes ``Content-Type``)."""
    lowered = ((name.lower(), value) for name, value in headers)
    text = "".join(f"{name}:{value}\r\n" for name, value in lowered if name not in _NOT_SIGNED)
    return f"{status}\r\n{text}".encode("utf-8", "surrogateescape")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def chain_of(index: dict[str, str]) -> bytes:
    """The hash chain a message carries (empty when signed on its own; malformed: unverifiable)."""
    text = index.get(HASH_CHAIN.lower())
    if not text:
        return b""
    try:
        return unb64(text)
    except ValueError:
        return b"?"


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise ValueError("not valid base64") from None


def new_message_id(instance: str) -> str:
    return f"{instance}-{uuid.uuid4()}"


def new_request_id() -> str:
    return str(uuid.uuid4())


def _uuid4(random: bytes) -> str:
    """``str(uuid.UUID(bytes=random, version=4))`` without building the object."""
    h = random.hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def new_ids(instance: str) -> tuple[str, str, str]:
    """A message id, a request id and a trace span id from one read of the system's randomness."""
    random = os.urandom(40)
    return f"{instance}-{_uuid4(random[:16])}", _uuid4(random[16:32]), random[32:].hex()


@dataclass(frozen=True)
class TraceParent:
    """W3C trace context: kept across members, with a new span at every hop."""

    trace_id: str
    parent_id: str
    flags: str = "01"

    @classmethod
    def parse_or_new(cls, value: str | None) -> TraceParent:
        match = _TRACEPARENT.match(value.strip().lower()) if value else None
        if match and set(match.group(1)) != {"0"} and set(match.group(2)) != {"0"}:
            return cls(match.group(1), match.group(2), match.group(3))
        return cls(os.urandom(16).hex(), os.urandom(8).hex())

    def child(self, span_id: str | None = None) -> TraceParent:
        return TraceParent(self.trace_id, span_id or os.urandom(8).hex(), self.flags)

    def __str__(self) -> str:
        return f"00-{self.trace_id}-{self.parent_id}-{self.flags}"
