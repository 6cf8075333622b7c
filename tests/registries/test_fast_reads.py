"""The lean path for read and exists answers exactly as the FastAPI routes do: same status,
headers and bytes, same usage-log entries, same metrics label; anything else goes to FastAPI."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tenfold.registries import RegistryService
from tenfold.registries import api as registry_api
from tenfold.registries.api import create_registry_app
from tenfold.registries.tables import usage

from .conftest import FATHER, MOTHER, SIB, person


@pytest.fixture
def both(pop_sqlite: RegistryService) -> tuple[TestClient, TestClient]:
    fast = create_registry_app(pop_sqlite)
    plain = create_registry_app(pop_sqlite)
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not registry_api.FastReads]
    return TestClient(fast), TestClient(plain)


def _usage(service: RegistryService) -> list[dict[str, Any]]:
    with service.engine.connect() as connection:
        rows = connection.execute(select(usage).order_by(usage.c.id)).mappings()
        return [{k: v for k, v in r.items() if k not in ("id", "read_at")} for r in rows]


BODY = {"query": {"content": {"ID": MOTHER}}}
CASES: list[tuple[str, Any, dict[str, str]]] = [
    ("/data/persons/1.0/read", BODY, SIB),
    ("/data/persons/1.0/exists", BODY, SIB),
    ("/data/persons/1.0/read", {"query": {"content": {"ID": FATHER}}}, SIB),
    ("/data/persons/1.0/exists", {"query": {"content": {"ID": FATHER}}}, SIB),
    ("/data/persons/1.0/read", {"query": {"content": {"ID": "123"}}}, SIB),
    ("/data/persons/1.0/read", {"query": {"content": {"shoeSize": 42}}}, SIB),
    ("/data/persons/1.0/read", {"query": {"content": {}}}, SIB),
    ("/data/persons/1.0/read", {"query": {"content": {"householdId": "H-1"}}}, SIB),
    ("/data/persons/9.9/read", BODY, SIB),
    ("/data/incomes/1.0/read", BODY, SIB),
    ("/data/persons/1.0/read", {"query": {"content": {"ID": MOTHER}}, "extra": 1}, SIB),
    ("/data/persons/1.0/read", {"query": {"content": [MOTHER]}}, SIB),
    ("/data/persons/1.0/read", BODY, {}),
    ("/data/persons/1.0/read", BODY, {"X-Road-Client": "not a client"}),
    ("/data/persons/1.0/read", BODY, {**SIB, "X-Road-UserId": "x" * 65}),
    ("/data/persons/1.0/read", BODY, {"x-govstack-client": "DEMO/GOV/SIB/benefits", "x-road-id": "m-1"}),
    ("/data/persons/1.0/read/", BODY, SIB),
]


@pytest.mark.parametrize(("path", "body", "headers"), CASES)
def test_the_lean_path_answers_as_fastapi_does(both, pop_sqlite, path, body, headers) -> None:  # type: ignore[no-untyped-def]
    fast, plain = both
    plain.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    answers = []
    for client in (fast, plain):
        before = len(_usage(pop_sqlite))
        response = client.post(path, json=body, headers=headers)
        answers.append((response.status_code, sorted(response.headers.items()), response.content, _usage(pop_sqlite)[before:]))
    if answers[0][0] >= 400:
        assert b'"detail"' in answers[0][2]
    assert answers[0] == answers[1]


@pytest.mark.parametrize("raw", [b"", b"{", b'{"query": {"content": {"ID": 1e400}}}', b"[]", b'{"query": 1}'])
def test_bodies_that_are_not_the_plain_case_answer_as_fastapi_does(both, raw) -> None:  # type: ignore[no-untyped-def]
    fast, plain = both
    answers = [client.post("/data/persons/1.0/read", content=raw, headers={**SIB, "Content-Type": "application/json"})
               for client in (fast, plain)]
    assert [(a.status_code, a.content) for a in answers][0] == [(a.status_code, a.content) for a in answers][1]
    assert answers[0].status_code in (400, 422)


def test_the_lean_path_is_taken_and_measured_under_the_route(both) -> None:  # type: ignore[no-untyped-def]
    fast, _plain = both
    fast.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    calls = []
    original = registry_api._REPLIES["read"]
    registry_api._REPLIES["read"] = lambda *args: calls.append(args) or original(*args)  # type: ignore[func-returns-value]
    try:
        assert fast.post("/data/persons/1.0/read", json=BODY, headers=SIB).status_code == 200
    finally:
        registry_api._REPLIES["read"] = original
    assert len(calls) == 1
    metrics = fast.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/data/{registry}/{version}/read",status="200"} 1.0' in metrics


def test_other_content_types_and_oversized_bodies_go_to_fastapi(both) -> None:  # type: ignore[no-untyped-def]
    fast, plain = both
    for client in (fast, plain):
        client.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    text = '{"query": {"content": {"ID": "%s"}}}' % MOTHER
    for headers in ({**SIB, "Content-Type": "application/json; charset=utf-8"}, {**SIB, "Content-Type": "text/plain"}, SIB):
        answers = [client.post("/data/persons/1.0/read", content=text, headers=headers) for client in (fast, plain)]
        assert (answers[0].status_code, answers[0].content) == (answers[1].status_code, answers[1].content)
    huge = b'{"query": {"content": {"ID": "' + b"1" * (2 * 1024 * 1024) + b'"}}}'
    answers = [client.post("/data/persons/1.0/read", content=huge, headers={**SIB, "Content-Type": "application/json"}) for client in (fast, plain)]
    assert answers[0].status_code == answers[1].status_code == 413


def test_a_query_is_checked_field_by_field_exactly_as_by_the_whole_schema() -> None:
    from hypothesis import given, settings, strategies as st

    from tenfold.registries.schema import RecordInvalid, catalogue

    schemas = [catalogue().get(r, v) for r in catalogue().registries() for v in catalogue().versions(r)]
    assert all(s._field_validators is not None for s in schemas)
    values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                       st.sampled_from([MOTHER, FATHER, "F", "M", "alive", "2020-01-01", "2020-13-01", "EE38001085718", "+3725551234"]))

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(schemas), st.data())
    def check(schema, data):  # type: ignore[no-untyped-def]
        names = data.draw(st.lists(st.sampled_from(sorted(schema.properties)), min_size=1, max_size=3, unique=True))
        content = {name: data.draw(values) for name in names}
        whole = list(schema._partial_validator.iter_errors(content))
        try:
            schema.validate_partial(content, ("query", "content"))
            refused = False
        except RecordInvalid:
            refused = True
        assert refused == bool(whole)

    check()


def test_a_read_waits_for_another_writer_of_the_file_and_logs_its_usage(pop_sqlite, both) -> None:  # type: ignore[no-untyped-def]
    # The gateway commits its message log in the same SQLite file: the read waits for the
    # lock (in short steps) and answers with its usage entry on record.
    import sqlite3
    import threading

    fast, _plain = both
    fast.post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    before = len(_usage(pop_sqlite))
    other = sqlite3.connect(pop_sqlite.engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, other.execute, ("COMMIT",)).start()
    answer = fast.post("/data/persons/1.0/read", json=BODY, headers=SIB)
    assert answer.status_code == 200 and answer.json()["content"]["ID"] == MOTHER
    assert len(_usage(pop_sqlite)) == before + 1
    with pop_sqlite.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
