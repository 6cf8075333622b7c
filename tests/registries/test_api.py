"""The HTTP surface: GovStack shapes, the harness's old spellings, and bad input as 4xx."""

from sqlalchemy import func, select

from tenfold.registries.tables import records

from .conftest import CHILD, FATHER, MOTHER, SIB, person


def _records(client) -> int:  # type: ignore[no-untyped-def]
    engine = client.app.state.service.engine
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(records)).scalar_one())


def test_create_read_exists_list_and_delete(client) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    assert created.status_code == 200 and created.json()["content"]["ID"] == MOTHER
    read = client.post("/data/persons/1.0/read", json={"query": {"content": {"ID": MOTHER}}}, headers=SIB)
    assert read.json() == {"content": person(MOTHER)}
    found = client.post("/data/persons/1.0/exists", json={"query": {"content": {"ID": MOTHER}}}, headers=SIB)
    assert found.json()["answer"]["status"] is True
    missing = client.post("/data/persons/1.0/read", json={"query": {"content": {"ID": FATHER}}}, headers=SIB)
    assert (missing.status_code, missing.json()) == (404, {"detail": "no record found"})
    absent = client.post("/data/persons/1.0/exists", json={"query": {"content": {"ID": FATHER}}}, headers=SIB)
    assert absent.status_code == 200 and absent.json()["answer"] == {"status": False, "message": "Object not found from database"}
    listed = client.get(f"/data/persons/1.0?query.ID={MOTHER}", headers=SIB).json()
    assert (listed["count"], listed["next"], listed["previous"], len(listed["results"])) == (1, None, None, 1)
    assert client.delete(f"/data/persons/1.0/{MOTHER}/delete", headers=SIB).status_code == 204
    assert client.delete(f"/data/persons/1.0/{MOTHER}/delete", headers=SIB).status_code == 404


def test_list_pages_link_to_each_other(client) -> None:  # type: ignore[no-untyped-def]
    for code in (MOTHER, FATHER, CHILD):
        client.post("/data/persons/1.0/create", json={"write": {"content": person(code)}}, headers=SIB)
    first = client.get("/data/persons/1.0?query.householdId=H-1&pageSize=2", headers=SIB).json()
    assert first["count"] == 3 and first["previous"] is None and "page=2" in first["next"]
    second = client.get(first["next"], headers=SIB).json()
    assert len(second["results"]) == 1 and second["next"] is None and "page=1" in second["previous"]
    legacy = client.get("/data/persons/1.0?page_size=1", headers=SIB).json()
    assert len(legacy["results"]) == 1


