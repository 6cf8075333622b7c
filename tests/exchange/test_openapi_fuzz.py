"""Schemathesis drives every operation of a gateway's OpenAPI document (the X-Road service path,
the IM directory, pub/sub and rights APIs) against a live gateway: no input may cause a 5xx.
Identifiers are steered towards the country's real ones, so calls cross both gateways."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings

from tenfold.exchange.openapi import document_for
from tests.exchange.country import Country
from tests.fuzzing import assert_reached, schema_from

KNOWN = {"instanceId": ["DEMO"], "memberClass": ["GOV"], "memberCode": ["POP"], "roomCode": ["vital-events"],
         "applicationCode": ["registry"], "subsystemCode": ["registry"], "serviceCode": ["echo", "findUsage"],
         "eventType": ["newBirth", "death"]}
STATUSES: list[int] = []


def steered(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for parameter in item.get("parameters", []) + [p for op in item.values() if isinstance(op, dict) for p in op.get("parameters", [])]:
            if parameter.get("in") == "path" and parameter["name"] in KNOWN:
                parameter["schema"] = {"type": "string", "enum": KNOWN[parameter["name"]]}
            if parameter.get("in") == "header" and parameter["name"] in ("X-Road-Client", "X-GovStack-Client"):
                parameter["schema"] = {"type": "string", "enum": ["DEMO/GOV/SIB/benefits"]}
    return document


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Country]:
    country = Country(Path(tmp_path_factory.mktemp("fuzz"))).start()
    yield country
    country.stop()


schema = schema_from(steered(document_for("DEMO/GOV/SIB")))


def test_the_served_document_is_the_one_fuzzed(fuzzed: Country) -> None:
    served = httpx.get(fuzzed.url("SIB") + "/openapi.json").json()
    assert served["paths"].keys() == document_for("DEMO/GOV/SIB")["paths"].keys()


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, fuzzed: Country) -> None:  # type: ignore[no-untyped-def]
    response = case.call(base_url=fuzzed.url("SIB"), timeout=30)
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_provider() -> None:
    # Runs after the fuzz tests (file order): calls must have been served as well as refused.
    assert_reached(STATUSES)
