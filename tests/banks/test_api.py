"""The bank's payment-files service: only its customer may post files; answers are pulled in
order after a cursor."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tenfold.banks import BankSimulator
from tenfold.banks.api import create_bank_app
from tests.banks.test_simulator import TREASURY, payment_file


def test_the_payment_files_service(bank: BankSimulator) -> None:
    client = TestClient(create_bank_app(bank, worker=False))
    tre = {"X-Road-Client": TREASURY, "Content-Type": "application/xml"}
    assert client.post("/files", content=payment_file([1]), headers={**tre, "X-Road-Client": "DEMO/GOV/SIB/benefits"}).status_code == 403
    assert client.post("/files", content=b"", headers=tre).status_code == 400
    assert client.post("/files", content=payment_file([1]), headers={"Content-Type": "application/xml"}).status_code == 400
    assert client.get("/files/BAAAAAAAAAAA-BANK1", headers=tre).status_code == 404
    posted = client.post("/files", content=payment_file([1, 3]), headers=tre)
    assert posted.status_code == 202 and posted.json()["credited"] == 2
    assert client.get("/files/BAAAAAAAAAAA-BANK1", headers=tre).json() == {"messageId": "BAAAAAAAAAAA-BANK1", "held": True}
    first = client.get("/messages?after=0&limit=1", headers=tre).json()
    assert [m["kind"] for m in first["messages"]] == ["pain.002"]
    rest = client.get(f"/messages?after={first['next']}", headers=tre).json()
    assert [m["kind"] for m in rest["messages"]] == ["camt.054"]
    assert client.get(f"/messages?after={rest['next']}", headers=tre).json()["messages"] == []
    assert client.get("/messages?after=0", headers={"X-Road-Client": "DEMO/GOV/SIB/benefits"}).json()["messages"] == []
    assert client.get("/messages?after=-1", headers=tre).status_code == 400
