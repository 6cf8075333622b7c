"""Schemathesis drives every operation of the registry OpenAPI document: no input may cause a
5xx. The member's real registries are the path enums, so most calls reach the service."""

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from tenfold.registries import open_service
from tenfold.registries.api import create_registry_app
from tenfold.storage import make_engine
from tests.fuzzing import assert_reached, schema_of, scratch

from .conftest import MOTHER, POP_REGISTRIES, SIB, person


def _app():  # type: ignore[no-untyped-def]
    directory = scratch("tenfold-registry-fuzz-")
    service = open_service(make_engine(f"sqlite:///{directory / 'pop.sqlite'}"), "DEMO/GOV/POP", POP_REGISTRIES)
    app = create_registry_app(service)
    TestClient(app).post("/data/persons/1.0/create", json={"write": {"content": person(MOTHER)}}, headers=SIB)
    return app


schema = schema_of(_app())
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_service() -> None:
    # Runs after the fuzz tests (file order): some generated calls must have been accepted,
    # otherwise the header and path enums would only ever exercise the refusals.
    assert_reached(STATUSES)

