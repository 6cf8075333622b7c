"""Requests with a bad signature, an unknown client, an expired configuration or a revoked
certificate are refused with the right X-Road error type, and the refusal is logged."""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime
from typing import Any, Callable

import httpx
from sqlalchemy import select

from tenfold.exchange import protocol as p
from tenfold.exchange.messagelog import decode_header
from tenfold.exchange.signing import Signer, request_digest
from tenfold.exchange.tables import messagelog
from tests.exchange.conftest import ECHO, SIB
from tests.exchange.country import Country


def until(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("not within the deadline")
        time.sleep(0.05)


def logged_errors(country: Country, code: str) -> list[str]:
    country.settle_logs()
    with country.engine(code).connect() as connection:
        entries = connection.execute(select(messagelog.c.entry).order_by(messagelog.c.seq)).scalars().all()
    return [h["error"] for h in (decode_header(bytes(e)) for e in entries) if h.get("error")]


def as_gateway(country: Country, code: str, client: str, sign_with: str | None = None, tamper: bool = False) -> httpx.Response:
    """A request straight to POP's mutual-TLS listener, made like a gateway makes it."""
    directory = country.pki.member_dir(code)
    context = ssl.create_default_context(cafile=str(country.pki.ca_cert_file))
    context.check_hostname = False
    context.load_cert_chain(directory / "tls.pem", directory / "tls.key")
    path = "/r1/DEMO/GOV/POP/registry/echo/data/x"
    headers = [("X-Road-Client", client), ("X-Road-Id", "DEMO-test"), ("X-Road-Request-Id", "req-1"),
               ("X-Tenfold-Date", datetime.now(UTC).isoformat())]
    digest = p.request_hash(p.canonical_request("GET", path, headers), b"")
    signer = Signer(*country.pki.load_pair(country.pki.member_dir(sign_with or code), "sign"))
    signature = signer.sign(request_digest(digest if not tamper else digest[::-1]))
    headers += [("X-Tenfold-Signature", p.b64(signature)), ("X-Tenfold-Signer", signer.serial)]
    with httpx.Client(verify=context, timeout=30) as client_:
        client_.headers.clear()  # exactly the signed headers (plus Host, which is not hashed)
        return client_.get(country.plan.exchange_url("POP") + path, headers=headers)


def test_a_correctly_signed_request_from_a_gateway_is_served(country: Country) -> None:
    response = as_gateway(country, "SIB", "DEMO/GOV/SIB/benefits")
    assert response.status_code == 200, response.text
    assert response.headers["X-Road-Request-Hash"] and response.headers["X-Tenfold-Signature"]


def test_a_bad_signature_is_refused_and_logged(country: Country) -> None:
    response = as_gateway(country, "SIB", "DEMO/GOV/SIB/benefits", tamper=True)
    assert response.status_code == 403
    assert response.headers["X-Road-Error"] == "Server.ServerProxy.InvalidSignatureValue"
    assert "Server.ServerProxy.InvalidSignatureValue" in logged_errors(country, "POP")


def test_a_signature_by_another_member_is_refused(country: Country) -> None:
    response = as_gateway(country, "SIB", "DEMO/GOV/SIB/benefits", sign_with="TAX")
    assert response.headers["X-Road-Error"] == "Server.ServerProxy.CertValidation"


def test_a_client_that_the_connecting_gateway_does_not_serve_is_refused(country: Country) -> None:
    response = as_gateway(country, "SIB", "DEMO/GOV/TAX/taxation")
    assert response.headers["X-Road-Error"] == "Server.ServerProxy.SslAuthenticationFailed"
    unknown = as_gateway(country, "SIB", "DEMO/GOV/SIB/nobody")
    assert unknown.headers["X-Road-Error"] == "Server.ServerProxy.UnknownMember"
    assert "Server.ServerProxy.UnknownMember" in logged_errors(country, "POP")


def test_an_unknown_client_at_the_consumer_gateway_is_refused_and_logged(country: Country) -> None:
    with httpx.Client(base_url=country.url("SIB"), timeout=30) as client:
        response = client.get(ECHO + "/data/x", headers={"X-Road-Client": "DEMO/GOV/SIB/nobody"})
    assert response.headers["X-Road-Error"] == "Server.ClientProxy.UnknownMember"
    assert "Server.ClientProxy.UnknownMember" in logged_errors(country, "SIB")


def test_an_expired_configuration_stops_the_gateway_until_central_is_back(fresh_country: Country) -> None:
    country = fresh_country
    country.central.expiry_seconds = 1
    sib = httpx.Client(base_url=country.url("SIB"), timeout=30)
    until(lambda: country.gateways["SIB"].context.conf.expires_at.timestamp() - time.time() < 2)  # type: ignore[union-attr]
    country.switch.down = True
    # POP's copy may expire first (then POP refuses as provider); SIB's own refusal follows.
    refused = until(lambda: (r := sib.get(ECHO + "/data/x", headers=SIB)).headers.get("X-Road-Error") == "Server.ClientProxy.OutdatedGlobalConf" and r)
    assert refused.status_code == 503
    assert httpx.get(country.url("POP") + "/healthz").status_code == 503
    assert "Server.ClientProxy.OutdatedGlobalConf" in logged_errors(country, "SIB")
    country.central.expiry_seconds = 600
    country.switch.down = False
    until(lambda: sib.get(ECHO + "/data/x", headers=SIB).status_code == 200)


def test_revoked_certificates_are_refused_after_the_next_refresh(fresh_country: Country) -> None:
    country = fresh_country
    sib = httpx.Client(base_url=country.url("SIB"), timeout=30)
    assert sib.get(ECHO + "/data/x", headers=SIB).status_code == 200
    revoke = httpx.post(country.plan.central_url + "/api/v1/revocations", json={"member": "DEMO/GOV/SIB", "kind": "sign"})
    assert revoke.status_code == 200 and revoke.json()["revoked"]
    refused = until(lambda: (r := sib.get(ECHO + "/data/x", headers=SIB)).status_code == 403 and r)
    assert refused.headers["X-Road-Error"] == "Server.ServerProxy.CertValidation"
    httpx.post(country.plan.central_url + "/api/v1/revocations", json={"member": "DEMO/GOV/POP", "kind": "tls"})
    gone = until(lambda: (r := sib.get(ECHO + "/data/x", headers=SIB)).status_code == 502 and r)
    assert gone.headers["X-Road-Error"] == "Server.ClientProxy.SslAuthenticationFailed"
    bad = httpx.post(country.plan.central_url + "/api/v1/revocations", json={"member": "DEMO/GOV/NOPE"})
    assert bad.status_code == 400


def test_a_revoked_tls_certificate_of_the_client_is_refused_by_the_provider(fresh_country: Country) -> None:
    country = fresh_country
    sib = httpx.Client(base_url=country.url("SIB"), timeout=30)
    assert sib.get(ECHO + "/data/x", headers=SIB).status_code == 200
    httpx.post(country.plan.central_url + "/api/v1/revocations", json={"member": "DEMO/GOV/SIB", "kind": "tls"})
    refused = until(lambda: (r := sib.get(ECHO + "/data/x", headers=SIB)).status_code == 403 and r)
    assert refused.headers["X-Road-Error"] == "Server.ServerProxy.SslAuthenticationFailed"