def test_updates_through_both_spellings(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    body = {"query": {"content": {"ID": MOTHER}}, "write": {"content": {"lastName": "Kask"}}}
    assert client.put("/data/persons/1.0/update", json=body, headers=SIB).json()["content"]["lastName"] == "Kask"
    body["write"]["content"]["lastName"] = "Mets"
    assert client.put("/data/persons/1.0/updateEntries", json=body, headers=SIB).json() == {"updated": 1}
    body["write"]["content"]["lastName"] = "Saar"
    assert client.put("/data/persons/1.0/update-entries", json=body, headers=SIB).json() == {"updated": 1}
    upsert = {"query": {"content": {"ID": "A-5"}}, "write": {"content": {
        "street": "Pikk", "house": "3", "settlement": "Tallinn", "municipality": "Tallinn", "county": "Harju maakond",
        "postalCode": "10123"}}}
    assert client.post("/data/addresses/1.0/updateOrCreate", json=upsert, headers=SIB).json()["created"] is True
    assert client.post("/data/addresses/1.0/update-or-create", json=upsert, headers=SIB).json()["created"] is False


def test_read_value_in_json_and_text(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    assert client.get(f"/data/persons/1.0/{MOTHER}/readValue/firstName.json", headers=SIB).json() == {"value": "Mari"}
    text = client.get(f"/data/persons/1.0/{MOTHER}/read-value/lastName.txt", headers=SIB)
    assert text.text == "Tamm" and text.headers["content-type"].startswith("text/plain")
    assert client.get(f"/data/persons/1.0/{MOTHER}/readValue/firstName.exe", headers=SIB).status_code == 400
    assert client.get(f"/data/persons/1.0/{MOTHER}/readValue/shoeSize.json", headers=SIB).status_code == 400
    assert client.get(f"/data/persons/1.0/{FATHER}/readValue/firstName.json", headers=SIB).status_code == 404


def test_my_personal_data_usage_shows_who_read_what_and_why(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    client.post("/data/persons/1.0/read", json={"query": {"content": {"ID": MOTHER}}}, headers={**SIB, "X-Road-Id": "msg-42"})
    [entry] = client.get(f"/data/myPersonalDataUsage?userId={MOTHER}&databaseId=persons", headers=SIB).json()
    assert entry["ReaderInstitutionID"] == "DEMO/GOV/SIB"
    assert entry["ReaderApplicationName"] == "DEMO/GOV/SIB/benefits"
    assert entry["ReaderID"] == "EE60001019906"
    assert entry["Purpose"] == "family benefits" and entry["MessageID"] == "msg-42"
    assert entry["Refrences"] == [{"ReferenceID": MOTHER, "Registry": "persons"}]
    legacy = client.get(f"/data/MyPersonalDataUsage/1.0?userID=EE{MOTHER}&DatabaseID=persons", headers=SIB)
    assert legacy.status_code == 200 and len(legacy.json()) == 1
    assert client.get("/data/MyPersonalDataUsage/1.0?userID=...&DatabaseID=MCTS", headers=SIB).status_code == 400
    assert client.get(f"/data/myPersonalDataUsage?userId={MOTHER}&databaseId=MCTS", headers=SIB).status_code == 404


def test_bad_input_is_a_clear_4xx_and_writes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    bad_check = MOTHER[:10] + str((int(MOTHER[10]) + 1) % 10)
    cases = [
        ("post", "/data/persons/1.0/create", {"content": b'{"write": {"content": ', "headers": {**SIB, "content-type": "application/json"}}, 400),
        ("post", "/data/persons/1.0/create", {"headers": SIB}, 400),
        ("post", "/data/persons/9.9/create", {"json": {"write": {"content": person(MOTHER)}}, "headers": SIB}, 404),
        ("post", "/data/pets/1.0/create", {"json": {"write": {"content": person(MOTHER)}}, "headers": SIB}, 404),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(MOTHER, shoeSize=42)}}, "headers": SIB}, 400),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(MOTHER, birthDate=1990)}}, "headers": SIB}, 400),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(bad_check)}}, "headers": SIB}, 400),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(MOTHER)}, "extra": 1}, "headers": SIB}, 400),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(MOTHER)}}}, 400),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(MOTHER)}}, "headers": {"Information-Mediator-Client": "DEMO/GOV"}}, 400),
        ("post", "/data/persons/1.0/create", {"json": {"write": {"content": person(MOTHER)}}, "headers": {"Information-Mediator-Client": "DEMO/GOV/SIB/bad client"}}, 400),
        ("post", "/data/persons/1.0/create", {"content": b'{"write": {"content": {"ID": NaN}}}', "headers": {**SIB, "content-type": "application/json"}}, 400),
        ("get", "/data/persons/1.0?pageSize=1000000000", {"headers": SIB}, 400),
        ("get", "/data/persons/1.0?page=0", {"headers": SIB}, 400),
        ("get", "/data/persons/1.0?query.shoeSize=42", {"headers": SIB}, 400),
        ("post", "/data/persons/1.0/read", {"json": {"query": {"content": {}}}, "headers": SIB}, 400),
        ("post", "/data/persons/1.0/read", {"json": {"query": {"content": {"ID": bad_check}}}, "headers": SIB}, 400),
        ("post", "/data/persons/1.0/create", {"content": b"x" * (1024 * 1024 + 1), "headers": {**SIB, "content-type": "application/json"}}, 413),
    ]
    for method, url, options, status in cases:
        response = getattr(client, method)(url, **options)
        assert response.status_code == status, (url, options.get("json"), response.text)
        detail = response.json()["detail"]
        assert detail, (url, response.text)
    assert _records(client) == 0


def test_the_openapi_document_lists_the_registries_kept_here(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/openapi.json").json()
    parameters = document["paths"]["/data/{registry}/{version}"]["get"]["parameters"]
    registry = next(p for p in parameters if p["name"] == "registry")
    assert registry["schema"]["enum"] == ["persons", "births", "deaths", "relations", "addresses"]
    assert "/data/{registry}/{version}/update-entries" not in document["paths"]
    assert client.get("/healthz").json() == {"status": "ok"}
    metrics = client.get("/metrics").text
    assert "http_requests_total" in metrics and "process_resident_memory_bytes" in metrics
