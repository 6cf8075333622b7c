"""The provider side of a gateway (X-Road's server proxy): another gateway connects over mutual
TLS; this side checks the configuration, the TLS certificate, the client and its signature,
logs the request, checks access rights (deny by default), records the data tracker entry,
forwards to the provider application (or answers itself: metadata, pub/sub, findUsage), and
returns the response signed, with X-Road's response headers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from tenfold.errors import InvalidInput
from tenfold.exchange import asgi, protocol as p, tracker
from tenfold.exchange.context import GatewayContext
from tenfold.exchange.globalconf import GlobalConf, ServiceEntry
from tenfold.exchange.pipeline import Exchange, read_body, x_road_headers
from tenfold.exchange.protocol import ExchangeError, ServiceAddress, provider_error
from tenfold.exchange.rights import normalised_path
from tenfold.exchange.signing import request_digest, response_digest, verify
from tenfold.ids.xroad import XRoadId
from tenfold.topology import GATEWAY_APP, METADATA_SERVICES

ROOM_SERVICES = ("api", "pub", "pull")
_TO_APP_DROP = frozenset({p.CLIENT.lower(), p.MESSAGE_ID.lower()})


@dataclass
class Verified:
    client: XRoadId
    address: ServiceAddress
    request_hash: bytes
    request_id: str
    message_id: str
    trace: p.TraceParent


def _conf(context: GatewayContext) -> GlobalConf:
    conf = context.conf
    if conf is None or conf.expired():
        raise provider_error("OutdatedGlobalConf", "the provider's global configuration is expired; refusing to serve", 503)
    return conf


def _request_hash(request: web.BaseRequest, headers: list[tuple[str, str]], body: bytes) -> bytes:
    query = request.rel_url.raw_query_string
    target = request.rel_url.raw_path + ("?" + query if query else "")
    return p.request_hash(p.canonical_request(request.method, target, headers), body)


def _authenticate(context: GatewayContext, request: web.BaseRequest, headers: list[tuple[str, str]], request_hash: bytes,
                  exchange: Exchange) -> Verified:
    exchange.message_id = p.header(headers, p.MESSAGE_ID) or "-"
    address = p.parse_address(request.rel_url.raw_path, request.rel_url.raw_query_string)
    exchange.service = str(address.service)
    client = p.parse_client(p.header(headers, p.CLIENT))
    exchange.client = str(client)
    verified = Verified(client, address, request_hash, p.header(headers, p.REQUEST_ID) or "", exchange.message_id,
                        p.TraceParent.parse_or_new(p.header(headers, p.TRACEPARENT)))
    exchange.trace_id = verified.trace.trace_id
    conf = _conf(context)
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    peer = conf.tls_owners.get(ssl_object.getpeercert(binary_form=True)) if ssl_object else None
    if peer is None:
        raise provider_error("SslAuthenticationFailed", "the client gateway's TLS certificate is unknown or revoked", 403)
    if str(client.member) != peer:
        raise provider_error("SslAuthenticationFailed", f"client {client} is not a client of the gateway of {peer}", 403)
    if not conf.is_client(str(client)):
        raise provider_error("UnknownMember", f"Client '{client}' not found", 403)
    if not context.owns(str(address.service)):
        raise provider_error("UnknownService", f"this gateway does not serve {address.service}", 404)
    _check_signature(context, conf, verified, headers)
    return verified


def _check_signature(context: GatewayContext, conf: GlobalConf, verified: Verified, headers: list[tuple[str, str]]) -> None:
    member = str(verified.client.member)
    key = conf.signing_key(member, p.header(headers, p.SIGNER) or "")
    if key is None:
        raise provider_error("CertValidation", f"the request is not signed with a valid certificate of {member} (unknown or revoked)", 403)
    try:
        signature = p.unb64(p.header(headers, p.SIGNATURE) or "")
    except ValueError:
        signature = b""
    if not verify(key, signature, request_digest(verified.request_hash)):
        raise provider_error("InvalidSignatureValue", f"the signature of {member}'s request does not verify", 403)
    try:
        signed_at = datetime.fromisoformat(p.header(headers, p.DATE) or "")
        skew = abs((datetime.now(UTC) - signed_at).total_seconds())
    except (ValueError, TypeError):
        skew = float("inf")
    if skew > context.settings.clock_skew_seconds:
        raise provider_error("InvalidMessage", "the request's signing time is missing or too far from ours", 403)


async def _dispatch(context: GatewayContext, request: web.BaseRequest, verified: Verified, headers: list[tuple[str, str]],
                    body: bytes) -> tuple[asgi.Reply, list[str], ServiceEntry | None]:
    conf = _conf(context)
    service = verified.address.service
    target = str(service.client)
    if (target in context.rooms and service.service in ROOM_SERVICES) or service.service in METADATA_SERVICES:
        if service.service in METADATA_SERVICES and target not in conf.subsystems:
            raise provider_error("UnknownService", f"Unknown service: {service}", 404)
        return await _builtin(context, request, verified, body), [], None
    entry = conf.services.get(str(service))
    if entry is None:
        raise provider_error("UnknownService", f"Unknown service: {service}", 404)
    try:
        path = normalised_path(verified.address.path)
    except (InvalidInput, UnicodeDecodeError) as error:
        raise p.client_error("BadRequest", f"malformed service path: {error}") from None
    client = str(verified.client)
    inbox_push = entry.subsystem.inbox == entry.service.code and client in conf.rooms and request.method == "POST"
    if not inbox_push and not context.rights.allows(entry.id, client, request.method, path):
        raise provider_error("AccessDenied", f"Request is not allowed: {service} for {client} ({request.method} {path})", 403)
    persons = tracker.PersonFinder.of(entry.service.person_refs).persons(
        path, verified.address.query, body, p.header(headers, p.REPRESENTED_PARTY)) if entry.service.person_refs else []
    if entry.service.app == GATEWAY_APP:
        return await _builtin(context, request, verified, body), persons, entry
    return await _forward(context, request, verified, headers, body, entry), persons, entry


async def _builtin(context: GatewayContext, request: web.BaseRequest, verified: Verified, body: bytes) -> asgi.Reply:
    headers = [(p.CLIENT, str(verified.client)), (p.TRACEPARENT, str(verified.trace.child()))]
    content_type = request.headers.get("Content-Type")
    if content_type:
        headers.append(("Content-Type", content_type))
    return await asgi.call(context.im, request.method, request.rel_url.raw_path, request.rel_url.raw_query_string, headers, body)


async def _forward(context: GatewayContext, request: web.BaseRequest, verified: Verified, headers: list[tuple[str, str]],
                   body: bytes, entry: ServiceEntry) -> asgi.Reply:
    base = context.app_urls.get(entry.service.app)
    if base is None or context.app_session is None:
        raise provider_error("ServiceFailed", f"no address for application {entry.service.app!r} of {context.member_id}", 502)
    prefix = entry.service.base_path.rstrip("/")
    url = URL(base + prefix + (verified.address.path or "/") + ("?" + verified.address.query if verified.address.query else ""), encoded=True)
    out = [(k, v) for k, v in p.forwardable(headers) if k.lower() not in _TO_APP_DROP]
    out += [(p.CLIENT, str(verified.client)), (p.MESSAGE_ID, verified.message_id), (p.REQUEST_ID, verified.request_id),
            (p.TRACEPARENT, str(verified.trace.child()))]
    try:
        async with context.app_session.request(request.method, url, data=body or None, headers=CIMultiDict(out),
                                               allow_redirects=False) as response:
            data = await response.read()
            return asgi.Reply(response.status, list(response.headers.items()), data)
    except asyncio.TimeoutError:
        raise provider_error("ServiceFailed", f"the application {entry.service.app!r} did not answer in time", 504) from None
    except aiohttp.ClientError as error:
        raise provider_error("ServiceFailed", f"cannot reach the application {entry.service.app!r}: {error}", 502) from None


def _signed(context: GatewayContext, status: int, headers: list[tuple[str, str]], body: bytes, verified_hash: bytes) -> list[tuple[str, str]]:
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/octet-stream"))
    signature = context.signer.sign(response_digest(verified_hash, p.canonical_response(status, headers), body))
    return headers + [(p.SIGNATURE, p.b64(signature)), (p.SIGNER, context.signer.serial)]


async def handle(context: GatewayContext, request: web.BaseRequest) -> web.Response:
    """The mutual-TLS listener's handler."""
    exchange = Exchange("provider", request.method)
    headers = list(request.headers.items())
    verified_hash, request_id = _request_hash(request, headers, b""), p.header(headers, p.REQUEST_ID) or ""
    try:
        body = await read_body(request, context.settings.max_body_bytes)
        exchange.request_bytes = len(body)
        verified_hash = _request_hash(request, headers, body)
        verified = _authenticate(context, request, headers, verified_hash, exchange)
        exchange.log_request(context, {
            "client": exchange.client, "service": exchange.service, "method": request.method,
            "path": verified.address.path_and_query, "request_id": request_id, "request_hash": p.b64(verified_hash),
            "headers": x_road_headers(headers), "signature": p.header(headers, p.SIGNATURE), "signer": p.header(headers, p.SIGNER),
        }, body)
        reply, persons, entry = await _dispatch(context, request, verified, headers, body)
        out = p.response_headers(reply.headers) + _x_road(exchange, request_id, verified_hash)
        out = _signed(context, reply.status, out, reply.body, verified_hash)
        rows = tracker.rows_for(persons, at=datetime.now(UTC), client=exchange.client or "", service=exchange.service or "",
                                purpose=p.header(headers, p.PURPOSE), user_id=p.header(headers, p.USER_ID),
                                issue=p.header(headers, p.ISSUE), message_id=exchange.message_id or "-")
        meta = {"status": reply.status, "headers": x_road_headers(out), "signature": p.header(out, p.SIGNATURE), "signer": context.signer.serial}
        await exchange.finish(context, reply.status, meta, reply.body, rows, error_type=None)
        return web.Response(status=reply.status, body=reply.body, headers=CIMultiDict(out))
    except ExchangeError as error:
        return await _refuse(context, exchange, error, request, verified_hash, request_id)


def _x_road(exchange: Exchange, request_id: str, request_hash: bytes) -> list[tuple[str, str]]:
    return [(p.CLIENT, exchange.client or ""), (p.SERVICE, exchange.service or ""), (p.MESSAGE_ID, exchange.message_id or ""),
            (p.REQUEST_ID, request_id), (p.REQUEST_HASH, p.b64(request_hash))]


async def _refuse(context: GatewayContext, exchange: Exchange, error: ExchangeError, request: web.BaseRequest,
                  request_hash: bytes, request_id: str) -> web.Response:
    if not exchange.pending:
        exchange.log_request(context, {"client": exchange.client, "service": exchange.service, "method": request.method,
                                       "path": request.rel_url.raw_path_qs[:2000], "request_id": request_id}, b"")
    try:
        await exchange.finish(context, error.status, {"error": error.type, "message": error.message}, error.body(), error_type=error.type)
    except ExchangeError as logging_failed:
        error = logging_failed
    headers = [("Content-Type", "application/json"), (p.ERROR, error.type)] + _x_road(exchange, request_id, request_hash)
    body = error.body()
    return web.Response(status=error.status, body=body, headers=CIMultiDict(_signed(context, error.status, headers, body, request_hash)))
