"""The provider side of a gateway (X-Road's server proxy): another gateway connects over mutual
TLS; this side checks the configuration, the TLS certificate, the client and its signature,
logs the request, checks access rights (deny by default), records the data tracker entry,
forwards to the provider application (or answers itself: metadata, pub/sub, findUsage), and
returns the response signed, with X-Road's response headers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime


from tenfold.errors import InvalidInput
from tenfold.exchange import asgi, consent, protocol as p, tracker
from tenfold.exchange.context import GatewayContext
from tenfold.exchange.globalconf import GlobalConf, ServiceEntry
from tenfold.exchange.http import Unreachable
from tenfold.exchange.pipeline import Exchange, read_body, x_road_headers
from tenfold.exchange.protocol import ExchangeError, ServiceAddress, provider_error
from tenfold.exchange.rights import normalised_path
from tenfold.exchange.server import Request, Response
from tenfold.exchange.signing import request_digest, response_digest
from tenfold.topology import GATEWAY_APP, METADATA_SERVICES

ROOM_SERVICES = ("api", "pub", "pull")
_TO_APP_DROP = frozenset({p.CLIENT.lower(), p.MESSAGE_ID.lower()})


@dataclass
class Incoming:
    """One request from another gateway, as far as it has been checked."""

    request: Request
    headers: list[tuple[str, str]]
    index: dict[str, str]
    body: bytes = b""
    request_hash: bytes = b""
    address: ServiceAddress | None = None
    client: str = ""
    trace: p.TraceParent | None = None
    basis: tracker.LawfulBasis | None = None  # what the request rests on (checked with CONSENT when consent)
    path: str = ""  # the service path, normalised
    finder: tracker.PersonFinder | None = None  # where the service's requests name persons
    persons: list[str] | None = None  # the persons it names, once found

    def find_persons(self) -> list[str]:
        if self.persons is None:
            query = self.address.query if self.address else ""
            self.persons = [] if self.finder is None else self.finder.persons(
                self.path, query, self.body, self.index.get("x-road-represented-party"))
        return self.persons

    @property
    def request_id(self) -> str:
        return self.index.get("x-road-request-id", "")

    def target(self) -> str:
        return self.request.raw_path_qs


def _conf(context: GatewayContext) -> GlobalConf:
    conf = context.conf
    if conf is None or conf.expired():
        raise provider_error("OutdatedGlobalConf", "the provider's global configuration is expired; refusing to serve", 503)
    return conf


def _authenticate(context: GatewayContext, incoming: Incoming, exchange: Exchange) -> None:
    request, index = incoming.request, incoming.index
    p.check_headers(index)
    exchange.message_id = index.get("x-road-id") or "-"
    incoming.address = address = p.parse_address(request.raw_path, request.query)
    exchange.service = str(address.service)
    client = p.parse_client(index.get("x-road-client"))
    incoming.client = exchange.client = str(client)
    incoming.trace = p.TraceParent.parse_or_new(index.get("traceparent"))
    exchange.trace_id = incoming.trace.trace_id
    conf = _conf(context)
    peer = conf.tls_owners.get(request.peer_certificate) if request.peer_certificate else None
    if peer is None:
        raise provider_error("SslAuthenticationFailed", "the client gateway's TLS certificate is unknown or revoked", 403)
    member = "/".join(client.parts[:3])
    if member != peer:
        raise provider_error("SslAuthenticationFailed", f"client {client} is not a client of the gateway of {peer}", 403)
    if not conf.is_client(incoming.client):
        raise provider_error("UnknownMember", f"Client '{client}' not found", 403)
    if not context.owns(exchange.service):
        raise provider_error("UnknownService", f"this gateway does not serve {address.service}", 404)
    _check_signature(context, conf, member, incoming)


def _check_signature(context: GatewayContext, conf: GlobalConf, member: str, incoming: Incoming) -> None:
    key = conf.signing_key(member, incoming.index.get("x-tenfold-signer", ""))
    if key is None:
        raise provider_error("CertValidation", f"the request is not signed with a valid certificate of {member} (unknown or revoked)", 403)
    try:
        signature = p.unb64(incoming.index.get("x-tenfold-signature", ""))
    except ValueError:
        signature = b""
    if not context.verifier.verify(key, incoming.index.get("x-tenfold-signer", ""), signature, request_digest(incoming.request_hash),
                                   p.chain_of(incoming.index)):
        raise provider_error("InvalidSignatureValue", f"the signature of {member}'s request does not verify", 403)
    try:
        skew = abs((datetime.now(UTC) - datetime.fromisoformat(incoming.index.get("x-tenfold-date", ""))).total_seconds())
    except (ValueError, TypeError):
        skew = float("inf")
    if skew > context.settings.clock_skew_seconds:
        raise provider_error("InvalidMessage", "the request's signing time is missing or too far from ours", 403)


async def _dispatch(context: GatewayContext, incoming: Incoming, exchange: Exchange) -> asgi.Reply:
    conf = _conf(context)
    assert incoming.address is not None
    service = incoming.address.service
    service_id = str(service)
    target = service_id.rsplit("/", 1)[0]
    if (target in context.rooms and service.service in ROOM_SERVICES) or service.service in METADATA_SERVICES:
        if service.service in METADATA_SERVICES and target not in conf.subsystems:
            raise provider_error("UnknownService", f"Unknown service: {service}", 404)
        return await _builtin(context, incoming)
    entry = conf.services.get(service_id)
    if entry is None:
        raise provider_error("UnknownService", f"Unknown service: {service}", 404)
    try:
        incoming.path = path = normalised_path(incoming.address.path)
    except (InvalidInput, UnicodeDecodeError) as error:
        raise p.client_error("BadRequest", f"malformed service path: {error}") from None
    method, client = incoming.request.method, incoming.client
    inbox_push = entry.subsystem.inbox == entry.service.code and client in conf.rooms and method == "POST"
    if not inbox_push and not context.rights.allows(entry.id, client, method, path):
        raise provider_error("AccessDenied", f"Request is not allowed: {service} for {client} ({method} {path})", 403)
    incoming.finder = _finder(context, entry)
    # Consent is checked person by person before the request goes on; otherwise the persons are
    # found while the application works on it.
    persons = incoming.find_persons() if entry.service.lawful_basis == "consent" else []
    incoming.basis = await consent.lawful_basis(context, entry, client, persons)
    if entry.service.app == GATEWAY_APP:
        return await _builtin(context, incoming)
    return await _forward(context, incoming, entry, exchange)


def _finder(context: GatewayContext, entry: ServiceEntry) -> tracker.PersonFinder:
    finder = context.person_finders.get(entry.id)
    if finder is None:
        finder = context.person_finders[entry.id] = tracker.PersonFinder.of(entry.service.person_refs)
    return finder


async def _builtin(context: GatewayContext, incoming: Incoming) -> asgi.Reply:
    assert incoming.trace is not None
    headers = [(p.CLIENT, incoming.client), (p.TRACEPARENT, str(incoming.trace.child()))]
    content_type = incoming.index.get("content-type")
    if content_type:
        headers.append(("Content-Type", content_type))
    request = incoming.request
    return await asgi.call(context.im, request.method, request.raw_path, request.query, headers, incoming.body)


async def _forward(context: GatewayContext, incoming: Incoming, entry: ServiceEntry, exchange: Exchange) -> asgi.Reply:
    origin = context.app_origin(entry.service.app)
    if origin is None or context.app_client is None:
        raise provider_error("ServiceFailed", f"no address for application {entry.service.app!r} of {context.member_id}", 502)
    assert incoming.address is not None and incoming.trace is not None
    host, port, prefix = origin
    query = incoming.address.query
    target = prefix + entry.service.base_path.rstrip("/") + (incoming.address.path or "/") + ("?" + query if query else "")
    out = [(k, v) for k, v in p.forwardable(incoming.headers, incoming.index) if k.lower() not in _TO_APP_DROP]
    out += [(p.CLIENT, incoming.client), (p.MESSAGE_ID, incoming.index.get("x-road-id", "")), (p.REQUEST_ID, incoming.request_id),
            (p.TRACEPARENT, str(incoming.trace.child()))]

    def while_waiting() -> None:  # the bookkeeping that need not delay the request
        exchange.submit_request(context)
        incoming.find_persons()

    try:
        answer = await context.app_client.request(incoming.request.method, host, port, target, out, incoming.body,
                                                  context.settings.upstream_timeout_seconds, while_waiting)
    except asyncio.TimeoutError:
        raise provider_error("ServiceFailed", f"the application {entry.service.app!r} did not answer in time", 504) from None
    except Unreachable as error:
        raise provider_error("ServiceFailed", f"cannot reach the application {entry.service.app!r}: {error}", 502) from None
    return asgi.Reply(answer.status, answer.headers, answer.body)


async def _signed(context: GatewayContext, status: int, headers: list[tuple[str, str]], body: bytes,
                  request_hash: bytes) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The response headers with the signature added, and the signature as logged."""
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/octet-stream"))
    seal = await context.sealer.seal(response_digest(request_hash, p.canonical_response(status, headers), body), now=context.alone)
    logged = {"signature": p.b64(seal.signature), "signer": context.sealer.serial}
    signed = headers + [(p.SIGNATURE, logged["signature"]), (p.SIGNER, logged["signer"])]
    if seal.chain:
        logged["hash_chain"] = p.b64(seal.chain)
        signed.append((p.HASH_CHAIN, logged["hash_chain"]))
    return signed, logged


