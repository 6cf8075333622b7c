"""Access rights: deny by default, managed through the GovStack IM configuration API, every
change audited whether it succeeded or not."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tenfold.exchange.tables import admin_audit
from tests.exchange.conftest import ECHO, SIB
from tests.exchange.country import Country


def rights(service: str = "echo", client: str = "benefits", member: str = "SIB", **extra: Any) -> list[dict[str, Any]]:
    return [{"memberClass": "GOV", "memberCode": "POP", "applicationId": "registry", "serviceId": service,
             "rights": [{"memberClass": "GOV", "memberCode": member, "applicationId": client, **extra}]}]


def audit(country: Country) -> list[dict[str, Any]]:
    with country.engine("POP").connect() as connection:
        return [dict(r) for r in connection.execute(select(admin_audit).order_by(admin_audit.c.id)).mappings()]


def test_deny_then_allow_again_changes_what_a_client_may_do(fresh_country: Country) -> None:
    pop = httpx.Client(base_url=fresh_country.url("POP"), timeout=30)
    sib = httpx.Client(base_url=fresh_country.url("SIB"), timeout=30)
    assert sib.get(ECHO + "/data/x", headers=SIB).status_code == 200
    assert pop.patch("/api/v1/rights/deny", json=rights(), headers={"X-Road-UserId": "EE-admin-1"}).status_code == 200
    refused = sib.get(ECHO + "/data/x", headers=SIB)
    assert refused.status_code == 403 and refused.headers["X-Road-Error"] == "Server.ServerProxy.AccessDenied"
    assert pop.patch("/api/v1/rights/allow", json=rights(methods=["GET"], paths=["/data/*"])).status_code == 200
    assert sib.get(ECHO + "/data/x", headers=SIB).status_code == 200
    assert sib.post(ECHO + "/data/x", headers=SIB).status_code == 403
    listed = pop.get("/api/v1/rights/allow", params={"serviceId": "echo"}).json()["allowList"]
    [echo] = listed
    assert {(r["applicationId"], tuple(r["methods"]), tuple(r["paths"])) for r in echo["rights"]} >= {("benefits", ("GET",), ("/data/*",))}
    entries = audit(fresh_country)
    assert [(e["action"], e["outcome"], e["actor"]) for e in entries[:2]] == [
        ("rights.deny", "succeeded", "EE-admin-1"), ("rights.allow", "succeeded", "operator@loopback")]


def test_a_refused_change_is_audited_too(fresh_country: Country) -> None:
    pop = httpx.Client(base_url=fresh_country.url("POP"), timeout=30)
    for body in (rights(service="nothing"), rights(client="nobody"), [{"memberClass": "GOV"}], "not json"):
        response = pop.patch("/api/v1/rights/allow", content=body if isinstance(body, str) else None,
                             json=None if isinstance(body, str) else body)
        assert response.status_code == 400, response.text
    response = pop.patch("/api/v1/rights/allow", json=rights(paths=["/a/**/b"]))
    assert response.status_code == 400
    outcomes = [(e["action"], e["outcome"]) for e in audit(fresh_country)]
    assert outcomes == [("rights.allow", "failed")] * 5
    assert all(e["error"] for e in audit(fresh_country))


def test_the_rights_list_pages(fresh_country: Country) -> None:
    pop = httpx.Client(base_url=fresh_country.url("POP"), timeout=30)
    first = pop.get("/api/v1/rights/allow", params={"pageSize": 1}).json()
    assert len(first["allowList"]) == 1 and first["nextPageToken"]
    second = pop.get("/api/v1/rights/allow", params={"pageSize": 1, "nextPageToken": first["nextPageToken"]}).json()
    assert second["allowList"] != first["allowList"]
    assert pop.get("/api/v1/rights/allow", params={"nextPageToken": "???"}).status_code == 400
