"""Storing a birth's decision and offer (the journey's one transaction), on SQLite and PostgreSQL:
the facts as the exchange gave them become the rules' household; twins handled at the same moment
each get their own offer with the family's money offered once; a repeat is "already handled"; a
child who died, or a household without a living parent, goes to the exception queue."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from tenfold.ids import isikukood
from tenfold.lifeevents import births, queue
from tenfold.lifeevents.births import BirthFacts, CaseForCaseworker
from tenfold.lifeevents.facts import Ledger
from tenfold.lifeevents.service import LifeEvents
from tenfold.lifeevents.tables import decisions, offers
from tests.lifeevents.conftest import FATHER, IBAN, MOTHER, SISTER

ROOM = "DEMO/GOV/POP/vital-events"
TWIN_A = isikukood.generate(__import__("datetime").date(2026, 1, 10), "F", 101)
TWIN_B = isikukood.generate(__import__("datetime").date(2026, 1, 10), "M", 102)


def _person(code: str, born: str, status: str = "alive") -> dict[str, Any]:
    return {"ID": code, "birthDate": born, "status": status, "householdId": "H-1", "addressId": "A-1", "email": None}


def _facts(child: str, status: str = "alive", parents_alive: bool = True) -> BirthFacts:
    event = {"birthId": f"B-{child}", "childId": child, "motherId": MOTHER, "fatherId": FATHER, "birthDate": "2026-01-10",
             "place": "Tartu", "multipleBirthSize": 2}
    parent_status = "alive" if parents_alive else "deceased"
    household = [_person(MOTHER, "1992-03-04", parent_status), _person(FATHER, "1990-07-08", parent_status),
                 _person(SISTER, "2021-05-06"), _person(TWIN_A, "2026-01-10", status if child == TWIN_A else "alive"),
                 _person(TWIN_B, "2026-01-10", status if child == TWIN_B else "alive")]
    births_of_mother = [{"ID": f"B-{c}", "childId": c, "motherId": MOTHER, "fatherId": FATHER, "birthDate": born, "multipleBirthSize": size}
                        for c, born, size in ((SISTER, "2021-05-06", 1), (TWIN_A, "2026-01-10", 2), (TWIN_B, "2026-01-10", 2))]
    ledger = Ledger([{"fact": "household", "about": None, "service": "DEMO/GOV/POP/registry/registry", "message_id": "DEMO-h"},
                     {"fact": "births", "about": MOTHER, "service": "DEMO/GOV/POP/registry/registry", "message_id": "DEMO-b"}])
    return BirthFacts(event, next(p for p in household if p["ID"] == child), household, births_of_mother,
                      {MOTHER: [{"iban": IBAN, "primary": True}], FATHER: []}, ledger, {"household:None": "DEMO-h", f"births:{MOTHER}": "DEMO-b"})


def _claim(life: LifeEvents, child: str, event_id: str) -> queue.Claimed:
    life.receive(ROOM, event_id, "birth", {**_facts(child).event}, {}, None, None)
    return next(c for c in queue.claim(life.engine, 10, 60, 5) if c.subject == child)


def test_twins_at_the_same_moment_each_get_their_offer_and_the_family_money_once(life: LifeEvents) -> None:
    claimed = {child: _claim(life, child, f"ev-{child}") for child in (TWIN_A, TWIN_B)}
    outcomes: dict[str, str] = {}
    threads = [threading.Thread(target=lambda c=child: outcomes.__setitem__(c, life.journeys._birth_offer(claimed[c], _facts(c))))
               for child in (TWIN_A, TWIN_B)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {TWIN_A: "offer_created", TWIN_B: "offer_created"}
    with life.engine.connect() as connection:
        rows = connection.execute(select(offers.c.subject, offers.c["items"], offers.c.iban)).all()
        sources = connection.execute(select(decisions.c.record)).scalars().all()
    items = Counter((i["benefit"], i["person"]) for row in rows for i in row.items)
    assert {row.subject for row in rows} == {TWIN_A, TWIN_B} and all(row.iban == IBAN for row in rows)
    assert set(items.values()) == {1}
    assert {("childbirth_allowance", TWIN_A), ("childbirth_allowance", TWIN_B), ("child_allowance", SISTER)} <= set(items)
    children = [m for m in sources[0]["input_snapshot"]["members"] if m["role"] == "child"]
    assert {m["facts"]["multiple_birth_size"]["source"] for m in children} == {"DEMO-b"}
    again = _claim(life, TWIN_A, "ev-again")
    assert asyncio.run(life.journeys.handle(again)) == "already_handled"


@pytest.mark.parametrize("child_status, parents_alive, code", [("deceased", True, "child_deceased"), ("alive", False, "no_living_parent")])
def test_a_case_the_journey_cannot_decide_is_for_a_caseworker(life: LifeEvents, child_status: str, parents_alive: bool,
                                                               code: str) -> None:
    with pytest.raises(CaseForCaseworker) as raised:
        births.family(_facts(TWIN_A, child_status, parents_alive), {})
    assert raised.value.reason_code == code


def test_an_enrolled_sibling_keeps_its_recipient_and_the_others_are_proposed() -> None:
    family = births.family(_facts(TWIN_A), {SISTER: (FATHER, "SIB enrolment 7")})
    assert family.recipient == FATHER and family.newborns == (TWIN_A, TWIN_B)
    recipients = {m["id"]: m["recipient"] for m in family.document["members"] if m["role"] == "child"}
    assert recipients[SISTER] == {"value": FATHER, "source": "SIB enrolment 7"}
    assert recipients[TWIN_A] == {"value": FATHER, "source": births.PROPOSED_SOURCE}
