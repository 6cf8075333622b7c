"""X-Road's message protocol for REST: addresses, client headers, the request hash, trace context."""

from __future__ import annotations

import hashlib

import pytest

from tenfold.exchange import protocol as p
from tenfold.exchange.protocol import ExchangeError


def test_the_request_part_is_serialised_as_x_road_does() -> None:
    headers = [("Host", "gw:80"), ("Content-Type", "application/json"), ("X-Road-Client", "DEMO/GOV/SIB/benefits"),
               ("Content-Length", "7"), ("User-Agent", "x"), ("Connection", "keep-alive"), ("X-Road-Request-Hash", "old"),
               ("X-Road-Request-Id", "r-1")]
    part = p.canonical_request("POST", "/r1/DEMO/GOV/POP/registry/registry/data?x=1", headers)
    assert part == (b"POST\r\n/r1/DEMO/GOV/POP/registry/registry/data?x=1\r\n"
                    b"Content-Type:application/json\r\nX-Road-Client:DEMO/GOV/SIB/benefits\r\nX-Road-Request-Id:r-1\r\n")


def test_the_request_hash_is_sha512_of_the_part_and_body_hashes() -> None:
    part, body = b"GET\r\n/r1/a\r\n", b'{"a":1}'
    inner = hashlib.sha512(part).digest() + hashlib.sha512(body).digest()
    assert p.request_hash(part, body) == hashlib.sha512(inner).digest()
    assert p.request_hash(part, b"") == hashlib.sha512(part).digest()


def test_the_signed_response_part_ignores_header_case_and_transport_headers() -> None:
    one = p.canonical_response(200, [("Content-Type", "a"), ("Date", "x"), ("Server", "y"), ("X-Road-Id", "1")])
    two = p.canonical_response(200, [("content-type", "a"), ("x-road-id", "1"), ("Content-Length", "9")])
    assert one == two == b"200\r\ncontent-type:a\r\nx-road-id:1\r\n"


def test_an_address_names_the_service_and_keeps_the_rest_encoded() -> None:
    address = p.parse_address("/r1/DEMO/GOV/POP/registry/registry/data/a%20b", "q=1")
    assert str(address.service) == "DEMO/GOV/POP/registry/registry"
    assert address.path == "/data/a%20b" and address.path_and_query == "/data/a%20b?q=1"
    assert p.parse_address("/r1/DEMO/GOV/POP/sub%2Bsystem/svc", "").service.subsystem == "sub+system"


@pytest.mark.parametrize(("path", "status"), [
    ("/r2/DEMO/GOV/POP/registry/registry", 404), ("/r1/DEMO/GOV/POP", 404), ("/r1/DEMO//POP/registry/x", 404),
    ("/r1/DEMO/GOV/POP/reg istry/x", 400), ("/r1/DEMO/GOV/POP/registry/%ff", 400), ("/r1/" + "A" * 3000, 414),
])
def test_a_bad_address_is_a_client_error(path: str, status: int) -> None:
    with pytest.raises(ExchangeError) as caught:
        p.parse_address(path, "")
    assert caught.value.status == status and caught.value.type == "Client.BadRequest"


def test_the_last_x_road_client_wins_and_govstack_headers_are_a_fallback() -> None:
    assert p.client_header(p.index([("X-Road-Client", "A/B/C/d"), ("x-road-client", "A/B/C/e")])) == "A/B/C/e"
    assert p.client_header(p.index([("Information-Mediator-Client", "A/B/C/f"), ("X-Road-Client", "A/B/C/g")])) == "A/B/C/g"
    assert p.client_header(p.index([("X-GovStack-Client", "A/B/C/h")])) == "A/B/C/h"
    assert p.client_header(p.index([("Other", "x")])) is None


def test_only_the_last_of_each_x_road_header_is_passed_on() -> None:
    headers = [("X-Road-UserId", "EE1"), ("Accept", "a"), ("X-Road-UserId", "EE2"), ("Accept", "b"), ("Connection", "close")]
    assert p.forwardable(headers, p.index(headers)) == [("Accept", "a"), ("X-Road-UserId", "EE2"), ("Accept", "b")]


def test_a_traceparent_is_kept_or_made() -> None:
    given = p.TraceParent.parse_or_new("00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    assert given.trace_id == "a" * 32 and given.child().trace_id == "a" * 32 and given.child().parent_id != "b" * 16
    for bad in (None, "", "00-xyz", "00-" + "0" * 32 + "-" + "b" * 16 + "-01"):
        made = p.TraceParent.parse_or_new(bad)
        assert len(made.trace_id) == 32 and made.trace_id != "0" * 32


def test_ids_are_fresh_and_shaped() -> None:
    message_id, request_id, span = p.new_ids("DEMO")
    assert message_id.startswith("DEMO-") and len(request_id) == 36 and len(span) == 16
    assert p.new_ids("DEMO") != (message_id, request_id, span)
