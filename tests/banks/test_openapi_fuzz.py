"""Schemathesis over the simulated bank's payment-files API: no input causes a 5xx."""

from hypothesis import HealthCheck, settings

from tenfold.banks import open_bank
from tenfold.banks.api import create_bank_app
from tenfold.storage import make_engine
from tests.fuzzing import assert_reached, schema_of, scratch

DIRECTORY = scratch("tenfold-bank-fuzz-")
BANK = open_bank("BANK1", make_engine(f"sqlite:///{DIRECTORY / 'bank1.sqlite'}"))
schema = schema_of(create_bank_app(BANK, worker=False))
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call(headers={"X-Road-Client": "DEMO/GOV/TRE/payments"})
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_bank() -> None:
    assert_reached(STATUSES)
