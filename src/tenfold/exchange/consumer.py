"""The consumer side of a gateway (X-Road's client proxy): a member's own application calls it
on loopback with the X-Road REST protocol; it checks the client, finds the provider in the
global configuration, signs the request, sends it over mutual TLS to the provider's gateway,
verifies the signed response and the request hash, logs both, and answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Callable
from urllib.parse import quote

import orjson

from tenfold.exchange import protocol as p
from tenfold.exchange.context import GatewayContext
from tenfold.exchange.delivery import Push
from tenfold.exchange.http import Answer, PeerRejected, Unreachable
from tenfold.exchange.pipeline import Exchange, error_response, read_body, x_road_headers
from tenfold.exchange.protocol import ExchangeError, ServiceAddress, consumer_error
from tenfold.exchange.server import Request, Response
from tenfold.exchange.signing import request_digest, response_digest
from tenfold.ids.xroad import XRoadId

_NOT_RETURNED = p.SKIPPED | {p.SIGNATURE.lower(), p.SIGNER.lower(), p.HASH_CHAIN.lower(), "date"}


def peer_check(context: GatewayContext):  # type: ignore[no-untyped-def]
    """Checks, when a TLS connection to a gateway is made, that the certificate it shows is the
    TLS certificate the global configuration lists for the member at that address (X-Road's
    authentication-certificate check; revoked certificates are no longer listed)."""

    def check(transport: asyncio.BaseTransport, host: str, port: int) -> None:
        conf = context.conf
        ssl_object = transport.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        expected = conf.gateway_owner(host, port) if conf else None
        if conf is None or expected is None or conf.tls_owners.get(peer or b"") != expected:
            raise PeerRejected(f"the TLS certificate at {host}:{port} is not the one of {expected or 'any member'}")

    return check


_REPLACED = frozenset({"x-road-client", "x-road-id"})


def _outgoing(context: GatewayContext, client: XRoadId, headers: list[tuple[str, str]], index: dict[str, str]) -> tuple[list[tuple[str, str]], str, str, str]:
    fresh_message_id, request_id, span_id = p.new_ids(context.instance)
    message_id = index.get("x-road-id") or fresh_message_id
    trace = p.TraceParent.parse_or_new(index.get("traceparent")).child(span_id)
    out = [(k, v) for k, v in p.forwardable(headers, index) if k.lower() not in _REPLACED]
    out += [(p.CLIENT, p.encoded(client)), (p.MESSAGE_ID, message_id), (p.REQUEST_ID, request_id),
            (p.TRACEPARENT, str(trace)), (p.DATE, datetime.now(UTC).isoformat())]
    return out, message_id, request_id, trace.trace_id


async def send(context: GatewayContext, exchange: Exchange, method: str, address: ServiceAddress, client: XRoadId,
               headers: list[tuple[str, str]], body: bytes, index: dict[str, str] | None = None) -> Answer:
    conf = context.conf
    if conf is None or conf.expired():
        when = conf.expires_at.isoformat() if conf else "never loaded"
        raise consumer_error("OutdatedGlobalConf", f"the global configuration is expired ({when}); refusing to serve", 503)
    client_id = str(client)
    exchange.client = client_id
    exchange.service = str(address.service)
    if not context.owns(client_id) or not conf.is_client(client_id):
        raise consumer_error("UnknownMember", f"Client '{client_id}' not found at this gateway", 403)
    provider = "/".join(address.service.parts[:3])
    gateway = conf.gateway_address(provider)
    if gateway is None:
        raise consumer_error("UnknownMember", f"Could not find addresses for service provider '{provider}'", 404)
    out, exchange.message_id, request_id, exchange.trace_id = _outgoing(context, client, headers, index if index is not None else p.index(headers))
    path_and_query = p.PROTOCOL_PREFIX + p.encoded(address.service) + address.path_and_query
    request_hash = p.request_hash(p.canonical_request(method, path_and_query, out), body)
    seal = await context.sealer.seal(request_digest(request_hash), now=context.alone)
    out += [(p.SIGNATURE, p.b64(seal.signature)), (p.SIGNER, context.sealer.serial)]
    meta = {
        "client": client_id, "service": exchange.service, "method": method, "path": address.path_and_query,
        "request_id": request_id, "request_hash": p.b64(request_hash), "headers": x_road_headers(out),
        "signature": seal.signature.hex(), "signer": context.sealer.serial,
    }
    if seal.chain:
        out.append((p.HASH_CHAIN, p.b64(seal.chain)))
        meta["hash_chain"] = seal.chain.hex()
    exchange.log_request(meta, body)
    answer = await _post(context, method, gateway, path_and_query, out, body, provider, lambda: exchange.submit_request(context))
    answer.index = _check_answer(context, answer, provider, request_hash, request_id)
    return answer


async def _post(context: GatewayContext, method: str, gateway: tuple[str, int], target: str, headers: list[tuple[str, str]],
                body: bytes, provider: str, while_waiting: Callable[[], None]) -> Answer:
    assert context.peer_client is not None
    try:
        return await context.peer_client.request(method, gateway[0], gateway[1], target, headers, body,
                                                 context.settings.upstream_timeout_seconds + 5, while_waiting)
    except PeerRejected:
        raise consumer_error("SslAuthenticationFailed", f"the gateway at that address is not {provider}'s (or its certificate is revoked)", 502) from None
    except asyncio.TimeoutError:
        raise consumer_error("NetworkError", f"the gateway of {provider} did not answer in time", 504) from None
    except Unreachable as error:
        raise consumer_error("NetworkError", f"cannot reach the gateway of {provider}: {error}", 502) from None


def _check_answer(context: GatewayContext, answer: Answer, provider: str, request_hash: bytes, request_id: str) -> dict[str, str]:
    """Verify the provider's signature and that the answer is to this request; returns the
    answer's headers by lower-cased name."""
    conf = context.conf
    assert conf is not None
    index = p.index(answer.headers)
    key = conf.signing_key(provider, index.get("x-tenfold-signer", ""))
    if key is None:
        raise consumer_error("CertValidation", f"the response is not signed with a valid certificate of {provider}", 502)
    try:
        signature = p.unb64(index.get("x-tenfold-signature", ""))
    except ValueError:
        signature = b""
    digest = response_digest(request_hash, p.canonical_response(answer.status, answer.headers), answer.body)
    if not context.verifier.verify(key, index.get("x-tenfold-signer", ""), signature, digest, p.chain_of(index)):
        raise consumer_error("InvalidSignatureValue", f"the signature of {provider}'s response does not verify", 502)
    if index.get("x-road-request-hash") != p.b64(request_hash) or index.get("x-road-request-id") != request_id:
        raise consumer_error("InconsistentResponse", "the response does not belong to the request (request hash or id differ)", 502)
    return index


