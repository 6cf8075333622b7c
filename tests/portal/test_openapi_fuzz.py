"""Schemathesis drives every operation of the portal's OpenAPI document (its open data as JSON and
CSV; the pages are HTML and outside it): no input may cause a 5xx."""

from hypothesis import HealthCheck, settings

from tenfold.portal import migrate
from tenfold.portal.app import create_portal_app
from tenfold.portal.bootstrap import Portal
from tenfold.portal.config import PortalSettings
from tenfold.settings import DEMO_TOPOLOGY
from tenfold.storage import make_engine
from tenfold.topology import load
from tests.portal.exchange import InProcessExchange, Sib
from tests.fuzzing import assert_reached, schema_of, scratch


def _app():  # type: ignore[no-untyped-def]
    directory = scratch("tenfold-portal-fuzz-")
    exchange = InProcessExchange(Sib.open(directory / "sib"))
    engine = make_engine(f"sqlite:///{directory / 'portal.sqlite'}")
    migrate(engine)
    portal = Portal(PortalSettings(oidc_client_file=directory / "oidc.json", runtime_file=directory / "runtime.json"), engine,
                    exchange.as_client("DEMO/GOV/PORTAL/portal"), exchange.as_client("DEMO/GOV/PORTAL/staff"), load(DEMO_TOPOLOGY),
                    "http://testserver", "http://idp.test")
    return create_portal_app(portal)


schema = schema_of(_app())
STATUSES: list[int] = []


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


def test_the_fuzzing_reached_the_portal() -> None:
    assert_reached(STATUSES)
