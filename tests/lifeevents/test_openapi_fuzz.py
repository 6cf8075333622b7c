"""Schemathesis drives every operation of SIB's benefits API (offers, confirmations, decisions,
the exception queue, social assistance, the timeline, the inbox, webhooks and the operator's
paths): no input causes a 5xx, and an input refused with a 4xx writes nothing. SIB's facts come
through the running country's exchange."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from tenfold.lifeevents import LifeSettings, open_lifeevents
from tenfold.lifeevents.api import create_lifeevents_app
from tenfold.lifeevents.tables import metadata
from tenfold.storage import make_engine
from tests.fuzzing import assert_reached, schema_of, scratch
from tests.lifeevents.conftest import make_offer

pytestmark = pytest.mark.slow
STATUSES: list[int] = []


DIRECTORY = scratch("tenfold-sib-fuzz-")
# Built at import time because schemathesis needs the document to generate the tests; the
# gateway is the running country's, set once the country runs (see ``through_the_country``).
SIB = open_lifeevents(make_engine(f"sqlite:///{DIRECTORY / 'sib.sqlite'}"),
                      LifeSettings(worker=False, mail_dir=DIRECTORY / "mail", opencrvs_secret="fuzz"), gateway_url="http://127.0.0.1:9")
SIB.clock.set(date(2026, 1, 12))
make_offer(SIB)
schema = schema_of(create_lifeevents_app(SIB, worker=False))


@pytest.fixture(scope="module", autouse=True)
def through_the_country(world):  # type: ignore[no-untyped-def]
    SIB.client.gateway_url = world.member("SIB")["gateway_url"]


def _rows(sib: Any) -> dict[str, int]:
    with sib.engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error_or_a_write_when_refused(case) -> None:  # type: ignore[no-untyped-def]
    sib = SIB
    before = _rows(sib)
    response = case.call()
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    if 400 <= response.status_code < 500:
        changed = {k: (v, after) for (k, v), after in zip(before.items(), _rows(sib).values()) if v != after}
        assert changed == {}, (case.method, case.formatted_path, response.status_code, changed)


def test_the_fuzzing_reached_the_service() -> None:
    assert_reached(STATUSES)