async def handle(context: GatewayContext, request: Request) -> Response:
    """The member-facing listener's ``/r1/...`` handler."""
    exchange = Exchange("consumer", request.method)
    context.in_flight += 1
    try:
        body = await read_body(request, context.settings.max_body_bytes)
        exchange.request_bytes = len(body)
        address = p.parse_address(request.raw_path, request.query)
        headers = request.headers
        index = p.index(headers)
        p.check_headers(index)
        client = p.parse_client(p.client_header(index))
        answer = await send(context, exchange, request.method, address, client, headers, body, index)
        index = answer.index
        meta = {"status": answer.status, "headers": x_road_headers(answer.headers),
                "provider_signature": index.get("x-tenfold-signature"), "provider_signer": index.get("x-tenfold-signer")}
        if "x-tenfold-hash-chain" in index:
            meta["provider_hash_chain"] = index["x-tenfold-hash-chain"]
        await exchange.finish(context, answer.status, meta, answer.body, error_type=index.get("x-road-error"))
        return Response(answer.status, [(k, v) for k, v in answer.headers if k.lower() not in _NOT_RETURNED], answer.body)
    except ExchangeError as error:
        return await refuse(context, exchange, error, request.method, request.raw_path_qs)
    finally:
        context.in_flight -= 1


async def refuse(context: GatewayContext, exchange: Exchange, error: ExchangeError, method: str, raw_target: str) -> Response:
    """Answer with the X-Road error, after logging the refused request and the refusal."""
    if not exchange.request_logged:
        exchange.message_id = exchange.message_id or p.new_message_id(context.instance)
        exchange.log_request({"client": exchange.client, "service": exchange.service, "method": method,
                              "path": raw_target[:2000]}, b"")
    try:
        await exchange.finish(context, error.status, {"error": error.type, "message": error.message}, error.body(), error_type=error.type)
    except ExchangeError as logging_failed:
        error = logging_failed
    extra = [(p.MESSAGE_ID, exchange.message_id)] if exchange.message_id else []
    return error_response(error, extra)


async def push(context: GatewayContext, delivery: Push) -> str | None:
    """Deliver one event from a room of this member to a subscriber's inbox; None on success."""
    conf = context.conf
    entry = conf.subsystems.get(delivery.subscriber) if conf else None
    inbox = entry[1].inbox if entry else None
    if inbox is None:
        return f"{delivery.subscriber} declares no inbox service"
    room = XRoadId(*delivery.event["room"].split("/"))
    service = XRoadId(*delivery.subscriber.split("/"), inbox)
    address = ServiceAddress(service, "/" + quote(delivery.event["eventType"], safe=""), "")
    headers = [("Content-Type", "application/json")] + ([(p.TRACEPARENT, delivery.trace_parent)] if delivery.trace_parent else [])
    exchange = Exchange("consumer", "POST")
    body = orjson.dumps(delivery.event)
    exchange.request_bytes = len(body)
    context.in_flight += 1
    try:
        answer = await send(context, exchange, "POST", address, room, headers, body)
        await exchange.finish(context, answer.status, {"status": answer.status, "headers": x_road_headers(answer.headers)}, answer.body,
                              error_type=answer.index.get("x-road-error"))
    except ExchangeError as error:
        await refuse(context, exchange, error, "POST", address.path)
        return error.type + ": " + error.message
    finally:
        context.in_flight -= 1
    if 200 <= answer.status < 300:
        return None
    return f"the inbox answered {answer.status}: {answer.body[:300].decode(errors='replace')}"
