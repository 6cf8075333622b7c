"""Schemathesis over the simulated bank's payment-files API: no input causes a 5xx."""

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from tenfold.banks import open_bank
from tenfold.banks.api import create_bank_app
from tenfold.storage import make_engine

DIRECTORY = Path(tempfile.mkdtemp(prefix="tenfold-bank-fuzz-"))
BANK = open_bank("BANK1", make_engine(f"sqlite:///{DIRECTORY / 'bank1.sqlite'}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", create_bank_app(BANK, worker=False))
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call(headers={"X-Road-Client": "DEMO/GOV/TRE/payments"})
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_bank() -> None:
    assert any(200 <= s < 300 for s in STATUSES) and any(400 <= s < 500 for s in STATUSES)
