"""The gateways as member applications see them: the X-Road REST protocol end to end over
mutual TLS, with signatures checked on both sides."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest
from sqlalchemy import select

from tenfold.exchange.messagelog import decode_header
from tenfold.exchange.tables import messagelog

from tests.exchange.conftest import ECHO, SIB
from tests.exchange.country import Country


def call(country: Country, method: str, path: str, **options):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=country.url("SIB"), timeout=30) as client:
        return client.request(method, path, **options)


def test_a_client_reads_a_provider_service_through_both_gateways(country: Country) -> None:
    response = call(country, "POST", ECHO + "/data/persons?x=1", json={"query": {"content": {"ID": "1"}}},
                    headers={**SIB, "X-Road-UserId": "EE38001085718", "X-Road-Issue": "case-1", "X-Road-Purpose": "eligibility"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "POST" and seen["path"] == "/svc/data/persons" and seen["query"] == "x=1"
    received = {k.lower(): v for k, v in seen["headers"]}
    assert received["x-road-client"] == "DEMO/GOV/SIB/benefits"
    assert received["x-road-userid"] == "EE38001085718"
    assert received["x-road-purpose"] == "eligibility"
    assert received["traceparent"].startswith("00-")
    assert response.headers["X-Road-Client"] == "DEMO/GOV/SIB/benefits"
    assert response.headers["X-Road-Service"] == "DEMO/GOV/POP/registry/echo"
    assert response.headers["X-Road-Id"].startswith("DEMO-")
    assert len(response.headers["X-Road-Request-Id"]) == 36
    assert base64.b64decode(response.headers["X-Road-Request-Hash"]) and len(base64.b64decode(response.headers["X-Road-Request-Hash"])) == 64
    assert "X-Tenfold-Signature" not in response.headers
    assert response.headers["X-App"] == "echo"


def test_each_gateway_journals_the_request_while_the_next_hop_works_on_it(country: Country) -> None:
    """With one exchange in flight, a gateway submits the request's log entry once the request
    has gone on, so that the work overlaps the next hop's: by the time the provider application
    answers, both gateways hold the request entry, and the response entry follows it."""
    logs = {code: country.gateways[code].context.messagelog for code in ("SIB", "POP")}
    country.echo.probe = lambda: {code: log.head.seq for code, log in logs.items()}  # type: ignore[union-attr]
    try:
        response = call(country, "POST", ECHO + "/data/persons", json={"query": {"content": {"ID": "1"}}}, headers=SIB)
    finally:
        country.echo.probe = None
    assert response.status_code == 200
    while_answering = response.json()["probe"]
    country.settle_logs()
    for code in ("SIB", "POP"):
        with country.engine(code).connect() as connection:
            rows = connection.execute(select(messagelog.c.seq, messagelog.c.entry).where(
                messagelog.c.message_id == response.headers["X-Road-Id"]).order_by(messagelog.c.seq)).all()
        (request_seq, request_entry), (response_seq, response_entry) = rows
        assert decode_header(request_entry)["kind"] == "request" and decode_header(response_entry)["kind"] == "response"
        assert request_seq <= while_answering[code] < response_seq, code


def test_the_message_id_and_the_trace_are_carried_through(country: Country) -> None:
    trace = "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"
    response = call(country, "GET", ECHO + "/data/x", headers={**SIB, "X-Road-Id": "my-own-id-1", "traceparent": trace})
    assert response.headers["X-Road-Id"] == "my-own-id-1"
    received = dict((k.lower(), v) for k, v in response.json()["headers"])
    assert received["x-road-id"] == "my-own-id-1"
    assert received["traceparent"].split("-")[1] == "ab" * 16
    assert received["traceparent"].split("-")[2] != "cd" * 8  # a new span at each hop


def test_the_govstack_client_headers_are_accepted(country: Country) -> None:
    for name in ("X-GovStack-Client", "Information-Mediator-Client"):
        response = call(country, "GET", ECHO + "/data/x", headers={name: "DEMO/GOV/SIB/benefits"})
        assert response.status_code == 200, response.text
        assert response.headers["X-Road-Client"] == "DEMO/GOV/SIB/benefits"


def test_hop_by_hop_and_gateway_headers_do_not_pass(country: Country) -> None:
    response = call(country, "GET", ECHO + "/data/x", headers={**SIB, "Proxy-Authorization": "secret", "TE": "trailers",
                                                                "X-Road-Request-Hash": "forged", "X-Custom": "kept"})
    received = {k.lower() for k, _v in response.json()["headers"]}
    assert "proxy-authorization" not in received and "te" not in received and "x-road-request-hash" not in received
    assert "x-tenfold-signature" not in received
    assert "x-custom" in received
    assert "proxy-authenticate" not in {k.lower() for k in response.headers}


def test_redirects_are_passed_back_not_followed(country: Country) -> None:
    response = call(country, "GET", ECHO + "/redirect", headers=SIB)
    assert response.status_code == 302
    assert response.headers["Location"] == "/somewhere-else"


def test_a_provider_error_passes_through_unchanged(country: Country) -> None:
    response = call(country, "GET", ECHO + "/fail", headers=SIB)
    assert response.status_code == 418
    assert response.json() == {"error": "teapot"}
    assert "X-Road-Error" not in response.headers
    assert response.headers["X-App-Error"] == "yes"


@pytest.mark.parametrize(("headers", "path", "status", "kind"), [
    ({}, ECHO + "/data/x", 400, "Client.InvalidClientIdentifier"),
    ({"X-Road-Client": "DEMO/GOV"}, ECHO + "/data/x", 400, "Client.InvalidClientIdentifier"),
    ({"X-Road-Client": "DEMO/GOV/SIB/ben efits"}, ECHO + "/data/x", 400, "Client.InvalidClientIdentifier"),
    ({"X-Road-Client": "DEMO/GOV/POP/registry"}, ECHO + "/data/x", 403, "Server.ClientProxy.UnknownMember"),
    ({"X-Road-Client": "DEMO/GOV/SIB/nobody"}, ECHO + "/data/x", 403, "Server.ClientProxy.UnknownMember"),
    (SIB, "/r1/DEMO/GOV/POP/registry", 404, "Client.BadRequest"),
    (SIB, "/r1/DEMO/GOV/NOPE/registry/echo/x", 404, "Server.ClientProxy.UnknownMember"),
    (SIB, "/r1/DEMO/GOV/POP/registry/nothing/x", 404, "Server.ServerProxy.UnknownService"),
    (SIB, "/r1/DEMO/GOV/POP/regi%20stry/echo/x", 400, "Client.BadRequest"),
    (SIB, ECHO + "/admin", 403, "Server.ServerProxy.AccessDenied"),
    (SIB, ECHO + "/data/%2e%2e/admin", 400, "Client.BadRequest"),
    ({**SIB, "X-Road-UserId": "x" * 65}, ECHO + "/data/x", 400, "Client.BadRequest"),
    ({**SIB, "X-Road-Represented-Party": "a/b/c"}, ECHO + "/data/x", 400, "Client.BadRequest"),
])
def test_refusals_carry_the_x_road_error(country: Country, headers: dict[str, str], path: str, status: int, kind: str) -> None:
    response = call(country, "GET", path, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["X-Road-Error"] == kind
    body = response.json()
    assert body["type"] == kind and body["message"] and body["detail"]


def test_access_rights_restrict_methods_and_paths(country: Country) -> None:
    assert call(country, "DELETE", ECHO + "/data/x", headers=SIB).status_code == 403
    assert call(country, "GET", ECHO + "/people/abc", headers=SIB).status_code == 200
    assert call(country, "GET", ECHO + "/people/abc/more", headers=SIB).status_code == 403


def test_an_oversized_body_is_refused_with_413(country: Country) -> None:
    response = call(country, "POST", ECHO + "/data/x", headers=SIB, content=b"x" * (country.settings.max_body_bytes + 1))
    assert response.status_code == 413
    assert response.headers["X-Road-Error"] == "Client.BadRequest"


def test_the_request_hash_is_the_x_road_one(country: Country) -> None:
    """The consumer gateway checks it; here we recompute it from what the provider application saw."""
    response = call(country, "POST", ECHO + "/data/h", content=b'{"a":1}', headers={**SIB, "Content-Type": "application/json"})
    assert response.status_code == 200
    assert len(base64.b64decode(response.headers["X-Road-Request-Hash"])) == hashlib.sha512().digest_size


def test_healthz_metrics_and_openapi_are_served(country: Country) -> None:
    with httpx.Client(base_url=country.url("POP"), timeout=10) as client:
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["globalconf"] == "valid"
        metrics = client.get("/metrics").text
        assert "exchange_messages_total" in metrics and "exchange_globalconf_expires_timestamp" in metrics
        assert "process_resident_memory_bytes" in metrics
        assert "EE38001085718" not in metrics
        document = client.get("/openapi.json").json()
        assert "/api/v1/rights/allow" in document["paths"]
        assert any(p.endswith("/pub/v1/{eventType}") for p in document["paths"])
        assert any(p.endswith("/listMethods") for p in document["paths"])


def test_operational_monitoring_keeps_metadata_without_payloads_or_personal_ids(country: Country) -> None:
    person = "49005170120"
    response = call(country, "POST", ECHO + f"/people/{person}", json={"query": {"content": {"ID": person}}},
                    headers={**SIB, "X-Road-UserId": "EE" + person})
    assert response.status_code == 200
    with httpx.Client(base_url=country.url("POP"), timeout=10) as client:
        records = client.get("/api/v1/opmon", params={"limit": 50}).json()
        metrics = client.get("/metrics").text
    mine = [r for r in records if r["message_id"] == response.headers["X-Road-Id"]]
    assert mine and mine[0]["client"] == "DEMO/GOV/SIB/benefits" and mine[0]["service"] == "DEMO/GOV/POP/registry/echo"
    assert mine[0]["status"] == 200 and mine[0]["request_bytes"] > 0 and mine[0]["role"] == "provider"
    assert person not in str(records) and person not in metrics


def test_headers_that_are_not_utf8_are_refused_or_logged_safely(country: Country) -> None:
    """A header value in bytes that are not UTF-8 never breaks the message log of anyone."""
    import socket

    port = int(country.url("SIB").rsplit(":", 1)[1])

    def raw(extra: bytes) -> bytes:  # /redirect: the echo application itself would choke on echoing such a header
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(b"GET " + ECHO.encode() + b"/redirect HTTP/1.1\r\nHost: x\r\nX-Road-Client: DEMO/GOV/SIB/benefits\r\n"
                               + extra + b"Connection: close\r\n\r\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        return answer

    refused = raw(b"X-Road-Purpose: caf\xe9\r\n")
    assert refused.startswith(b"HTTP/1.1 400") and b"Client.BadRequest" in refused
    served = raw(b"Content-Type: text/plain; name=caf\xe9\r\n")
    assert served.startswith(b"HTTP/1.1 302")
    assert call(country, "GET", ECHO + "/data/after", headers=SIB).status_code == 200


def test_made_up_identifiers_do_not_become_metric_labels(country: Country) -> None:
    for n in range(3):
        call(country, "GET", f"/r1/DEMO/GOV/POP/registry/made-up-{n}/x", headers=SIB)
        call(country, "GET", ECHO + "/data/x", headers={"X-Road-Client": f"DEMO/GOV/SIB/nobody{n}"})
    metrics = httpx.get(country.url("SIB") + "/metrics").text + httpx.get(country.url("POP") + "/metrics").text
    assert "made-up-" not in metrics and "nobody" not in metrics
    assert 'service="DEMO/GOV/POP/registry/echo"' in metrics
