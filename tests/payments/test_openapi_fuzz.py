"""Schemathesis drives every operation of the payments OpenAPI document: no input causes a 5xx,
and an input refused with a 4xx writes nothing."""

from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from tenfold.payments import load_directory, open_payments
from tenfold.payments.api import create_payments_app
from tenfold.payments.config import PaymentsSettings
from tenfold.payments.mapper import Beneficiary
from tenfold.payments.tables import metadata
from tenfold.storage import make_engine
from tests.fuzzing import assert_reached, schema_of, scratch
from tests.payments.world import BANKS_TOML, SIB, iban, payee

DIRECTORY = scratch("tenfold-payments-fuzz-")
(DIRECTORY / "banks.toml").write_text(BANKS_TOML)
SERVICE = open_payments(make_engine(f"sqlite:///{DIRECTORY / 'tre.sqlite'}"), load_directory(DIRECTORY / "banks.toml"),
                        PaymentsSettings(banks_file=DIRECTORY / "banks.toml", worker=False))
SERVICE.create_program("CHILD", "Child allowance", "EUR")
SERVICE.allocate("CHILD", "initial", 10**9)
SERVICE.register(SIB, [Beneficiary(payee(n), "00", iban(n)) for n in range(5)])

schema = schema_of(create_payments_app(SERVICE, worker=False))
STATUSES: list[int] = []


def _rows() -> dict[str, int]:
    with SERVICE.engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error_or_a_write_when_refused(case) -> None:  # type: ignore[no-untyped-def]
    before = _rows()
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    if 400 <= response.status_code < 500:
        changed = {k: (v, after) for (k, v), after in zip(before.items(), _rows().values()) if v != after and k != "payments_keys"}
        assert changed == {}, (case.method, case.formatted_path, response.status_code, changed)


def test_the_fuzzing_reached_the_service() -> None:
    assert_reached(STATUSES)
