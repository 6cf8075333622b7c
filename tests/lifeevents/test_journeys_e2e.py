"""The journeys end to end through the exchange, with the whole (reduced) country running:
a birth in POP becomes a prefilled offer at SIB, confirmed twice through the portal's gateway and
paid once by the treasury; twins are offered the family's money once; social assistance is
decided from a personal code; a death is acted on by every subscriber and shown in one timeline,
with the funeral grant offered to the next of kin and an overpayment computed."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from tenfold.lifeevents import births
from tenfold.lifeevents.tables import payment_instructions as sib_instructions
from tenfold.payments.tables import payment_instructions as tre_instructions
from tests.lifeevents.country import World, until
from tests.lifeevents.journeys import (exceptions, journeys_of, mothers, offer_of_child, offers_for, register_birth,
                                       register_death, settled)

pytestmark = pytest.mark.slow


def _offer(world: World, offer_id: str) -> dict:  # type: ignore[type-arg]
    with world.sib as sib:
        return dict(sib.get(f"/offers/{offer_id}").json())


def _confirm(world: World, offer: dict, key: str, **body: str):  # type: ignore[no-untyped-def, type-arg]
    with world.portal(offer["addressee"], **{"Idempotency-Key": key}) as portal:
        return portal.post(f"/offers/{offer['id']}/confirm", json=body)


def _instructions_of(world: World, offer_id: str) -> list[str]:
    from tenfold.lifeevents.tables import enrolments

    engine = world.engine("SIB")
    with engine.connect() as connection:
        enrolled = connection.execute(select(enrolments.c.id).where(enrolments.c.offer_id == offer_id)).scalars().all()
        return list(connection.execute(select(sib_instructions.c.request_id).where(
            sib_instructions.c.enrolment_id.in_(enrolled), sib_instructions.c.state == "submitted")).scalars())


def test_a_birth_becomes_a_prefilled_offer_confirmed_twice_and_paid_once(world: World) -> None:
    world.set_day("2026-03-03")
    mother = mothers(world)[0]
    child = register_birth(world, mother["ID"])
    offer = offer_of_child(world, mother["ID"], child)
    assert offer["addressee"] == offer["recipient"] == mother["ID"] and offer["iban"] == mother["iban"]
    items = {(i["benefit"], i["person"]): i for i in offer["items"]}
    assert items[("childbirth_allowance", child)]["amount_cents"] == 32000
    assert ("single_parent_child_allowance", child) in items                     # no father recorded
    with world.sib as sib:
        explained = sib.get(f"/decisions/{offer['decisionId']}").json()
    assert explained["facts"] and all(f["message_id"] for f in explained["facts"])
    assert {f["service"] for f in explained["facts"]} >= {"DEMO/GOV/POP/registry/registry", "DEMO/GOV/TAX/registry/registry"}
    first = _confirm(world, offer, f"key-{child}")
    second = _confirm(world, offer, f"key-{child}")
    assert first.status_code == second.status_code == 200, first.text
    assert first.json() == second.json() and first.json()["state"] == "confirmed"
    assert _confirm(world, offer, f"key-{child}", iban="EE382200221020145685").status_code == 409
    until(lambda: _offer(world, offer["id"])["state"] == "paid", 60, "the offer is paid")
    sent = _instructions_of(world, offer["id"])
    engine = world.engine("TRE")
    with engine.connect() as connection:
        at_treasury = connection.execute(select(tre_instructions.c.request_id).where(tre_instructions.c.request_id.in_(sent))).scalars().all()
    assert sent and sorted(at_treasury) == sorted(sent) and len(set(at_treasury)) == len(at_treasury)
    assert _confirm(world, offer, f"key-{child}").json() == first.json()   # the stored answer, even after payment
    with world.pop as pop:
        usage = pop.get("/data/myPersonalDataUsage", params={"userId": mother["ID"]}).json()
    assert any(u["ReaderApplicationName"] == "DEMO/GOV/SIB/benefits" and u["Purpose"] == births.PURPOSE for u in usage)


def test_twins_are_offered_the_family_money_once(world: World) -> None:
    world.set_day("2026-03-03")
    mother = mothers(world)[1]
    first, second = (register_birth(world, mother["ID"], size=2) for _ in range(2))
    offers = [offer_of_child(world, mother["ID"], child) for child in (first, second)]
    items = Counter((i["benefit"], i["person"]) for offer in offers for i in offer["items"])
    assert items[("childbirth_allowance", first)] == items[("childbirth_allowance", second)] == 1
    assert all(n == 1 for n in items.values()), items


def test_social_assistance_is_decided_from_a_personal_code(world: World) -> None:
    world.set_day("2026-03-03")
    person = mothers(world)[2]["ID"]
    with world.portal(person) as portal:
        answer = portal.post("/assistance/applications", json={"personId": person})
        assert answer.status_code == 201, answer.text
        decided = answer.json()
        assert decided["outcome"] in ("eligible", "not_eligible") and decided["reasons"]
        assert all(r["text"]["en"] and r["text"]["zh-Hant"] for r in decided["reasons"])
        explained = portal.get(f"/decisions/{decided['decisionId']}").json()
        stranger = portal.post("/assistance/applications", json={"personId": mothers(world)[3]["ID"]})
        appealed = portal.post(f"/assistance/applications/{decided['applicationId']}/appeal", json={"reason": "my income fell"})
    assert {f["service"] for f in explained["facts"]} >= {"DEMO/GOV/TAX/registry/registry", "DEMO/GOV/LAND/registry/registry",
                                                          "DEMO/GOV/VEH/registry/registry"}
    assert stranger.status_code == 404
    assert appealed.status_code == 200 and appealed.json()["state"] == "appealed"
    assert any(e["reasonCode"] == "appeal" and e["applicationId"] == decided["applicationId"] for e in exceptions(world))


def _pensioner_with_spouse(world: World) -> tuple[str, str]:
    pensioners = {p["personId"] for p in world.records("PEN", "pensions", "AND json_extract(data, '$.status') = 'active'")}
    alive = {p["ID"] for p in world.records("POP", "persons", "AND json_extract(data, '$.status') = 'alive'")}
    for relation in world.records("POP", "relations", "AND json_extract(data, '$.kind') = 'spouseOf'"):
        if relation["fromPersonId"] in pensioners and relation["toPersonId"] in alive and not relation.get("validTo"):
            return relation["fromPersonId"], relation["toPersonId"]
    raise AssertionError("no pensioner with a living spouse in the country")


def test_a_death_is_acted_on_by_every_subscriber_and_shown_in_one_timeline(world: World) -> None:
    world.set_day("2026-03-03")
    person, spouse = _pensioner_with_spouse(world)
    register_death(world, person, "2026-03-02")
    settled(world, person)
    until(lambda: _timeline(world, person, spouse).get("entries") and len({e["agency"] for e in _timeline(world, person, spouse)["entries"]}) >= 5,
          60, "every agency has acted")
    timeline = _timeline(world, person, spouse)
    actions = {(e["agency"], e["action"]) for e in timeline["entries"]}
    assert ("DEMO/GOV/PEN", "pension_stopped") in actions and ("DEMO/GOV/TAX", "tax_year_marked_for_closing") in actions
    assert {"DEMO/GOV/VEH", "DEMO/GOV/LAND", "DEMO/GOV/SIB"} <= {e["agency"] for e in timeline["entries"]}
    assert {u["agency"] for u in timeline["unavailable"]} == {"DEMO/GOV/IDP"}   # not in this country: said, not hidden
    [pension] = world.records("PEN", "pensions", "AND json_extract(data, '$.personId') = :p", p=person)
    assert pension["status"] == "stopped" and pension["stoppedFrom"] == "2026-04-01"
    [funeral] = [o for o in offers_for(world, spouse) if o["program"] == "funeral_grant"]
    assert funeral["addressee"] == spouse and funeral["items"][0]["amount_cents"] == 25000
    with world.portal(mothers(world)[4]["ID"]) as stranger:
        assert stranger.get("/timeline", params={"personId": person}).status_code == 404


def _timeline(world: World, person: str, viewer: str) -> dict:  # type: ignore[type-arg]
    with world.portal(viewer) as portal:
        answer = portal.get("/timeline", params={"personId": person})
    return dict(answer.json()) if answer.status_code == 200 else {}


def test_a_late_death_stops_benefits_recalculates_and_computes_the_overpayment(world: World) -> None:
    world.set_day("2026-03-03")
    mother = mothers(world)[5]
    child = register_birth(world, mother["ID"])
    offer = offer_of_child(world, mother["ID"], child)
    assert _confirm(world, offer, f"key-{child}").status_code == 200
    world.set_day("2026-04-03")   # April's allowances go to the treasury five days before the run of 8 April
    until(lambda: any(m == "2026-04" for m in _months_sent(world, offer["id"])), 60, "April is with the treasury")
    register_death(world, child, "2026-03-20")   # registered late: April was paid already
    settled(world, child, count=2)
    with world.sib as sib:
        status = sib.get("/status").json()
    overpaid = [e for e in exceptions(world) if e["reasonCode"] == "overpayment"]
    assert any("2026-04" in e["text"]["en"] for e in overpaid) and status["overpaymentCents"] > 0
    steps = {e["action"] for e in _timeline(world, child, mother["ID"])["entries"] if e["agency"] == "DEMO/GOV/SIB"}
    assert {"death_registered", "benefits_stopped", "overpayment_computed"} <= steps
    assert [j["outcome"] for j in journeys_of(world, child)] == ["offer_created", "death_handled"]


def _months_sent(world: World, offer_id: str) -> list[str]:
    from tenfold.lifeevents.tables import enrolments

    engine = world.engine("SIB")
    with engine.connect() as connection:
        enrolled = connection.execute(select(enrolments.c.id).where(enrolments.c.offer_id == offer_id)).scalars().all()
        return list(connection.execute(select(sib_instructions.c.month).where(
            sib_instructions.c.enrolment_id.in_(enrolled), sib_instructions.c.state == "submitted")).scalars())
