"""The reads the portal and the journeys list make find offers by index, not by reading every
offer: a person's offers (addressee, recipient or subject) and the offer of each event."""

from __future__ import annotations

from sqlalchemy import inspect, select

from tenfold.lifeevents import offers
from tenfold.lifeevents.service import LifeEvents
from tenfold.lifeevents.tables import life_events
from tenfold.lifeevents.tables import offers as offers_table


def test_offers_are_indexed_by_recipient_subject_and_event(life: LifeEvents) -> None:
    found = {index["name"] for index in inspect(life.engine).get_indexes("offers")}
    assert {"ix_offers_addressee", "ix_offers_recipient", "ix_offers_subject", "ix_offers_event"} <= found


def test_a_persons_offers_and_the_journeys_list_read_no_whole_table(life_sqlite: LifeEvents) -> None:
    person = select(offers_table).where((offers_table.c.addressee == "x") | (offers_table.c.recipient == "x") | (offers_table.c.subject == "x"))
    journeys = select(life_events.c.id, offers_table.c.id).select_from(
        life_events.outerjoin(offers_table, offers_table.c.event_id == life_events.c.id)).where(life_events.c.id > 0)
    with life_sqlite.engine.connect() as connection:
        for query in (person, journeys):
            compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
            plan = " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "SCAN offers" not in plan and "AUTOMATIC" not in plan, plan
        assert offers.of_person(connection, "x") == []
