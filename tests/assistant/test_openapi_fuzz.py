"""Schemathesis drives every operation of the assistant's OpenAPI document: no input may cause a 5xx."""

from hypothesis import HealthCheck, settings

from tenfold.assistant.api import create_assistant_app
from tests.fuzzing import assert_reached, schema_of, scratch

from .conftest import CORPUS, open_service


def _app():  # type: ignore[no-untyped-def]
    directory = scratch("tenfold-assistant-fuzz-")
    service = open_service(f"sqlite:///{directory / 'sib.sqlite'}")
    service.ingest([str(CORPUS / "en-child-benefit-rates.md"), str(CORPUS / "zh-taipei-childcare-allowance-amount.md")])
    return create_assistant_app(service)


schema = schema_of(_app())
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_service() -> None:
    assert_reached(STATUSES)
