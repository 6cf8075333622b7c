"""Schemathesis drives every operation of the provider's OpenAPI document (discovery, JWKS,
userinfo, eSignet client management, the services offered through the exchange): no input may
cause a 5xx."""

from hypothesis import HealthCheck, settings

from tenfold.identity import IdentitySettings, StaticPersons, open_provider
from tenfold.identity.api import create_identity_app
from tenfold.storage import make_engine
from tests.identity.idp import new_person_id, person_record
from tests.fuzzing import assert_reached, schema_of, scratch


def _app():  # type: ignore[no-untyped-def]
    directory = scratch("tenfold-idp-fuzz-")
    code = new_person_id()
    people = StaticPersons({code: person_record(code)})
    provider = open_provider(make_engine(f"sqlite:///{directory / 'idp.sqlite'}"), "http://127.0.0.1:9", people,
                             IdentitySettings(scrypt_n=2**10))
    provider.accounts.enrol(code)
    return create_identity_app(provider)


schema = schema_of(_app())
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_service() -> None:
    assert_reached(STATUSES)
