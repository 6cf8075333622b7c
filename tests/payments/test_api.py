"""The treasury's HTTP API (GovStack Payments paths): status codes, the caller's scope, signed
callbacks that a receiver can verify."""

from __future__ import annotations

import http.server
import threading
from typing import Any, Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from tenfold.payments import callbacks
from tenfold.payments.api import create_payments_app
from tests.payments.world import PROGRAM, SIB, World, payee

HEADERS = {"X-Road-Client": SIB, "X-CorrelationID": "K1", "X-Program-Id": PROGRAM}


def _batch(numbers: list[int], amount: Any = 80.5) -> list[dict[str, Any]]:
    return [{"requestId": f"A{n}", "creditParty": [{"key": "payeeIdentity", "value": payee(n)}], "amount": amount, "currency": "EUR",
             "descriptionText": "Child allowance"} for n in numbers]


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_payments_app(world.treasury, worker=False))


def test_a_batch_is_accepted_replayed_and_refused_by_the_rules(client: TestClient) -> None:
    first = client.post("/batchtransactions?type=raw", json=_batch([1, 2]), headers=HEADERS)
    assert first.status_code == 202 and first.json()["accepted"] == 2 and first.json()["acceptedAmount"] == "161.00"
    assert first.headers["Location"] == f"/batchtransactions/{first.json()['batchId']}"
    again = client.post("/batchtransactions?type=raw", json=_batch([1, 2]), headers=HEADERS)
    assert again.status_code == 202 and again.json()["replay"] and again.json()["batchId"] == first.json()["batchId"]
    changed = client.post("/batchtransactions?type=raw", json=_batch([1, 2], amount="80.51"), headers=HEADERS)
    assert changed.status_code == 409 and "K1" in changed.json()["detail"]
    assert client.post("/batchtransactions?type=raw", json=_batch([1], amount=10.005), headers={**HEADERS, "X-CorrelationID": "K2"}).status_code == 400
    assert client.post("/batchtransactions?type=raw", json=_batch([1], amount=10**10), headers={**HEADERS, "X-CorrelationID": "K3"}).status_code == 400
    assert client.post("/batchtransactions?type=raw", json=_batch([3], amount=9_999_999), headers={**HEADERS, "X-CorrelationID": "K4"}).status_code == 422
    assert client.post("/batchtransactions?type=raw", json=_batch([3]), headers={**HEADERS, "X-Program-Id": "NOPE", "X-CorrelationID": "K5"}).status_code == 404
    no_caller = {k: v for k, v in HEADERS.items() if k != "X-Road-Client"}
    assert client.post("/batchtransactions?type=raw", json=_batch([3]), headers={**no_caller, "X-CorrelationID": "K6"}).status_code == 400
    status = client.get(f"/batchtransactions/{first.json()['batchId']}").json()
    assert (status["TotalTransactions"], status["ongoing"], status["totalAmount"]) == (2, 2, "161.00")


def test_instructions_and_beneficiaries_are_seen_only_by_their_institution(client: TestClient) -> None:
    client.post("/batchtransactions?type=raw", json=_batch([1]), headers=HEADERS)
    assert client.get("/instructions/A1", headers={"X-Road-Client": SIB}).json()["state"] == "accepted"
    assert client.get("/instructions/A1", headers={"X-Road-Client": "DEMO/GOV/PORTAL/portal"}).status_code == 404
    assert client.get(f"/identityAccountMapper/beneficiary/{payee(1)}", headers={"X-Registering-Institution-ID": SIB}).status_code == 200
    assert client.get(f"/identityAccountMapper/beneficiary/{payee(1)}", headers={"X-Road-Client": "DEMO/GOV/PEN/pensions"}).status_code == 404
    found = client.post("/identityAccountMapper/beneficiaries/lookup", json={"payeeIdentities": [payee(1), "NOBODY"]},
                        headers={"X-Road-Client": SIB}).json()
    assert [f["payeeIdentity"] for f in found["found"]] == [payee(1)] and found["notFound"] == ["NOBODY"]


def test_a_retry_of_a_payment_that_did_not_fail_is_refused(client: TestClient) -> None:
    client.post("/batchtransactions?type=raw", json=_batch([1]), headers=HEADERS)
    assert client.post("/instructions/A1/retry", headers={"X-Road-Client": SIB}).status_code == 409


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/payment-results"
    server.shutdown()


def test_the_program_gets_a_signed_callback_when_its_batch_is_complete(world: World, client: TestClient, receiver: str) -> None:
    accepted = client.post("/batchtransactions?type=raw", json=_batch([1, 2, 99]), headers={**HEADERS, "X-Callback-URL": receiver})
    assert accepted.status_code == 202 and [r["reasonCode"] for r in accepted.json()["refused"]] == ["TF01"]
    world.settle(until=lambda: bool(_Receiver.received))
    headers, body = _Receiver.received[-1]
    key = client.get("/callbacks/keys").json()["keys"][0]
    assert callbacks.verify(headers[callbacks.HEADER], body, key["x"])
    assert not callbacks.verify(headers[callbacks.HEADER], body.replace(b"completed", b"COMPLETED"), key["x"])
    status = orjson.loads(body)
    assert (status["batchId"], status["completed"], status["failed"]) == (accepted.json()["batchId"], 2, 1)
    assert status["failures"][0]["requestId"] == "A99" and status["failures"][0]["reasonCode"] == "TF01"
    assert headers["X-Road-Client"] == "DEMO/GOV/TRE/payments"


def test_callbacks_go_only_to_allowed_hosts(client: TestClient) -> None:
    response = client.post("/batchtransactions?type=raw", json=_batch([1]), headers={**HEADERS, "X-Callback-URL": "http://example.com/x"})
    assert response.status_code == 400 and "callbacks may only go to" in response.json()["detail"]


def test_declared_control_totals_must_hold(client: TestClient) -> None:
    wrong = client.post("/batchtransactions?type=raw", json=_batch([1, 2]), headers={**HEADERS, "X-Control-Count": "3"})
    assert wrong.status_code == 400 and "X-Control-Count" in wrong.json()["detail"]
    wrong = client.post("/batchtransactions?type=raw", json=_batch([1, 2]), headers={**HEADERS, "X-Control-Sum": "161.01"})
    assert wrong.status_code == 400 and "161.00" in wrong.json()["detail"]
    right = client.post("/batchtransactions?type=raw", json=_batch([1, 2]), headers={**HEADERS, "X-Control-Count": "2", "X-Control-Sum": "161.00"})
    assert right.status_code == 202
