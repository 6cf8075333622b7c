"""The IM directory (listClients, listMethods, allowedMethods, getOpenAPI) and the data tracker
(findUsage) as a member application reaches them through its own gateway."""

from __future__ import annotations

from datetime import date

import httpx

from tenfold.exchange import tracker
from tenfold.ids import isikukood
from tenfold.topology import PersonReference
from tests.exchange.conftest import ECHO, SIB
from tests.exchange.country import Country

POP_REGISTRY = "/r1/DEMO/GOV/POP/registry"
PERSON = isikukood.generate(date(1990, 5, 17), "F", 12)
OTHER = isikukood.generate(date(1961, 2, 3), "M", 7)


def get(country: Country, path: str, headers: dict[str, str] | None = None, member: str = "SIB") -> httpx.Response:
    with httpx.Client(base_url=country.url(member), timeout=30) as client:
        return client.get(path, headers=SIB if headers is None else headers)


def test_list_methods_lists_services_with_their_endpoints(country: Country) -> None:
    listed = get(country, POP_REGISTRY + "/listMethods").json()["member"]
    assert {s["serviceCode"] for s in listed} == {"echo", "findUsage"}
    echo = next(s for s in listed if s["serviceCode"] == "echo")
    endpoints = {(e["method"], e["path"]) for e in echo["endpointList"]["member"]}
    assert endpoints == {("GET", "/data/{name}"), ("GET", "/people/{id}"), ("POST", "/people/{id}"), ("DELETE", "/admin")}


def test_allowed_methods_are_the_callers_subset_of_list_methods(country: Country) -> None:
    listed = get(country, POP_REGISTRY + "/listMethods").json()["member"]
    allowed = get(country, POP_REGISTRY + "/allowedMethods").json()["member"]
    every = {(s["serviceCode"], e["method"], e["path"]) for s in listed for e in s["endpointList"]["member"]}
    mine = {(s["serviceCode"], e["method"], e["path"]) for s in allowed for e in s["endpointList"]["member"]}
    assert mine < every
    assert ("echo", "DELETE", "/admin") not in mine
    assert ("echo", "POST", "/people/{id}") in mine


def test_get_openapi_returns_the_service_document(country: Country) -> None:
    document = get(country, POP_REGISTRY + "/getOpenAPI?serviceCode=echo").json()
    assert document["info"]["title"] == "echo"
    assert get(country, POP_REGISTRY + "/getOpenAPI?serviceCode=nothing").status_code == 404
    assert get(country, POP_REGISTRY + "/getOpenAPI").status_code == 400


def test_list_clients_names_members_and_subsystems(country: Country) -> None:
    listed = get(country, "/listClients", headers={}).json()["member"]
    ids = {(c["id"]["objectType"], c["id"]["memberCode"], c["id"].get("applicationCode")) for c in listed}
    assert ("MEMBER", "POP", None) in ids and ("SUBSYSTEM", "SIB", "benefits") in ids


def test_a_read_that_concerns_a_person_is_in_the_data_tracker(country: Country) -> None:
    with httpx.Client(base_url=country.url("SIB"), timeout=30) as client:
        read = client.post(ECHO + "/data/persons", json={"query": {"content": {"ID": PERSON}}},
                           headers={**SIB, "X-Road-Purpose": "child benefit", "X-Road-UserId": "EE" + OTHER, "X-Road-Issue": "case-7"})
        assert read.status_code == 200
        usage = client.get(POP_REGISTRY + "/findUsage", params={"personId": PERSON}, headers=SIB).json()["usage"]
    entry = next(u for u in usage if u["messageId"] == read.headers["X-Road-Id"])
    assert entry["client"] == "DEMO/GOV/SIB/benefits" and entry["receiver"] == "DEMO/GOV/SIB"
    assert entry["service"] == "DEMO/GOV/POP/registry/echo"
    assert (entry["purpose"], entry["userId"], entry["issue"]) == ("child benefit", "EE" + OTHER, "case-7")


def test_find_usage_is_newest_first_and_pages(country: Country) -> None:
    ids = []
    for _ in range(3):
        response = get(country, ECHO + f"/people/{OTHER}")
        ids.append(response.headers["X-Road-Id"])
    first = get(country, POP_REGISTRY + f"/findUsage?personId={OTHER}&limit=2").json()["usage"]
    second = get(country, POP_REGISTRY + f"/findUsage?personId={OTHER}&limit=2&offset=2").json()["usage"]
    assert [u["messageId"] for u in first] == ids[::-1][:2]
    assert second[0]["messageId"] == ids[0]
    assert get(country, POP_REGISTRY + "/findUsage?personId=123").status_code == 400


def test_find_usage_needs_a_right(country: Country) -> None:
    response = get(country, POP_REGISTRY + f"/findUsage?personId={PERSON}", headers={"X-Road-Client": "DEMO/GOV/POP/registry"},
                   member="POP")
    assert response.status_code == 403
    assert response.headers["X-Road-Error"] == "Server.ServerProxy.AccessDenied"


def test_persons_are_found_in_body_query_path_and_represented_party() -> None:
    finder = tracker.PersonFinder.of([PersonReference(body="query.content.ID"), PersonReference(query="personId"),
                                      PersonReference(path="/people/{id}/**"), PersonReference(header=True)])
    body = b'{"query": {"content": {"ID": "%s"}}}' % PERSON.encode()
    assert finder.persons("/x", "", body, None) == [PERSON]
    assert finder.persons("/x", f"personId={OTHER}", b"", None) == [OTHER]
    assert finder.persons(f"/people/{OTHER}/records", "", b"", None) == [OTHER]
    assert finder.persons("/x", "", b"", f"PERSON/EE{OTHER}") == [OTHER]
    assert finder.persons("/x", "personId=B123456", b'{"query": {"content": {"ID": "BIRTH-1"}}}', "COM/12345") == []
    assert finder.persons("/x", "", b"not json {", None) == []
