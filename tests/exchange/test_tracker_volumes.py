"""The data tracker's volumes for the operator: counts by day, client and service, never a person."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from tenfold.errors import InvalidInput
from tenfold.exchange import migrate
from tenfold.exchange.tables import tracker
from tenfold.exchange.tracker import volumes
from tenfold.storage import make_engine

PERSON = "38001085718"


def test_volumes_count_recent_uses_by_client_and_service_without_persons(any_database_url: str) -> None:
    engine = make_engine(any_database_url)
    migrate(engine)
    now = datetime.now(UTC)
    rows = [("DEMO/GOV/SIB/benefits", "DEMO/GOV/POP/registry/registry", now)] * 3 + [
        ("DEMO/GOV/PORTAL/portal", "DEMO/GOV/POP/registry/registry", now),
        ("DEMO/GOV/SIB/benefits", "DEMO/GOV/POP/registry/registry", now - timedelta(days=40))]
    with engine.begin() as connection:
        for number, (client, service, at) in enumerate(rows):
            connection.execute(insert(tracker).values(person_id=PERSON, at=at, client=client, service=service, message_id=f"m{number}"))
    found = volumes(engine, 30)
    assert [(v["client"], v["count"]) for v in found] == [("DEMO/GOV/PORTAL/portal", 1), ("DEMO/GOV/SIB/benefits", 3)]
    assert found[0]["day"] == now.date().isoformat() and PERSON not in str(found)
    assert sum(v["count"] for v in volumes(engine, 60)) == 5
    with pytest.raises(InvalidInput):
        volumes(engine, 0)
