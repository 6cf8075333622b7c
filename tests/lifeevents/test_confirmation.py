"""Confirming an offer: only by its addressee, once, with Mojaloop's duplicate rule on the
Idempotency-Key; a changed recipient makes the rules decide again; an expired offer is refused;
what is confirmed is enrolled and instructed exactly once, even when confirmations race."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tenfold.lifeevents.confirmation import Choice
from tenfold.lifeevents.models import ChoiceInvalid, IdempotencyConflict, NotTheAddressee, OfferExpired, OfferNotOpen
from tenfold.lifeevents.service import LifeEvents
from tenfold.lifeevents.tables import decisions, enrolments, notifications, payment_instructions
from tests.lifeevents.conftest import BABY, FATHER, IBAN, MOTHER, SISTER, make_offer


def _count(life: LifeEvents, table) -> int:  # type: ignore[no-untyped-def]
    with life.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_offer_holds_the_family_items_with_the_prefilled_recipient_and_account(life: LifeEvents) -> None:
    offer = life.offer(make_offer(life), MOTHER)
    assert offer["state"] == "proposed" and offer["recipient"] == MOTHER and offer["iban"] == IBAN
    assert {(i["benefit"], i["person"]) for i in offer["items"]} == {
        ("childbirth_allowance", BABY), ("child_allowance", SISTER), ("child_allowance", BABY)}
    assert offer["totalOneOffCents"] == 32000 and offer["totalMonthlyCents"] == 16000
    ends = {i["person"]: i["to_month"] for i in offer["items"] if i["benefit"] == "child_allowance"}
    assert ends == {SISTER: "2040-05", BABY: "2045-01"}   # paid until the child turns 19 (school data would extend it)
    assert _count(life, notifications) == 1
    assert life.offers_of(MOTHER, MOTHER)[0]["id"] == offer["id"]


def test_confirming_twice_with_the_same_key_returns_the_same_answer_and_pays_once(life: LifeEvents) -> None:
    offer_id = make_offer(life)
    life.clock.set(date(2026, 1, 12))
    first = life.confirm(offer_id, MOTHER, "key-1", Choice())
    second = life.confirm(offer_id, MOTHER, "key-1", Choice())
    assert first == second and first["state"] == "confirmed" and first["confirmation"]["iban"] == IBAN
    again = life.confirm(offer_id, MOTHER, "key-2", Choice(iban=IBAN))   # a new key, the same choices: the offer as it is
    assert again["state"] == "confirmed"
    assert _count(life, enrolments) == 3
    with life.engine.connect() as connection:
        planned = connection.execute(select(payment_instructions.c.benefit, payment_instructions.c.month,
                                            payment_instructions.c.due_on)).all()
    # the one-off and January (a back month: its run on 8 Jan has passed) go in the next run
    assert sorted(planned) == [("child_allowance", "2026-01", date(2026, 2, 6)), ("child_allowance", "2026-01", date(2026, 2, 6)),
                               ("childbirth_allowance", "2026-01", date(2026, 2, 6))]


def test_the_same_key_with_another_body_is_refused(life: LifeEvents) -> None:
    offer_id = make_offer(life)
    life.confirm(offer_id, MOTHER, "key-1", Choice())
    with pytest.raises(IdempotencyConflict):
        life.confirm(offer_id, MOTHER, "key-1", Choice(iban="EE471000001020145685"))
    with pytest.raises(OfferNotOpen):
        life.confirm(offer_id, MOTHER, "key-3", Choice(iban="EE471000001020145685"))
    with pytest.raises(OfferNotOpen):
        life.decline(offer_id, MOTHER, None, Choice())


def test_only_the_addressee_may_answer(life: LifeEvents) -> None:
    offer_id = make_offer(life)
    for user in (FATHER, None, "49001010001"):
        with pytest.raises(NotTheAddressee):
            life.confirm(offer_id, user, "key-1", Choice())
    with pytest.raises(NotTheAddressee):
        life.decline(offer_id, FATHER, None, Choice())
    assert life.offer(offer_id, None)["state"] == "proposed" and _count(life, enrolments) == 0


def test_an_expired_offer_cannot_be_confirmed(life: LifeEvents) -> None:
    offer_id = make_offer(life, deadline=date(2026, 2, 1))
    life.clock.set(date(2026, 2, 2))
    with pytest.raises(OfferExpired):
        life.confirm(offer_id, MOTHER, "key-1", Choice())
    assert life.offer(offer_id, None)["state"] == "expired" and _count(life, enrolments) == 0


def test_a_bad_choice_is_refused_and_changes_nothing(life_sqlite: LifeEvents) -> None:
    life = life_sqlite
    offer_id = make_offer(life, iban=None)
    with pytest.raises(ChoiceInvalid, match="no account is known"):
        life.confirm(offer_id, MOTHER, "key-1", Choice())
    with pytest.raises(ChoiceInvalid, match="not a valid IBAN"):
        life.confirm(offer_id, MOTHER, "key-2", Choice(iban="EE00 1234"))
    with pytest.raises(ChoiceInvalid, match="recipients"):
        life.confirm(offer_id, MOTHER, "key-3", Choice(recipient=SISTER, iban=IBAN))
    assert life.offer(offer_id, None)["state"] == "proposed" and _count(life, enrolments) == 0


def test_choosing_the_other_parent_decides_again_for_the_whole_family(life_sqlite: LifeEvents) -> None:
    life = life_sqlite
    offer_id = make_offer(life)
    before, proposed = _count(life, decisions), life.offer(offer_id, None)["decisionId"]
    answer = life.confirm(offer_id, MOTHER, "key-1", Choice(recipient=FATHER, iban="EE471000001020145685"))
    assert answer["recipient"] == FATHER and answer["decisionId"] != proposed
    assert {i["recipient"] for i in answer["items"]} == {FATHER}
    assert _count(life, decisions) == before + 1
    explained = life.decision(answer["decisionId"], FATHER)
    recipients = {m["id"]: m["facts"]["recipient"] for m in explained["inputs"]["members"] if m["role"] == "child"}
    assert {r["value"] for r in recipients.values()} == {FATHER} and {r["source"] for r in recipients.values()} == {"confirmation"}


def test_a_declined_offer_stays_declined(life: LifeEvents) -> None:
    offer_id = make_offer(life)
    assert life.decline(offer_id, MOTHER, "d-1", Choice(reason="we live abroad"))["state"] == "declined"
    assert life.decline(offer_id, MOTHER, "d-1", Choice(reason="we live abroad"))["state"] == "declined"
    assert life.decline(offer_id, MOTHER, None, Choice())["state"] == "declined"
    with pytest.raises(OfferNotOpen):
        life.confirm(offer_id, MOTHER, "key-1", Choice())


def test_racing_confirmations_enrol_and_instruct_once(life: LifeEvents) -> None:
    offer_id = make_offer(life)
    answers, errors = [], []

    def click(key: str) -> None:
        try:
            answers.append(life.confirm(offer_id, MOTHER, key, Choice()))
        except OfferNotOpen as error:   # another click won at the same moment
            errors.append(error)

    threads = [threading.Thread(target=click, args=(f"key-{n % 3}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers and all(a["state"] == "confirmed" for a in answers)
    assert _count(life, enrolments) == 3
    with life.engine.connect() as connection:
        ids = connection.execute(select(payment_instructions.c.request_id)).scalars().all()
    assert len(ids) == len(set(ids)) == 3