def _x_road(exchange: Exchange, incoming: Incoming) -> list[tuple[str, str]]:
    return [(p.CLIENT, exchange.client or ""), (p.SERVICE, exchange.service or ""), (p.MESSAGE_ID, exchange.message_id or ""),
            (p.REQUEST_ID, incoming.request_id), (p.REQUEST_HASH, p.b64(incoming.request_hash))]


async def handle(context: GatewayContext, request: Request) -> Response:
    """The mutual-TLS listener's handler."""
    exchange = Exchange("provider", request.method)
    headers = request.headers
    incoming = Incoming(request, headers, p.index(headers))
    context.in_flight += 1
    try:
        incoming.body = await read_body(request, context.settings.max_body_bytes)
        exchange.request_bytes = len(incoming.body)
        incoming.request_hash = p.request_hash(p.canonical_request(request.method, incoming.target(), headers), incoming.body)
        _authenticate(context, incoming, exchange)
        index = incoming.index
        logged = {
            "client": exchange.client, "service": exchange.service, "method": request.method,
            "path": incoming.address.path_and_query if incoming.address else "", "request_id": incoming.request_id,
            "request_hash": p.b64(incoming.request_hash), "headers": x_road_headers(headers),
            "signature": index.get("x-tenfold-signature"), "signer": index.get("x-tenfold-signer"),
        }
        if "x-tenfold-hash-chain" in index:
            logged["hash_chain"] = index["x-tenfold-hash-chain"]
        exchange.log_request(logged, incoming.body)
        reply = await _dispatch(context, incoming, exchange)
        out, signature = await _signed(context, reply.status, p.response_headers(reply.headers) + _x_road(exchange, incoming), reply.body,
                                       incoming.request_hash)
        rows = tracker.rows_for(incoming.find_persons(), at=datetime.now(UTC), client=exchange.client or "", service=exchange.service or "",
                                purpose=index.get("x-road-purpose"), user_id=index.get("x-road-userid"),
                                issue=index.get("x-road-issue"), message_id=exchange.message_id or "-", basis=incoming.basis)
        meta = {"status": reply.status, "headers": x_road_headers(out), **signature}
        await exchange.finish(context, reply.status, meta, reply.body, rows, error_type=None)
        return Response(reply.status, out, reply.body)
    except ExchangeError as error:
        return await _refuse(context, exchange, error, incoming)
    finally:
        context.in_flight -= 1


async def _refuse(context: GatewayContext, exchange: Exchange, error: ExchangeError, incoming: Incoming) -> Response:
    request = incoming.request
    if not incoming.request_hash:
        incoming.request_hash = p.request_hash(p.canonical_request(request.method, incoming.target(), incoming.headers), b"")
    if not exchange.request_logged:
        exchange.log_request({"client": exchange.client, "service": exchange.service, "method": request.method,
                              "path": request.raw_path_qs[:2000], "request_id": incoming.request_id}, b"")
    try:
        await exchange.finish(context, error.status, {"error": error.type, "message": error.message}, error.body(), error_type=error.type)
    except ExchangeError as logging_failed:
        error = logging_failed
    headers = [("Content-Type", "application/json"), (p.ERROR, error.type)] + _x_road(exchange, incoming)
    body = error.body()
    signed, _signature = await _signed(context, error.status, headers, body, incoming.request_hash)
    return Response(error.status, signed, body)
