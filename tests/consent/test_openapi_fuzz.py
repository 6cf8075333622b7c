"""Schemathesis drives every operation of the Consent API: no input may cause a 5xx."""

from hypothesis import HealthCheck, settings

from tenfold.consent import open_consent
from tenfold.consent.api import create_consent_app
from tenfold.storage import make_engine
from tests.fuzzing import assert_reached, schema_of, scratch


def _app():  # type: ignore[no-untyped-def]
    directory = scratch("tenfold-consent-fuzz-")
    return create_consent_app(open_consent(make_engine(f"sqlite:///{directory / 'consent.sqlite'}"), directory))


schema = schema_of(_app())
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_service() -> None:
    assert_reached(STATUSES)
