"""Schemathesis drives every operation of the Consent API: no input may cause a 5xx."""

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from tenfold.consent import open_consent
from tenfold.consent.api import create_consent_app
from tenfold.storage import make_engine


def _app():  # type: ignore[no-untyped-def]
    directory = Path(tempfile.mkdtemp(prefix="tenfold-consent-fuzz-"))
    return create_consent_app(open_consent(make_engine(f"sqlite:///{directory / 'consent.sqlite'}"), directory))


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_service() -> None:
    assert STATUSES, "the fuzz tests did not run"
    assert any(200 <= s < 300 for s in STATUSES) and any(400 <= s < 500 for s in STATUSES)
